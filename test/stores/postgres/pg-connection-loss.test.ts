import { setTimeout as sleep } from 'node:timers/promises';
import { createPgDriver, type SqlDriver } from '../../../src/stores/postgres';
import { classifyInfrastructureFailure } from '../../../src/transport/graphql/infrastructure-errors';
import { describeWithPostgres } from '../../helpers/services';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';

describeWithPostgres('the PostgreSQL driver when the connection drops', (url) => {
  let proxy: TcpProxy;
  let driver: SqlDriver;
  beforeAll(async () => {
    const direct = new URL(url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    driver = createPgDriver({ url: viaProxy.toString() });
  });
  afterAll(async () => {
    await proxy.restore();
    await driver?.close();
    await proxy?.close();
  });

  test('a connection lost between statements of a transaction rejects it with an infrastructure error, and the process lives on', async () => {
    // Without a listener on the checked-out client, pg emits an unhandled 'error' here and the process dies.
    const transaction = driver.begin(async (tx) => {
      await tx.query('SELECT 1');
      await proxy.cut();
      await sleep(100);
      await tx.query('SELECT 2');
    });
    const error = await transaction.then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(classifyInfrastructureFailure(error)).not.toBeNull();
  });

  test('while cut, queries fail fast with an infrastructure error; restored, the same driver works again', async () => {
    const down = await driver.query('SELECT 1').then(() => null, (e: unknown) => e);
    expect(classifyInfrastructureFailure(down)).toMatchObject({ reason: 'ECONNREFUSED' });
    await proxy.restore();
    await expect(driver.begin((tx) => tx.query<{ n: number }>('SELECT 1 AS n'))).resolves.toEqual([{ n: 1 }]);
    await expect(driver.ping()).resolves.toBeUndefined();
  });
});
