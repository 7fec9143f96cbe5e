/**
 * Requests whose signature fields break the profile: each is MALFORMED_SIGNATURE (or KEY_INVALID),
 * decided before any key lookup, crypto or nonce claim.
 */
import { MAX_SIGNATURE_HEADER_BYTES } from '../src';
import { nodeCrypto } from '../src/node';
import { ED25519, setup, signedRequest, type SignedRequestFixture } from './helpers';

// Wrap the structured-field parser in a spy (its CommonJS exports are getters jest cannot spy on)
// so the size guards can be shown to run before any parsing.
jest.mock('structured-headers', () => {
  const actual = jest.requireActual('structured-headers');
  return { ...actual, parseDictionary: jest.fn(actual.parseDictionary) };
});
const { parseDictionary } = require('structured-headers') as { parseDictionary: jest.Mock };

const MALFORMED = { status: 'rejected', reason: 'MALFORMED_SIGNATURE', detail: expect.any(String) } as const;

afterEach(() => jest.restoreAllMocks());

/** Verifies and asserts nothing beyond the parser ran: no key lookup, no crypto, no nonce claim. */
async function expectRefusedEarly(fixture: SignedRequestFixture, expected: object = MALFORMED): Promise<void> {
  const { verify, resolveKey, claimNonce } = setup();
  const verifyWithKey = jest.spyOn(nodeCrypto, 'verify');
  const dummyVerify = jest.spyOn(nodeCrypto, 'dummyVerify');
  await expect(verify(signedRequest(fixture))).resolves.toEqual(expected);
  expect(resolveKey).not.toHaveBeenCalled();
  expect(verifyWithKey).not.toHaveBeenCalled();
  expect(dummyVerify).not.toHaveBeenCalled();
  expect(claimNonce).not.toHaveBeenCalled();
}

/** The Signature-Input of a normal signed request, for hand edits. */
function validInput(fixture: SignedRequestFixture = {}): string {
  return signedRequest(fixture).headers['signature-input'] as string;
}

describe('size guards, before any parsing or crypto', () => {
  it('refuses a Signature-Input over 4 KiB without parsing it', async () => {
    const { verify } = setup();
    const req = signedRequest({ tag: 'x'.repeat(MAX_SIGNATURE_HEADER_BYTES) });
    parseDictionary.mockClear();
    await expect(verify(req)).resolves.toEqual(MALFORMED);
    expect(parseDictionary).not.toHaveBeenCalled();
    await expectRefusedEarly({ tag: 'x'.repeat(MAX_SIGNATURE_HEADER_BYTES) });
  });

  it('refuses a Signature over 4 KiB without parsing it', async () => {
    const { verify } = setup();
    const req = signedRequest({ edit: { signature: `sig1=:${Buffer.alloc(3100).toString('base64')}:` } });
    parseDictionary.mockClear();
    await expect(verify(req)).resolves.toEqual(MALFORMED);
    expect(parseDictionary).not.toHaveBeenCalled();
    await expectRefusedEarly({ edit: { signature: `sig1=:${Buffer.alloc(3100).toString('base64')}:` } });
  });

  it('refuses a Content-Digest over 4 KiB', async () => {
    const digest = `sha-256=:${Buffer.alloc(32).toString('base64')}:, x=:${Buffer.alloc(3100).toString('base64')}:`;
    const { verify, resolveKey } = setup();
    await expect(verify(signedRequest({ headers: { 'content-digest': digest } }))).resolves.toEqual(MALFORMED);
    expect(resolveKey).not.toHaveBeenCalled();
  });

  it('counts bytes, not characters', async () => {
    const { verify } = setup();
    const req = signedRequest();
    const input = `${req.headers['signature-input'] as string};tag="${'é'.repeat(2100)}"`; // 2 bytes each in UTF-8
    expect(input.length).toBeLessThan(MAX_SIGNATURE_HEADER_BYTES);
    parseDictionary.mockClear();
    await expect(verify({ ...req, headers: { ...req.headers, 'signature-input': input } })).resolves.toEqual(MALFORMED);
    expect(parseDictionary).not.toHaveBeenCalled();
  });

  it('refuses a 65-character nonce', async () => {
    await expectRefusedEarly({ nonce: 'n'.repeat(65) });
  });

  it('accepts a 64-character nonce and refuses a 15-character one', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ nonce: 'n'.repeat(64) }))).resolves.toMatchObject({ status: 'verified' });
    await expectRefusedEarly({ nonce: 'n'.repeat(15) });
  });

  it('refuses a nonce with characters outside [A-Za-z0-9._~+/=-]', async () => {
    await expectRefusedEarly({ nonce: 'nonce with spaces 0123' });
    await expectRefusedEarly({ nonce: 'nonce:with:colons:0123' });
  });
});

describe('only one signature, stated once', () => {
  it('refuses a request with only Signature-Input, or only Signature', async () => {
    await expectRefusedEarly({ edit: { signature: undefined } });
    await expectRefusedEarly({ edit: { 'signature-input': undefined } });
  });

  it('refuses two labels in Signature-Input', async () => {
    const input = validInput();
    await expectRefusedEarly({ edit: { 'signature-input': `${input}, ${input.replace('sig1=', 'sig2=')}` } });
  });

  it('refuses two labels in both fields', async () => {
    const req = signedRequest();
    const input = req.headers['signature-input'] as string;
    const sig = req.headers.signature as string;
    await expectRefusedEarly({
      edit: { 'signature-input': `${input}, ${input.replace('sig1=', 'sig2=')}`, signature: `${sig}, ${sig.replace('sig1=', 'sig2=')}` },
    });
  });

  it('refuses a repeated header given as an array', async () => {
    const req = signedRequest();
    await expectRefusedEarly({ edit: { signature: [req.headers.signature as string, req.headers.signature as string] } });
    await expectRefusedEarly({ edit: { 'signature-input': [validInput()] } });
  });

  it('refuses a repeated header line that Node joined with ", " even when the label repeats', async () => {
    const req = signedRequest();
    const sig = req.headers.signature as string;
    await expectRefusedEarly({ edit: { signature: `${sig}, ${sig}` } });
    const input = req.headers['signature-input'] as string;
    await expectRefusedEarly({ edit: { 'signature-input': `${input}, ${input}` } });
  });

  it('refuses different labels in Signature-Input and Signature', async () => {
    await expectRefusedEarly({ edit: { 'signature-input': validInput().replace('sig1=', 'sig2=') } });
  });

  it('refuses Signature-Input that is not in canonical form (repeated parameter, padded number)', async () => {
    const input = validInput();
    await expectRefusedEarly({ edit: { 'signature-input': `${input};tag="a";tag="b"` } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('created=', 'created=0') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('" "', '"  "') } });
  });
});

describe('covered components', () => {
  it.each([
    ['content-digest', ['@method', '@authority', '@path']],
    ['@method', ['@authority', '@path', 'content-digest']],
    ['@authority', ['@method', '@path', 'content-digest']],
    ['@path', ['@method', '@authority', 'content-digest']],
    ['everything (empty list)', []],
  ])('refuses a signature that does not cover %s', async (_missing, components) => {
    await expectRefusedEarly({ components });
  });

  it('refuses a request with a query when @query is not covered, even an empty one ("/graphql?")', async () => {
    await expectRefusedEarly({ query: 'a=1', components: ['@method', '@authority', '@path', 'content-digest'] });
    await expectRefusedEarly({ query: '', components: ['@method', '@authority', '@path', 'content-digest'] });
  });

  it('verifies an empty query covered as "?"', async () => {
    const { verify } = setup();
    await expect(verify(signedRequest({ query: '' }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('refuses unsupported derived components', async () => {
    const input = validInput();
    for (const name of ['@request-target', '@status', '@query-param', '@signature-params', '@unknown']) {
      await expectRefusedEarly({ edit: { 'signature-input': input.replace('"@method"', `"@method" "${name}"`) } });
    }
  });

  it('refuses component parameters (;sf ;key ;req ;bs)', async () => {
    const input = validInput();
    for (const param of [';sf', ';key="sha-256"', ';req', ';bs']) {
      await expectRefusedEarly({ edit: { 'signature-input': input.replace('"content-digest"', `"content-digest"${param}`) } });
    }
  });

  it('refuses a covered header that the request does not carry', async () => {
    await expectRefusedEarly({
      components: ['@method', '@authority', '@path', 'content-digest', 'x-absent'],
      headers: { 'x-absent': 'present when signing' },
      edit: { 'x-absent': undefined },
    });
  });

  it('refuses a component listed twice, uppercase, a token instead of a string, or the signature itself', async () => {
    const input = validInput();
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('"@path"', '"@path" "@path"') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('"content-digest"', '"Content-Digest"') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('"@path"', '"@path" content-type') } });
    for (const self of ['signature', 'signature-input']) {
      await expectRefusedEarly({ edit: { 'signature-input': input.replace('"@path"', `"@path" "${self}"`) } });
    }
  });

  it('refuses a covered header whose value would inject a line into the signature base', async () => {
    await expectRefusedEarly({
      components: ['@method', '@authority', '@path', 'content-digest', 'x-note'],
      headers: { 'x-note': 'fine' },
      edit: { 'x-note': 'a\n"@path": /other' },
    });
  });

  it('refuses a covered header named like an inherited object property', async () => {
    const input = validInput();
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('"@path"', '"@path" "constructor"') } });
  });
});

describe('signature parameters', () => {
  it('refuses a signature without a nonce', async () => {
    await expectRefusedEarly({ nonce: null });
  });

  it('refuses unknown parameters', async () => {
    await expectRefusedEarly({ edit: { 'signature-input': `${validInput()};context="x"` } });
  });

  it('refuses parameters of the wrong type', async () => {
    const input = validInput({ nonce: 'nonce-0123456789abcdef' });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace(/created=\d+/, 'created="1700000000"') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace(/created=\d+/, 'created=1700000000.5') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace(/created=\d+/, 'created=-1') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace('nonce="nonce-0123456789abcdef"', 'nonce=nonce-0123456789abcdef') } });
    await expectRefusedEarly({ edit: { 'signature-input': input.replace(`keyid="${ED25519.keyId}"`, `keyid=${ED25519.keyId}`) } });
    await expectRefusedEarly({ edit: { 'signature-input': `${input};expires="soon"` } });
  });

  it('refuses a malformed keyid as KEY_INVALID', async () => {
    await expectRefusedEarly({ keyId: 'key id with spaces' }, { status: 'rejected', reason: 'KEY_INVALID' });
    await expectRefusedEarly({ keyId: '' }, { status: 'rejected', reason: 'KEY_INVALID' });
    await expectRefusedEarly({ keyId: 'k'.repeat(129) }, { status: 'rejected', reason: 'KEY_INVALID' });
    await expectRefusedEarly({ keyId: '{tag}' }, { status: 'rejected', reason: 'KEY_INVALID' });
  });
});

describe('the Signature value', () => {
  it('refuses a signature that is not base64', async () => {
    await expectRefusedEarly({ edit: { signature: 'sig1=:not*base64!:' } });
    await expectRefusedEarly({ edit: { signature: 'sig1="a string"' } });
    await expectRefusedEarly({ edit: { signature: 'sig1=:AAAA' } });
  });

  it('refuses a signature of a length no supported algorithm produces', async () => {
    for (const length of [0, 16, 31, 33, 63, 65, 128]) {
      await expectRefusedEarly({ edit: { signature: `sig1=:${Buffer.alloc(length).toString('base64')}:` } });
    }
  });

  it('refuses a signature with parameters, or as an inner list', async () => {
    const sig = signedRequest().headers.signature as string;
    await expectRefusedEarly({ edit: { signature: `${sig};alg="ed25519"` } });
    await expectRefusedEarly({ edit: { signature: `sig1=(${sig.slice(5)})` } });
  });

  it('refuses non-canonical base64 (missing padding)', async () => {
    const sig = signedRequest().headers.signature as string;
    await expectRefusedEarly({ edit: { signature: sig.replace('==:', ':') } });
  });
});

describe('the refusal says what is malformed (a client in another language must be able to fix its signer from it)', () => {
  /** The detail of the refusal of `fixture`'s request, checked to be MALFORMED_SIGNATURE and decided before any key or crypto. */
  async function detailOf(fixture: SignedRequestFixture): Promise<string> {
    const { verify, resolveKey } = setup();
    const result = await verify(signedRequest(fixture));
    if (result.status !== 'rejected' || result.reason !== 'MALFORMED_SIGNATURE' || result.detail === undefined) throw new Error(`not a malformed refusal with a detail: ${JSON.stringify(result)}`);
    expect(resolveKey).not.toHaveBeenCalled();
    return result.detail;
  }
  const input = () => validInput({ nonce: 'nonce-0123456789abcdef' });
  const cases: ReadonlyArray<[string, () => SignedRequestFixture, RegExp]> = [
    ['spaces inside the inner list', () => ({ edit: { 'signature-input': input().replace('("', '( "') } }), /^Signature-Input is not in RFC 8941's canonical serialization \(it differs from it at character 7:/],
    ['a space after ";"', () => ({ edit: { 'signature-input': input().replace(';created', '; created') } }), /^Signature-Input is not in RFC 8941's canonical serialization/],
    ['base64 without its padding', () => ({ edit: { signature: (signedRequest().headers.signature as string).replace('==:', ':') } }), /^Signature is not in RFC 8941's canonical serialization/],
    ['an upper-case component name', () => ({ edit: { 'signature-input': input().replace('"content-digest"', '"Content-Digest"') } }), /^the signature must cover .*; it does not cover "content-digest"$/],
    ['@request-target', () => ({ edit: { 'signature-input': input().replace('"@method"', '"@method" "@request-target"') } }), /^derived component "@request-target" is not supported \(only @method, @authority, @path, @query, @target-uri, @scheme\)$/],
    ['a component parameter', () => ({ edit: { 'signature-input': input().replace('"content-digest"', '"content-digest";sf') } }), /^component parameters \(;sf, ;key, ;req, ;bs, ;name\) are not supported$/],
    ['a covered header the request lacks', () => ({ components: ['@method', '@authority', '@path', 'content-digest', 'x-absent'], headers: { 'x-absent': 'v' }, edit: { 'x-absent': undefined } }), /^covered field "x-absent" is absent from the request$/],
    ['a 15-character nonce', () => ({ nonce: 'n'.repeat(15) }), /^the nonce must be 16-64 characters of A-Za-z0-9\._~\+\/=-$/],
    ['created as a string', () => ({ edit: { 'signature-input': input().replace(/created=\d+/, 'created="1700000000"') } }), /^created must be a non-negative integer \(Unix seconds\), unquoted$/],
    ['no nonce', () => ({ edit: { 'signature-input': input().replace(/;nonce="[^"]*"/, '') } }), /^created, nonce and keyid are required$/],
    ['a Content-Digest algorithm in upper case', () => ({ edit: { 'content-digest': (signedRequest().headers['content-digest'] as string).replace('sha-256', 'SHA-256') } }), /^Content-Digest must be an RFC 8941 dictionary/],
    ['only Signature-Input', () => ({ edit: { signature: undefined } }), /^Signature and Signature-Input must both be sent, each once$/],
    ['two labels', () => ({ edit: { 'signature-input': `${input()}, sig2=${input().slice(5)}` } }), /^Signature-Input must hold exactly one signature/],
  ];
  it.each(cases)('%s', async (_name, fixture, expected) => {
    expect(await detailOf(fixture())).toMatch(expected);
  });

  it('a signature short of the required components is told both sets that work, and what it misses of the one it chose', async () => {
    const both = '"@method" "@authority" "@path" "content-digest", or "@method" "@target-uri" "content-digest"';
    expect(await detailOf({ components: ['@method', '@authority', 'content-digest'] })).toBe(`the signature must cover ${both}; it does not cover "@path"`);
    expect(await detailOf({ components: ['@method', '@target-uri'] })).toBe(`the signature must cover ${both}; it does not cover "content-digest"`);
    expect(await detailOf({ query: 'a=1', components: ['@method', '@authority', '@path', 'content-digest'] })).toBe(
      'the signature must cover "@method" "@authority" "@path" "content-digest" "@query", or "@method" "@target-uri" "content-digest"; it does not cover "@query"',
    );
  });

  it('a retry re-signed by a library that appends its signature is told how many it sent and to strip the previous attempt\'s', async () => {
    // What dhensby's http-message-signatures sends when it signs a request that already carries `sig`: `sig, sig0`.
    const first = signedRequest({ label: 'sig', nonce: 'nonce-first-attempt-0001' }).headers;
    const second = signedRequest({ label: 'sig0', nonce: 'nonce-second-attempt-001' }).headers;
    const detail = await detailOf({ edit: { 'signature-input': `${first['signature-input'] as string}, ${second['signature-input'] as string}`, signature: `${first.signature as string}, ${second.signature as string}` } });
    expect(detail).toBe("Signature-Input must hold exactly one signature (one label), sent once; it holds 2 (sig, sig0): remove the previous attempt's Signature and Signature-Input before signing again");
    // One Signature-Input, two Signatures: the same, about Signature.
    expect(await detailOf({ label: 'sig', edit: { signature: `${first.signature as string}, ${second.signature as string}` } })).toBe(
      "Signature must hold exactly one signature (one label), sent once; it holds 2 (sig, sig0): remove the previous attempt's Signature and Signature-Input before signing again",
    );
  });

  it('echoes the labels of several signatures cut to 40 characters', async () => {
    const input = signedRequest().headers['signature-input'] as string;
    const labels = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)];
    const detail = await detailOf({ edit: { 'signature-input': labels.map((label) => input.replace('sig1=', `${label}=`)).join(', ') } });
    expect(detail).toContain(`; it holds 3 (${'a'.repeat(30)}, ${'b'.repeat(8)}…): remove`);
    expect(detail).not.toContain('ccc');
  });

  it('names no more of what was sent than a covered component, cut to 40 characters', async () => {
    const long = `@${'x'.repeat(200)}`;
    const detail = await detailOf({ edit: { 'signature-input': input().replace('"@method"', `"@method" "${long}"`) } });
    expect(detail).toContain(`"@${'x'.repeat(39)}…"`);
    expect(detail).not.toContain('x'.repeat(41));
  });
});
