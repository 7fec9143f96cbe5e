import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/eventually';
import { spawnSignet, type SignetProcess } from '../helpers/processes';

describe('signet serve in production with SIGNET_METRICS_LISTEN', () => {
  let dataDir: string;
  let server: SignetProcess;
  let operations: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-metrics-'));
    server = await spawnSignet({ NODE_ENV: 'production', SIGNET_DATA_DIR: dataDir, SIGNET_METRICS_LISTEN: '127.0.0.1:0' });
    // Logged right after "Signet listening", which is what spawnSignet waits for.
    operations = await eventually(async () => {
      const match = /metrics listener: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(server.output());
      if (!match) throw new Error('no metrics listener logged yet');
      return match[1];
    }, 5_000);
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the public port hides /metrics; the operator listener serves it', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    const res = await fetch(`${operations}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('process_resident_memory_bytes');
  });

  test('SIGTERM closes both listeners and exits 0', async () => {
    expect(await server.stop()).toBe(0);
    await expect(fetch(`${operations}/metrics`)).rejects.toThrow();
  });
});
