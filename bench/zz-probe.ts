import { openBenchEnv } from './bench-env';
import { measureHistoryCost } from './history';
async function main() {
  const env = await openBenchEnv();
  try {
    const t = Date.now();
    const r = await measureHistoryCost(env, { historicalOrders: Number(process.argv[2]), iterations: Number(process.argv[3]), rounds: 2, log: console.log });
    console.log(JSON.stringify(r, null, 1), (Date.now() - t) / 1000, 's');
  } finally { await env.close(); }
}
main().catch((e) => { console.error(e); process.exit(1); });
