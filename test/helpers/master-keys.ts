import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { parseConfig } from '../../src/config';
import { openRuntime, type Runtime } from '../../src/runtime';
import { silentLogger } from './logger';

/** Runs `work` on a runtime opened with `env` (the environment `signet` reads), and closes it. */
export async function withRuntimeOf<T>(env: Record<string, string>, work: (runtime: Runtime) => Promise<T>, logger: Logger = silentLogger): Promise<T> {
  const runtime = await openRuntime(parseConfig(env), logger);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** A new account with an HMAC key (a sealed secret); returns the key's id. */
export async function createHmacKey(runtime: Runtime): Promise<string> {
  const account = await runtime.services.accounts.createAccount(`acct-${randomBytes(3).toString('hex')}`);
  if (!account.ok) throw new Error(account.errors[0].message);
  const created = await runtime.services.apiKeys.createApiKey(account.value.id, { label: 'bot', scopes: ['READ'], algorithm: 'hmac-sha256' });
  if (!created.ok) throw new Error(created.errors[0].message);
  return created.value.apiKey.id;
}
