/**
 * Micro-benchmark of the signature verifier's non-crypto parts, A/B in one run: the strict
 * Signature-Input/Signature parse (parse + re-serialize) against the verifier's parse (canonical
 * fast path first), then the other per-request pieces next to the Ed25519 primitive for scale,
 * and the admission plugin's second coercion of a placeOrder's variables.
 * Rounds alternate between the candidates; the figure is the median round, in ms per call.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/profile/verifier-parts.js
 *
 * Knobs: MICRO_CALLS (per candidate and round, default 20000), MICRO_ROUNDS (default 7).
 */
import { MicroTimings } from './micro-timing';
import { buildSignatureBase, checkContentDigest, signRequest, type SignatureBaseMessage } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { generateKeyPairSync } from 'node:crypto';
import 'reflect-metadata';
import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { PLACE_ORDER_BODY } from '../requests';
import { parseSignatureFields, parseSignatureFieldsStrictly } from '../../packages/http-message-signatures/src/signature-headers';

const calls = Number(process.env.MICRO_CALLS ?? 20_000);
const rounds = Number(process.env.MICRO_ROUNDS ?? 7);

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const body = new TextEncoder().encode('{"query":"mutation($m: String!) { placeOrder(market: $m, side: BUY, quantity: \\"1\\") { id } }","variables":{"m":"BTC-EUR"}}');
const signed = signRequest(nodeCrypto, {
  method: 'POST',
  authority: 'api.signet.test',
  path: '/graphql',
  body,
  keyId: 'bench-key-0001',
  algorithm: 'ed25519',
  privateKey,
  headers: { 'idempotency-key': 'order-0001' },
  components: ['@method', '@authority', '@path', 'content-digest', 'idempotency-key'],
});
const input = signed.headers['signature-input'];
const signature = signed.headers.signature;
const parsed = parseSignatureFields(input, signature);
if (!parsed.ok) throw new Error('the benchmark request does not parse');
const message: SignatureBaseMessage = { method: 'POST', authority: 'api.signet.test', path: '/graphql', scheme: 'https', headers: { ...signed.headers, 'idempotency-key': 'order-0001' } };
const key = { keyId: 'bench-key-0001', accountId: 'a', scopes: [], algorithm: 'ed25519' as const, publicKey };
const base = new TextEncoder().encode(buildSignatureBase(parsed.signature.components, message, parsed.signature.signatureParams));

const schema = buildSignetSchema();
const placeOrder = JSON.parse(PLACE_ORDER_BODY) as { query: string; variables: Record<string, unknown> };
const operation = parse(placeOrder.query).definitions[0] as OperationDefinitionNode;

const candidates: Record<string, () => unknown> = {
  'strict parse (parseDictionary + serializeDictionary)': () => parseSignatureFieldsStrictly(input, signature),
  'verifier parse (canonical fast path)': () => parseSignatureFields(input, signature),
  'signature base (buildSignatureBase + encode)': () => new TextEncoder().encode(buildSignatureBase(parsed.signature.components, message, parsed.signature.signatureParams)),
  'nonce store key JSON.stringify([keyId, nonce])': () => JSON.stringify([parsed.signature.keyId, parsed.signature.nonce]),
  'placeOrder variables coercion (admission plugin getVariableValues)': () => getVariableValues(schema, operation.variableDefinitions ?? [], placeOrder.variables, { maxErrors: 1 }).coerced,
  'Ed25519 verify (primitive, cached KeyObject)': () => nodeCrypto.verify(key, base, parsed.signature.signature),
};

async function main(): Promise<void> {
  const async: Record<string, () => Promise<unknown>> = {
    'Content-Digest check (parse + sha-256 of the body)': () => checkContentDigest(nodeCrypto, signed.headers['content-digest'], body),
  };
  const timings = new MicroTimings();
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(candidates)) timings.timeSync(name, name.startsWith('Ed25519') ? Math.ceil(calls / 10) : calls, run);
    for (const [name, run] of Object.entries(async)) await timings.timeAsync(name, calls, run);
  }
  console.log(timings.report());
}

void main();
