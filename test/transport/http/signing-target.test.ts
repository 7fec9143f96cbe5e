import { signingTargetFor } from '../../../src/transport/http/signing-target';

describe('the names a server accepts as @authority', () => {
  test('without a public URL: plain http, the address listened on, then localhost and 127.0.0.1 at its port, then the configured ones', () => {
    expect(signingTargetFor(null, ['signet.lan:4000'], { address: '10.0.0.5', family: 'IPv4', port: 4000 })).toEqual({
      scheme: 'http', authorities: ['10.0.0.5:4000', 'localhost:4000', '127.0.0.1:4000', 'signet.lan:4000'],
    });
  });

  test('a loopback listener is not listed twice; an IPv6 one is bracketed', () => {
    expect(signingTargetFor(null, [], { address: '127.0.0.1', family: 'IPv4', port: 4000 }).authorities).toEqual(['127.0.0.1:4000', 'localhost:4000']);
    expect(signingTargetFor(null, [], { address: '::1', family: 'IPv6', port: 4000 }).authorities).toEqual(['[::1]:4000', 'localhost:4000', '127.0.0.1:4000']);
  });

  test('a wildcard listen address is not a name', () => {
    expect(signingTargetFor(null, [], { address: '0.0.0.0', family: 'IPv4', port: 4000 }).authorities).toEqual(['localhost:4000', '127.0.0.1:4000']);
    expect(signingTargetFor(null, [], { address: '::', family: 'IPv6', port: 4000 }).authorities).toEqual(['localhost:4000', '127.0.0.1:4000']);
  });

  test('with a public URL: its scheme, its authority first, then the configured ones; no loopback names', () => {
    expect(signingTargetFor({ scheme: 'https', authority: 'api.example.com' }, ['API.example.net'], { address: '0.0.0.0', family: 'IPv4', port: 4000 })).toEqual({
      scheme: 'https', authorities: ['api.example.com', 'api.example.net'],
    });
  });

  test('a default port is never part of a name (RFC 9421 §2.2.3): a server on port 80 over http is 127.0.0.1 and localhost', () => {
    expect(signingTargetFor(null, ['signet.lan:80', 'signet.lan:443'], { address: '127.0.0.1', family: 'IPv4', port: 80 })).toEqual({
      scheme: 'http', authorities: ['127.0.0.1', 'localhost', 'signet.lan', 'signet.lan:443'],
    });
    expect(signingTargetFor({ scheme: 'https', authority: 'api.example.com' }, ['api.example.net:443', 'api.example.net:80'], { address: '0.0.0.0', family: 'IPv4', port: 443 }).authorities)
      .toEqual(['api.example.com', 'api.example.net', 'api.example.net:80']);
  });
});
