/**
 * The one-pass reader of canonical Signature-Input / Signature fields against the strict
 * parse-and-reserialize path it shortcuts: whatever the input, the verifier's parse answers
 * exactly what the strict path answers, and the fast path, when it answers, answers the strict
 * path's success.
 */
import fc from 'fast-check';
import { parseCanonicalSignatureFields } from '../src/canonical-signature-fields';
import { parseSignatureFields, parseSignatureFieldsStrictly } from '../src/signature-headers';
import sf, { type BareItem, type InnerList, type Item } from '../src/structured-fields';
import { MAX_SIGNATURE_HEADER_BYTES } from '../src';
import { BODY, loadVectors, signedRequest } from './helpers';

type Pair = [signatureInput: string, signature: string];

/** The three parses agree: combined = strict, and fast (when it answers) = strict's success. */
function expectAgreement([input, signature]: Pair): { fast: boolean; ok: boolean } {
  const strict = parseSignatureFieldsStrictly(input, signature);
  expect(parseSignatureFields(input, signature)).toStrictEqual(strict);
  const fast = parseCanonicalSignatureFields(input, signature);
  if (fast !== undefined) expect(strict).toStrictEqual({ ok: true, signature: fast });
  return { fast: fast !== undefined, ok: strict.ok };
}

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));
/** Printable ASCII without `"` and `\`: strings whose canonical form needs no escape. */
const plain = (max: number) => fc.stringMatching(new RegExp(`^[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{0,${max}}$`));
const label = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,8}$/);
const knownComponent = fc.constantFrom('@method', '@authority', '@path', '@query', '@target-uri', 'content-digest', 'idempotency-key');
const nonce = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{16,64}$/);
const keyId = fc.stringMatching(/^[A-Za-z0-9._-]{1,128}$/);
const seconds = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 0, max: 999_999_999_999_999 }));
const signatureBytes = fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }));

interface Shape {
  label: string;
  sigLabel: string;
  components: string[];
  params: Array<[string, BareItem]>;
  bytes: Uint8Array;
}

/** Serializes a shape with the library's serializer: canonical by definition. */
function serialize(shape: Shape): Pair {
  const items: Item[] = shape.components.map((c) => [c, new Map()]);
  const member: InnerList = [items, new Map(shape.params)];
  const bytes = new Uint8Array(shape.bytes); // a plain ArrayBuffer-backed copy
  return [
    sf.serializeDictionary(new Map([[shape.label, member]])),
    sf.serializeDictionary(new Map([[shape.sigLabel, [bytes.buffer, new Map()] as Item]])),
  ];
}

/** What the profile accepts, with parameters in any order: the fast path's own ground. */
const validShape: fc.Arbitrary<Shape> = fc
  .record({
    label,
    components: fc.array(fc.oneof(knownComponent, plain(12)), { maxLength: 8 }),
    created: seconds,
    expires: fc.option(seconds, { nil: undefined }),
    nonce,
    keyId,
    alg: fc.option(fc.oneof(fc.constantFrom('ed25519', 'hmac-sha256'), plain(10)), { nil: undefined }),
    tag: fc.option(plain(20), { nil: undefined }),
    bytes: signatureBytes,
    order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
  })
  .map((r) => {
    const params: Array<[string, BareItem]> = [['created', r.created], ['nonce', r.nonce], ['keyid', r.keyId]];
    if (r.expires !== undefined) params.push(['expires', r.expires]);
    if (r.alg !== undefined) params.push(['alg', r.alg]);
    if (r.tag !== undefined) params.push(['tag', r.tag]);
    const ordered = params.map((p, i) => [r.order[i], i, p] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , p]) => p);
    return { label: r.label, sigLabel: r.label, components: r.components, params: ordered, bytes: r.bytes };
  });

/** Canonical shapes around the profile's edges: escapes, wrong types, unknown names, bad lengths, labels apart. */
const edgeShape: fc.Arbitrary<Shape> = fc
  .record({
    base: validShape,
    components: fc.option(fc.array(printable(6), { maxLength: 4 }), { nil: undefined }),
    sigLabel: fc.option(label, { nil: undefined }),
    extra: fc.array(
      fc.tuple(
        fc.constantFrom('created', 'expires', 'nonce', 'keyid', 'alg', 'tag', 'sf', 'key'),
        fc.oneof(
          printable(12),
          fc.integer({ min: -5, max: 999_999_999_999_999 }),
          fc.constantFrom<BareItem>(true, false, 1.5, 0, new sf.Token('tok')),
          fc.stringMatching(/^[A-Za-z0-9._~+/=-]{10,70}$/),
        ),
      ),
      { maxLength: 2 },
    ),
    drop: fc.option(fc.constantFrom('created', 'nonce', 'keyid'), { nil: undefined }),
    bytes: fc.option(fc.uint8Array({ maxLength: 70 }), { nil: undefined }),
  })
  .map((r) => {
    const params = new Map(r.base.params.filter(([name]) => name !== r.drop));
    for (const [name, value] of r.extra) params.set(name, value);
    return {
      label: r.base.label,
      sigLabel: r.sigLabel ?? r.base.label,
      components: r.components ?? r.base.components,
      params: [...params],
      bytes: r.bytes ?? r.base.bytes,
    };
  });

/** Edits that leave canonical form, or land in another canonical string. */
const special = fc.constantFrom(' ', '\t', ',', ';', '=', '"', '\\', '(', ')', ':', '0', '1', '-', '.', '*', 'A', 'a', '?', '@', '%', '\u00e9', '\n');
const edit = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(special, fc.array(special, { maxLength: 3 }).map((c) => c.join(''))) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: special }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('join' as const), text: fc.constantFrom(', ', ',', ' , ', '') }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function apply(text: string, e: Edit): string {
  if (e.kind === 'join') return `${text}${e.text}${text}`; // a repeated header line, as Node joins it
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  if (e.kind === 'insert') return text.slice(0, at) + e.text + text.slice(at);
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + e.length);
  if (e.kind === 'replace') return text.slice(0, at) + e.text + text.slice(at + 1);
  return text.slice(0, at) + text.slice(at, at + e.length) + text.slice(at);
}

const runs = { numRuns: 3_000 };

describe('the canonical fast path answers exactly what the strict path answers', () => {
  it('reads every canonical pair of the profile itself, with the strict result', () => {
    fc.assert(
      fc.property(validShape, (shape) => {
        const pair = serialize(shape);
        expect(expectAgreement(pair)).toEqual({ fast: true, ok: true });
      }),
      runs,
    );
  });

  it('agrees on canonical pairs at the edges of the profile (escapes, types, names, lengths, labels)', () => {
    const seen = { fast: 0, refused: 0 };
    fc.assert(
      fc.property(edgeShape, (shape) => {
        let pair: Pair;
        try {
          pair = serialize(shape);
        } catch {
          return; // not serializable (a negative integer is fine; this guards odd generated values)
        }
        const { fast, ok } = expectAgreement(pair);
        if (fast) seen.fast++;
        else if (!ok) seen.refused++;
      }),
      runs,
    );
    // Not vacuous: both answers occur.
    expect(seen.fast).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('leaves escaped strings to the strict path, which accepts them', () => {
    const { headers } = signedRequest({ body: BODY, tag: 'say "hi" \\o/' });
    const pair: Pair = [headers['signature-input'] as string, headers.signature as string];
    expect(pair[0]).toContain(';tag="say \\"hi\\" \\\\o/"');
    expect(expectAgreement(pair)).toEqual({ fast: false, ok: true });
  });

  it('agrees on edited pairs (whitespace, separators, quotes, repeats, joined lines)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(validShape, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (shape, edits, onInput, onBoth) => {
        let [input, signature] = serialize(shape);
        for (const e of edits) {
          if (onInput || onBoth) input = apply(input, e);
          if (!onInput || onBoth) signature = apply(signature, e);
        }
        if (expectAgreement([input, signature]).ok) accepted++;
      }),
      { numRuns: 5_000 },
    );
    expect(accepted).toBeGreaterThan(0); // some edits land in another accepted form (e.g. a trailing space)
  });

  it('agrees on look-alike spellings of numbers and byte sequences', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const numberSpelling = fc.constantFrom((n: string) => `0${n}`, (n: string) => `00${n}`, (n: string) => `${n}.0`, (n: string) => `${n}.`, (n: string) => `-${n}`, (n: string) => `+${n}`, (n: string) => ` ${n}`);
    const bytesSpelling = fc.oneof(
      // Unused low bits of the last base64 character set: atob decodes the same bytes, btoa writes otherwise.
      fc.integer({ min: 1, max: 15 }).map((bits) => (b64: string) => {
        const padding = b64.endsWith('==') ? 2 : 1;
        const last = b64.length - padding - 1;
        const unused = padding === 2 ? 15 : 3;
        if ((bits & unused) === 0) return b64;
        return b64.slice(0, last) + alphabet[alphabet.indexOf(b64[last]) | (bits & unused)] + b64.slice(last + 1);
      }),
      fc.constant((b64: string) => b64.replace(/=+$/, '')),
      fc.constant((b64: string) => `${b64}=`),
      fc.constant((b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_')),
    );
    fc.assert(
      fc.property(validShape, fc.constantFrom('created', 'expires'), numberSpelling, bytesSpelling, fc.boolean(), (shape, name, spell, spellBytes, onNumber) => {
        let [input, signature] = serialize(shape);
        if (onNumber) input = input.replace(new RegExp(`;${name}=([0-9]+)`), (_, n: string) => `;${name}=${spell(n)}`);
        else signature = signature.replace(/:([^:]*):$/, (_, b64: string) => `:${spellBytes(b64)}:`);
        expectAgreement([input, signature]);
      }),
      runs,
    );
  });

  it('agrees on junk built from fragments of the syntax', () => {
    const fragment = fc.constantFrom(
      'sig1=', '(', ')', '"@method"', '"content-digest"', ' ', ';created=1700000000', ';created=01', ';created=1.0',
      ';expires=1700000001', ';nonce="0123456789abcdef"', ';keyid="ed-key-1"', ';keyid="bad key"', ';alg="ed25519"', ';tag',
      `:${Buffer.alloc(64).toString('base64')}:`, `:${Buffer.alloc(32).toString('base64')}:`, ':AAAA:', ',', '\t', '"', '\\',
    );
    const field = fc.array(fragment, { maxLength: 16 }).map((parts) => parts.join(''));
    fc.assert(fc.property(field, field, (input, signature) => void expectAgreement([input, signature])), runs);
  });

  it('takes the fast path for what signRequest writes, with every optional part', () => {
    for (const fixture of [
      {},
      { key: 'hmac' as const },
      { query: 'a=1&b=2', expires: 1_700_000_010, tag: 'app-1' },
      { headers: { 'idempotency-key': 'k-1' }, components: ['@method', '@authority', '@path', 'content-digest', 'idempotency-key'] },
    ]) {
      const { headers } = signedRequest({ body: BODY, ...fixture });
      const pair: Pair = [headers['signature-input'] as string, headers.signature as string];
      expect(expectAgreement(pair)).toEqual({ fast: true, ok: true });
    }
  });

  it('leaves the RFC 9421 vectors (outside the profile: no nonce) to the strict path, which refuses them', () => {
    for (const vector of loadVectors().cases) {
      expect(expectAgreement([vector.signatureInput, vector.signature])).toEqual({ fast: false, ok: false });
    }
  });

  it('is never reached for fields over the size guard', () => {
    const { headers } = signedRequest({ body: BODY });
    const input = `${headers['signature-input'] as string};tag="${'x'.repeat(MAX_SIGNATURE_HEADER_BYTES)}"`;
    expect(parseSignatureFields(input, headers.signature as string)).toEqual({ ok: false, reason: 'MALFORMED_SIGNATURE', detail: 'Signature or Signature-Input is over 4096 bytes' });
  });
});
