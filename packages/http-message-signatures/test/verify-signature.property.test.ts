/**
 * Property: whatever arrives in Signature, Signature-Input and Content-Digest, the verifier
 * answers (it never throws) and never answers "verified" unless the request was really signed.
 */
import fc from 'fast-check';
import { setup, signedRequest } from './helpers';

// Fragments of the real syntax, so the fuzzer gets past the first parser checks often.
const fragment = fc.constantFrom(
  'sig1=', 'sig2=', '(', ')', '"@method"', '"@authority"', '"@path"', '"@query"', '"content-digest"', '"@request-target"',
  ';created=1700000000', ';created=-1', ';expires=1700000001', ';nonce="0123456789abcdef"', ';keyid="ed-key-1"',
  ';keyid="hmac-key-1"', ';alg="ed25519"', ';alg="hmac-sha256"', ';tag="x"', ';sf', ';req', ':', '=', ',', ' ', '\t',
  `:${Buffer.alloc(64).toString('base64')}:`, `:${Buffer.alloc(32).toString('base64')}:`, ':AAAA:', 'sha-256=', 'sha-512=',
  'md5=', '%"', '"', '\\', '?1', '1.5', '*', '\u00e9', '\n', '\r', '\u0000',
);
const junk = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join('')),
);
const field = fc.option(fc.oneof(junk, fc.array(junk, { maxLength: 3 })), { nil: undefined });

describe('signature verification under random header junk', () => {
  it('never throws and never verifies', async () => {
    const { verify, clock } = setup({ nonces: { claim: async () => ({ status: 'claimed' as const }) } });
    const template = signedRequest();
    await fc.assert(
      fc.asyncProperty(field, field, field, async (signature, input, digest) => {
        clock.now = 1_700_000_000_000;
        const headers = { ...template.headers, signature, 'signature-input': input, 'content-digest': digest };
        const result = await verify({ ...template, headers });
        expect(['absent', 'rejected']).toContain(result.status);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never verifies a signed request after any one character of its signature fields changes', async () => {
    const { verify } = setup({ nonces: { claim: async () => ({ status: 'claimed' as const }) } });
    const template = signedRequest();
    const names = ['signature', 'signature-input', 'content-digest'] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }).filter((c) => c !== ' ' && c !== '\t'),
        async (name, position, replacement) => {
          const original = template.headers[name] as string;
          const at = position % original.length;
          fc.pre(original[at] !== replacement);
          const mutated = original.slice(0, at) + replacement + original.slice(at + 1);
          const result = await verify({ ...template, headers: { ...template.headers, [name]: mutated } });
          expect(result.status).toBe('rejected');
        },
      ),
      { numRuns: 2_000 },
    );
    // The unmutated template does verify, so the property above is not vacuous.
    await expect(verify(template)).resolves.toMatchObject({ status: 'verified' });
  });
});
