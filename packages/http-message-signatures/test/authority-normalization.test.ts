/**
 * RFC 9421 §2.2.3: `@authority` is the host in lowercase without the scheme's default port. A
 * client signs `api.example.com` for `https://api.example.com:443/` and `localhost` for
 * `http://localhost:80/`; the verifier must match such names whatever port its configuration or
 * the Host header spells out. An absolute-form target's authority replaces Host (RFC 9112 §3.2.2).
 */
import { normalizeAuthority } from '../src';
import { setup, signedRequest } from './helpers';

describe('normalizeAuthority', () => {
  it.each([
    ['api.example.com:443', 'https', 'api.example.com'],
    ['API.Example.com:443', 'https', 'api.example.com'],
    ['api.example.com:80', 'https', 'api.example.com:80'],
    ['localhost:80', 'http', 'localhost'],
    ['localhost:443', 'http', 'localhost:443'],
    ['127.0.0.1:4000', 'http', '127.0.0.1:4000'],
    ['[::1]:80', 'http', '[::1]'],
    ['[::1]:8080', 'http', '[::1]:8080'],
    ['[::1]', 'http', '[::1]'],
    ['localhost:', 'http', 'localhost'],
    ['localhost', 'http', 'localhost'],
  ] as const)('%s over %s is %s', (authority, scheme, normalized) => {
    expect(normalizeAuthority(authority, scheme)).toBe(normalized);
  });
});

describe('the authority a signature is checked against', () => {
  it('a configured name with the default port matches a signature without it, whatever port Host spells', async () => {
    const { verify } = setup({ authority: 'API.signet.test:443', scheme: 'https' });
    for (const host of ['api.signet.test', 'api.signet.test:443']) {
      await expect(verify(signedRequest({ authority: 'api.signet.test', edit: { host } }))).resolves.toMatchObject({ status: 'verified' });
    }
  });

  it('a Host with the default port names the configured name without it', async () => {
    const { verify } = setup({ authority: 'api.signet.test', authorities: ['localhost'], scheme: 'http' });
    await expect(verify(signedRequest({ authority: 'localhost', edit: { host: 'localhost:80' } }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('a port that is not the default stays part of the name', async () => {
    const { verify } = setup({ authority: 'api.signet.test', authorities: ['localhost'], scheme: 'https' });
    // localhost:80 over https is not localhost: the canonical name is used, and the signature is for another.
    await expect(verify(signedRequest({ authority: 'localhost', edit: { host: 'localhost:80' } }))).resolves.toMatchObject({ status: 'rejected', reason: 'SIGNATURE_INVALID' });
  });

  it('the authority of an absolute-form target replaces Host', async () => {
    const { verify } = setup({ authority: 'api.signet.test', authorities: ['localhost:4000'], scheme: 'http' });
    const forLocalhost = signedRequest({ authority: 'localhost:4000', edit: { host: 'api.signet.test' } });
    await expect(verify({ ...forLocalhost, authority: 'LOCALHOST:4000' })).resolves.toMatchObject({ status: 'verified' });
    // Host is one of the names, but the target names another server: the canonical name is used.
    const byHost = signedRequest({ authority: 'localhost:4000', edit: { host: 'localhost:4000' } });
    await expect(verify({ ...byHost, authority: 'evil.example' })).resolves.toMatchObject({ status: 'rejected', reason: 'SIGNATURE_INVALID' });
  });
});

describe('the package\'s signer and verifier agree', () => {
  it('an authority given with the scheme\'s default port is signed without it', async () => {
    const { verify } = setup({ authority: 'api.signet.test', scheme: 'https' });
    for (const host of ['api.signet.test', 'api.signet.test:443']) {
      await expect(verify(signedRequest({ authority: 'API.signet.test:443', edit: { host } }))).resolves.toMatchObject({ status: 'verified' });
    }
    const overHttp = setup({ authority: 'localhost', scheme: 'http' });
    await expect(overHttp.verify(signedRequest({ authority: 'localhost:80', scheme: 'http', edit: { host: 'localhost:80' } }))).resolves.toMatchObject({ status: 'verified' });
  });

  it('an http server\'s @scheme and @target-uri are signed with the scheme given', async () => {
    const { verify } = setup({ authority: '127.0.0.1:4000', scheme: 'http' });
    const components = ['@method', '@authority', '@path', '@query', 'content-digest', '@scheme', '@target-uri'];
    const signed = signedRequest({ authority: '127.0.0.1:4000', scheme: 'http', components, query: 'tenant=1', edit: { host: '127.0.0.1:4000' } });
    await expect(verify(signed)).resolves.toMatchObject({ status: 'verified' });
  });
});
