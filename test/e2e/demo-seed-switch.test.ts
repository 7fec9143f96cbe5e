import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/main';
import { spawnSignet } from '../helpers/processes';

/** Runs `signet …` in-process with `env`; resolves to its exit code and what it wrote to stderr. */
async function runSignet(argv: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['node', 'signet', ...argv], env), stderr: err.join('') };
  } finally {
    write.mockRestore();
    out.mockRestore();
  }
}

describe('demo seeding is asked for, never in production', () => {
  const dirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-seed-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('NODE_ENV=production on an empty data directory seeds nothing, prints no key, and says why', async () => {
    const dataDir = newDataDir();
    const server = await spawnSignet({ SIGNET_DATA_DIR: dataDir, NODE_ENV: 'production' });
    expect(await server.stop()).toBe(0);
    const output = server.output();
    expect(output).not.toMatch(/Demo accounts created|privateKey/);
    expect(output).toMatch(/"demoSeed":false,"reason":"NODE_ENV=production never seeds demo accounts"/);
    expect(existsSync(join(dataDir, 'demo-credentials.json'))).toBe(false);
    // And the database holds no alice: an operator command cannot find her.
    const deposit = await runSignet(['accounts', 'deposit', '--account', 'alice', '--asset', 'USD', '--amount', '1'], { SIGNET_DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    expect(deposit.code).not.toBe(0);
    expect(deposit.stderr).toMatch(/No account with id or name "alice"/);
  }, 60_000);

  test('SIGNET_DEMO_SEED=false outside production seeds nothing and says so', async () => {
    const dataDir = newDataDir();
    const server = await spawnSignet({ SIGNET_DATA_DIR: dataDir, SIGNET_DEMO_SEED: 'false' });
    try {
      expect(server.output()).toMatch(/"demoSeed":false,"reason":"SIGNET_DEMO_SEED is off"/);
      expect(server.output()).not.toMatch(/Demo accounts created/);
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dataDir, 'demo-credentials.json'))).toBe(false);
  }, 60_000);

  test('SIGNET_DEMO_SEED=true with NODE_ENV=production refuses to start (exit 2) before opening anything', () => {
    const dataDir = newDataDir();
    // A real process with a deadline: were the request honoured, it would serve until killed.
    const result = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'signet.js'), 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SIGNET_DATA_DIR: dataDir, NODE_ENV: 'production', SIGNET_DEMO_SEED: 'true' },
      encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SIGNET_DEMO_SEED=true is refused with NODE_ENV=production/);
    expect(result.stdout).not.toMatch(/privateKey/);
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(false);
  }, 30_000);
});
