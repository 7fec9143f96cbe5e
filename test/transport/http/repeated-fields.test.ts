/**
 * A field sent on several lines, as the RFCs read it rather than as Node's `headers` keeps it (the
 * first line of Content-Type, User-Agent, Host…; Cookie lines joined with "; "): a request with a
 * second Host line is 400 (RFC 9112 §3.2), and a covered field is signed as every one of its lines
 * joined with ", " (RFC 9421 §2.1), so a line added after signing fails the signature.
 */
import { connect } from 'node:net';
import { signRequest, type SignRequestOptions } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

const ME = JSON.stringify({ query: '{ me { id } }' });

/** Sends one request with exactly these header lines, in order, and parses the answer. */
function send(port: number, method: string, target: string, lines: ReadonlyArray<readonly [string, string]>, body = ''): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const head = [`${method} ${target} HTTP/1.1`, ...lines.map(([name, value]) => `${name}: ${value}`), `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head.join('\r\n')}\r\n\r\n${body}`));
    socket.setEncoding('utf8');
    socket.on('data', (d) => (received += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [status, answer] = [Number(received.slice(9, 12)), received.slice(received.indexOf('\r\n\r\n') + 4)];
      // Connection: close, so the body is not chunked.
      resolve({ status, json: JSON.parse(answer) });
    });
  });
}

describe('a field sent on several lines', () => {
  let db: TestDatabase;
  let key: TestKey;
  let accountId: string;
  let server: RunningSignet;
  let port: number;
  beforeAll(async () => {
    const account = await openSigningAccount({}, 'lines');
    ({ db, key, accountId } = account);
    server = await startSignet(account.services, memoryStores());
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  /** Signature headers for a signed `me` to this server, covering `also` beyond the required set, with their signed values. */
  const sign = (also: Record<string, string> = {}, options: Partial<SignRequestOptions> = {}) =>
    signRequest(nodeCrypto, {
      method: 'POST', authority: server.authority, path: '/graphql', body: ME, keyId: key.keyId, algorithm: 'ed25519', privateKey: key.privateKey,
      components: ['@method', '@authority', '@path', 'content-digest', ...Object.keys(also)], headers: also, ...options,
    }).headers;
  const signatureLines = (headers: ReturnType<typeof sign>) => Object.entries(headers) as Array<[string, string]>;

  describe('Host (RFC 9112 §3.2)', () => {
    test('a request with two Host lines is 400 BAD_REQUEST, on any route', async () => {
      for (const [method, target] of [['GET', '/healthz'], ['POST', '/graphql']]) {
        const res = await send(port, method, target, [['Host', server.authority], ['Host', 'evil.example'], ['Content-Type', 'application/json']], method === 'POST' ? ME : '');
        expect([target, res.status, res.json.errors[0].extensions.code]).toEqual([target, 400, 'BAD_REQUEST']);
        expect(res.json.errors[0].message).toMatch(/one Host field line/);
      }
    });

    test('a signed request with two Host lines runs nothing, and its signature is used up', async () => {
      const signed = signatureLines(sign());
      const refused = await send(port, 'POST', '/graphql', [['Host', server.authority], ['Host', server.authority], ['Content-Type', 'application/json'], ...signed], ME);
      expect(refused.status).toBe(400);
      const again = await send(port, 'POST', '/graphql', [['Host', server.authority], ['Content-Type', 'application/json'], ...signed], ME);
      expect([again.status, again.json.errors[0].extensions.reason]).toEqual([401, 'NONCE_REUSED']);
    });

    test('one Host line beside another repeated field is served', async () => {
      const res = await send(port, 'POST', '/graphql', [['Host', server.authority], ['Content-Type', 'application/json'], ['X-Note', 'a'], ['X-Note', 'b'], ...signatureLines(sign())], ME);
      expect([res.status, res.json.data?.me.id]).toEqual([200, accountId]);
    });
  });

  describe('a covered field (RFC 9421 §2.1: every line, joined with ", ")', () => {
    test.each([
      ['Content-Type', 'content-type', 'application/json', 'text/plain'],
      ['User-Agent', 'user-agent', 'bot/1.0', 'other/2.0'],
    ])('a second %s line added after signing is not accepted', async (name, component, value, added) => {
      const res = await send(port, 'POST', '/graphql', [['Host', server.authority], ['Content-Type', 'application/json'], ...(component === 'content-type' ? [] : [[name, value] as const]), [name, added], ...signatureLines(sign({ [component]: value }))], ME);
      expect([res.status, res.json.errors[0].extensions.reason]).toEqual([401, 'SIGNATURE_INVALID']);
    });

    test('a covered Content-Type signed on one line still verifies', async () => {
      const res = await send(port, 'POST', '/graphql', [['Host', server.authority], ['Content-Type', 'application/json'], ...signatureLines(sign({ 'content-type': 'application/json' }))], ME);
      expect([res.status, res.json.data?.me.id]).toEqual([200, accountId]);
    });

    test.each([
      ['Content-Type', 'content-type', ['application/json', 'application/json']],
      ['Cookie', 'cookie', ['a=1', 'b=2']],
    ])('a covered %s sent on two lines, signed as the two lines joined with ", ", verifies', async (name, component, values) => {
      const lines = values.map((value) => [name, value] as const);
      const res = await send(port, 'POST', '/graphql', [['Host', server.authority], ...(component === 'content-type' ? [] : [['Content-Type', 'application/json'] as const]), ...lines, ...signatureLines(sign({ [component]: values.join(', ') }))], ME);
      expect([res.status, res.json.data?.me.id]).toEqual([200, accountId]);
    });
  });
});
