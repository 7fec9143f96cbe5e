// @jest-project e2e: it serves the bundle the global build writes to dist/playground.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { DomainServices } from '../../../src/domain';
import { registerPlayground } from '../../../src/transport/playground';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { startTestHttpServer, type TestHttpServer } from '../../helpers/http-server';

/** What Chromium sends when a user opens a URL. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

function directives(csp: string | null): Map<string, string> {
  return new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
}

describe('serving the playground', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let on: TestHttpServer;
  let off: TestHttpServer;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    on = await startTestHttpServer(services, { introspection: true });
    off = await startTestHttpServer(services, { introspection: false });
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await db?.close();
  });

  test('GET /playground is the page, under a CSP that allows only this origin\'s scripts and no inline script', async () => {
    const res = await fetch(`${on.url}/playground`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/playground/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('connect-src')).toBe("'self'");
    expect(csp.get('worker-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('a browser opening /graphql gets the same page; GraphQL clients and curl keep Apollo\'s answer', async () => {
    const browser = await fetch(`${on.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(browser.status).toBe(200);
    expect(await browser.text()).toContain('/playground/app.js');
    for (const accept of ['application/json', '*/*', 'application/graphql-response+json, text/html;q=0.5']) {
      const res = await fetch(`${on.url}/graphql?query=%7BserverTime%7D`, { headers: { accept } });
      // Apollo's CSRF prevention: a GET without a preflight header is refused.
      expect([accept, res.status]).toEqual([accept, 400]);
    }
    const preflighted = await fetch(`${on.url}/graphql?query=%7BserverTime%7D`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect((await preflighted.json()).data.serverTime).toEqual(expect.any(String));
  });

  test('the bundle\'s files are served with their types; nothing outside it is', async () => {
    const js = await fetch(`${on.url}/playground/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${on.url}/playground/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${on.url}/playground/graphql.worker.js`)).status).toBe(200);
    for (const path of ['/playground/%2e%2e/%2e%2e/package.json', '/playground/..%2f..%2fpackage.json', '/playground/chunks', '/playground/nope.js', '/playground/app.js%00.css']) {
      expect([path, (await fetch(`${on.url}${path}`)).status]).toEqual([path, 404]);
    }
  });

  test('with introspection off there is no playground: /playground is 404 and a browser on /graphql gets Apollo\'s answer', async () => {
    expect((await fetch(`${off.url}/playground`)).status).toBe(404);
    expect((await fetch(`${off.url}/playground/app.js`)).status).toBe(404);
    const browser = await fetch(`${off.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(browser.status).toBe(400);
    expect(browser.headers.get('content-type')).not.toMatch(/html/);
  });

  test('an unbuilt playground says how to build it instead of serving a blank page', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'signet-no-playground-'));
    const app = Fastify();
    try {
      registerPlayground(app, { dir: empty });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const res = await fetch(`${url}/playground`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
