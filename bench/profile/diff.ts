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
import type { CpuProfile } from './summarize';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface Node { id: number; callFrame: CallFrame; children?: number[] }

const IDLE = new Set(['(idle)', '(program)']);

function frameName(frame: CallFrame): string {
  const path = frame.url.replace(/^file:\/\//, '');
  const url = path.includes('node_modules/')
    ? path.replace(/^.*node_modules\//, 'nm:')
    : path.includes('/packages/')
      ? path.replace(/^.*\/packages\/([^/]+)\/dist\//, 'packages/$1:')
      : path.replace(/^.*\/(dist|dist-bench)\//, '$1:');
  return `${frame.functionName || '(anonymous)'} ${url ? `${url}:${frame.lineNumber + 1}` : ''}`.trim();
}

/** Self and total µs per function name, client-side and start-up samples left out. */
export function timesByFunction(profile: CpuProfile): { self: Map<string, number>; total: Map<string, number>; busy: number } {
  const nodes = (profile as unknown as { nodes: Node[] }).nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, string[]>();
  const stack = (id: number) => {
    let s = stacks.get(id);
    if (!s) {
      s = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) s.push(frameName(byId.get(cur)!.callFrame));
      stacks.set(id, s);
    }
    return s;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let started = false;
  profile.samples.forEach((id, i) => {
    const frames = stack(id);
    if (!started) started = frames.some((f) => f.includes('create-http-server'));
    if (!started || IDLE.has(frames[0]) || frames.some((f) => f.includes('bench/requests.js'))) return;
    const us = profile.timeDeltas[i] ?? 0;
    busy += us;
    self.set(frames[0], (self.get(frames[0]) ?? 0) + us);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + us);
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
