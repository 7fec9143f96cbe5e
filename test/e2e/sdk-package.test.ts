/**
 * @signet/sdk as a client team gets it: `npm pack` of the SDK and of what it depends on, an
 * offline `npm install` of the tarballs into a project outside the repository, a TypeScript
 * client type-checked against the installed types (skipLibCheck off; a deliberate type error in
 * a second file must be caught) and, compiled, making signed calls to a running Signet server.
 */
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainServices } from '../../src/domain';
import { cachedNpmPack } from '../helpers/pack-cache';
import { packAndInstall, tsc, type PackedTarball } from '../helpers/packed-packages';
import { openEmbeddedSignet, type EmbeddedSignet } from '../helpers/signet-server';

const run = promisify(execFile);

/** A Node client project's settings: strict, Node's own module rules, every declaration file checked. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: ['node'],
    // exactOptionalPropertyTypes too: a client passing a maybe-undefined option (its own optional argument) must compile (CLI review: TS2379).
    strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, outDir: 'dist', rootDir: '.',
  },
  files: ['client.ts'],
};

/** Signs `me`, then places one order twice under one idempotency key; prints what it saw as JSON. */
const CLIENT = `import { createSignetClient, MeDocument, PlaceOrderDocument, type SignetResult, type PlaceOrderMutation } from '@signet/sdk';

async function main(): Promise<void> {
  const [url, keyId, privateKey] = process.argv.slice(2);
  // Maybe undefined, as an optional argument of the client's own function would be.
  const idempotencyKey: string | undefined = process.argv[5];
  const signal: AbortSignal | undefined = undefined;
  const signet = createSignetClient({ url, keyId, privateKey, authority: undefined as string | undefined });
  const me = await signet.request(MeDocument, {});
  const accountId: string | undefined = me.data?.me?.id;
  const input = { market: 'BTC-USD', side: 'BUY' as const, price: '30000', quantity: '0.01' };
  const place = (): Promise<SignetResult<PlaceOrderMutation>> => signet.request(PlaceOrderDocument, { input }, { idempotencyKey, signal });
  const summary = (result: SignetResult<PlaceOrderMutation>) => ({
    status: result.status, orderId: result.data?.placeOrder?.order?.id, orderStatus: result.data?.placeOrder?.order?.status,
    userErrors: result.userErrors, errors: result.errors, replayed: result.replayed, idempotencyKey: result.idempotencyKey,
  });
  const first = summary(await place());
  const again = summary(await place());
  console.log(JSON.stringify({ me: { status: me.status, accountId, errors: me.errors }, first, again }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** Two mistakes the SDK's types must catch: a variable outside its enum, and a field the document does not select. */
const WRONG_TYPES = `import { createSignetClient, PlaceOrderDocument } from '@signet/sdk';

export async function wrong(): Promise<void> {
  const signet = createSignetClient({ url: 'http://127.0.0.1:4000' });
  const placed = await signet.request(PlaceOrderDocument, { input: { market: 'BTC-USD', side: 'HOLD', price: '1', quantity: '1' } });
  console.log(placed.data?.placeOrder?.order?.notSelected);
}
`;

/** Paths of a tarball that may ship: the manifest, the README and the build. */
const SHIPPED = /^(package\.json|README\.md|dist\/.+)$/;

describe('@signet/sdk packed and installed outside the repository', () => {
  let work: string;
  let project: string;
  let tarballs: PackedTarball[];
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  /** The client project's compilation (it emits dist/client.js). */
  let compiled: { code: number; output: string };

  beforeAll(async () => {
    // The server the compiled client calls starts (in this process) while the packages are packed,
    // installed and compiled (child processes): nothing of one is used by the other.
    let openFailed: { error: unknown } | undefined;
    const opening = openEmbeddedSignet({ USD: '1000' }, 'sdk-package').then((opened) => {
      fixture = opened;
      services = opened.services;
    }, (error: unknown) => {
      openFailed = { error };
    });
    try {
      // @types/node is the client project's own choice, packed like the rest so nothing is downloaded.
      // Each tarball is what `npm pack` wrote for these very files (kept by pack-cache.ts, whose key is
      // every file under packages/, the lockfile and the tools' versions; test/e2e/package-tarballs packs
      // every package through the same cache): packed now if this state was never packed.
      ({ work, tarballs, project } = await packAndInstall('@signet/sdk', 'sdk-client', ['@types/node'], cachedNpmPack));
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      writeFileSync(join(project, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['wrong-types.ts'] }));
      writeFileSync(join(project, 'client.ts'), CLIENT);
      writeFileSync(join(project, 'wrong-types.ts'), WRONG_TYPES);
      compiled = await tsc(project);
    } finally {
      await opening;
    }
    if (openFailed) throw openFailed.error;
  }, 300_000);

  afterAll(async () => {
    await fixture?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarballs ship only the build, the README and package.json, and depend only on what was packed', () => {
    const ours = tarballs.filter((t) => t.name.startsWith('@signet/'));
    expect(ours.map((t) => t.name).sort()).toEqual(['@signet/http-message-signatures', '@signet/sdk']);
    for (const tarball of ours) {
      expect({ name: tarball.name, unexpected: tarball.files.filter((f) => !SHIPPED.test(f)) }).toEqual({ name: tarball.name, unexpected: [] });
    }
    const sdk = tarballs.find((t) => t.name === '@signet/sdk')!;
    expect(sdk.files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/generated/graphql.d.ts']));
    // Only JavaScript and declarations: no sources, tests, source maps or build info.
    expect(sdk.files.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts)$/.test(f))).toEqual([]);
    const names = new Set(tarballs.map((t) => t.name));
    for (const tarball of tarballs) {
      for (const [dependency, range] of Object.entries(tarball.manifest.dependencies ?? {})) {
        expect({ from: tarball.name, dependency, range, packed: names.has(dependency) }).toEqual({ from: tarball.name, dependency, range: expect.not.stringMatching(/^(file|link|workspace):/), packed: true });
      }
    }
    expect(readdirSync(join(project, 'node_modules', '@signet', 'sdk')).sort()).toEqual(['README.md', 'dist', 'package.json']);
  });

  test('a client type-checks against the installed package with skipLibCheck off, and a type error is caught', async () => {
    expect(compiled).toEqual({ code: 0, output: '' });
    const wrong = await tsc(project, 'tsconfig.wrong.json');
    expect(wrong.code).not.toBe(0);
    const errors = wrong.output.trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(/^wrong-types\.ts\(5,\d+\): error TS2322: Type '"HOLD"' is not assignable to type 'OrderSide'/),
      expect.stringMatching(/^wrong-types\.ts\(6,\d+\): error TS2339: Property 'notSelected' does not exist/),
    ]);
  }, 240_000);

  test('the compiled client makes signed calls: me, and a keyed placeOrder that replays under its key', async () => {
    const created = await services.apiKeys.createApiKey(fixture.accountId, { label: 'sdk-package', scopes: ['READ', 'TRADE'], algorithm: 'ed25519' });
    if (!created.ok) throw new Error('key creation failed');
    const idempotencyKey = `sdk-package-${Date.now()}`;
    const { stdout } = await run(
      process.execPath,
      [join(project, 'dist', 'client.js'), fixture.server.url, created.value.apiKey.id, created.value.privateKey as string, idempotencyKey],
      { cwd: project, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
    );
    const seen = JSON.parse(stdout);
    expect(seen.me).toEqual({ status: 200, accountId: fixture.accountId, errors: [] });
    expect(seen.first).toEqual({ status: 200, orderId: expect.any(String), orderStatus: 'OPEN', userErrors: [], errors: [], replayed: false, idempotencyKey });
    expect(seen.again).toEqual({ ...seen.first, replayed: true });
    const orders = await services.orders.listOrders(fixture.accountId, { limit: 100 });
    expect(orders.items.map((o) => o.id)).toEqual([seen.first.orderId]);
  }, 60_000);
});
