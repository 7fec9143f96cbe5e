/**
 * @jest-project e2e: reads the playground bundle the global build writes into dist/playground.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { DomainServices } from '../../../src/domain';
import { DEFAULT_PLAYGROUND_DIR } from '../../../src/transport/playground';
import { REQUEST_LIMITS } from '../../../src/transport/http/request-limits';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';

/** Every file of the built bundle but the page itself and the build's own dot-files (its manifest), as /playground/* paths. */
function bundleFiles(): string[] {
  const root = realpathSync(DEFAULT_PLAYGROUND_DIR);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else files.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
    }
  };
  walk(root);
  return files.filter((name) => name !== 'index.html');
}

/** `r` of the Request.ip item of a RateLimit header. */
const remaining = (header: string | null) => Number(/"Request\.ip";r=(\d+)/.exec(header ?? '')?.[1]);

describe('the playground within the per-IP limit', () => {
  let db: TestDatabase;
  let services: DomainServices;
  let server: RunningSignet;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    services = servicesFor(db.driver);
    server = await startSignet(services, memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('one page load, even one fetching every file of the bundle, spends under a tenth of the default per-IP budget', async () => {
    const files = bundleFiles();
    const page = await fetch(`${server.url}/playground`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const answers = [page];
    for (const name of files) answers.push(await fetch(`${server.url}/playground/${name}`));
    // GraphiQL's schema fetch.
    answers.push(await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    // Each request spent one, the static files included.
    const max = REQUEST_LIMITS.perIp.max;
    expect(answers.map((a) => remaining(a.headers.get('ratelimit')))).toEqual(answers.map((_, i) => max - 1 - i));
    expect(answers.length).toBeLessThan(max / 10);
  });
});
