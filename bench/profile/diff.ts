/**
 * Frame-by-frame difference of two V8 `.cpuprofile`s of bench/profile/in-process.ts (e.g. scenario 3
 * against 3b, each run alone with INPROC_ONLY): self and total (inclusive) ms per request of every
 * function, the second profile's subtracted from the first's, largest differences first.
 *
 *   node dist-bench/bench/profile/diff.js <a.cpuprofile> <requests a> <b.cpuprofile> <requests b> [--min=0.01] [--top=40]
 *
 * Samples taken while the bench builds (and signs) its requests (a stack through bench/requests.js)
 * are left out: that is the client's work, not the server's. Samples before the first request
 * (no frame of create-http-server yet) are left out too.
 */
import { readFileSync } from 'node:fs';
import { aggregate, type CpuProfile } from './summarize';

/** Self and total µs per function name, client-side and start-up samples left out. */
export function timesByFunction(profile: CpuProfile): { self: Map<string, number>; total: Map<string, number>; busy: number } {
  const { self, total, busy } = aggregate(profile, {
    from: 'create-http-server',
    skip: (frames) => frames.some((frame) => frame.includes('bench/requests.js')),
  });
  return { self, total, busy };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
  const [fa, ra, fb, rb] = args.filter((a) => !a.startsWith('--'));
  if (!fb) throw new Error('usage: diff <a.cpuprofile> <requests a> <b.cpuprofile> <requests b> [--min=0.01] [--top=40]');
  const a = timesByFunction(JSON.parse(readFileSync(fa, 'utf8')) as CpuProfile);
  const b = timesByFunction(JSON.parse(readFileSync(fb, 'utf8')) as CpuProfile);
  const perA = (us = 0) => us / 1000 / Number(ra);
  const perB = (us = 0) => us / 1000 / Number(rb);
  const min = opt('min', 0.01);
  const top = opt('top', 40);
  const out = [`busy: a ${perA(a.busy).toFixed(3)} ms/req, b ${perB(b.busy).toFixed(3)} ms/req, a − b ${(perA(a.busy) - perB(b.busy)).toFixed(3)}`, ''];
  for (const kind of ['self', 'total'] as const) {
    const names = new Set([...a[kind].keys(), ...b[kind].keys()]);
    const rows = [...names].map((n) => ({ n, da: perA(a[kind].get(n)), db: perB(b[kind].get(n)) })).map((r) => ({ ...r, d: r.da - r.db }))
      .filter((r) => r.d >= min).sort((x, y) => y.d - x.d).slice(0, top);
    out.push(`${kind} ms/request, a − b ≥ ${min} (a, b, a − b):`);
    for (const r of rows) out.push(`  ${r.da.toFixed(4)}  ${r.db.toFixed(4)}  ${r.d >= 0 ? '+' : ''}${r.d.toFixed(4)}  ${r.n}`);
    out.push('');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
