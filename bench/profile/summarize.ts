/**
 * Text flame summary of a V8 `.cpuprofile` (from `node --cpu-prof`; profile.ts makes them):
 * the top functions by self time and by total (inclusive) time, and the heaviest call paths of
 * the app's and packages' frames. With `requests`, figures are also given in ms per request.
 *
 *   node dist-bench/bench/profile/summarize.js <file.cpuprofile> [requests] [--top=25] [--from=frame-text] [--filter=text]
 *
 * `--from` drops every sample before the first one whose stack has a frame containing the text
 * (e.g. `create-http-server`: the first request), so start-up does not count. `--filter` keeps in
 * the path listing only stacks through a frame containing the text.
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
/** The parts of a V8 CPU profile read here. */
export interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** What to show. */
export interface SummaryOptions { readonly top?: number; readonly requests?: number; readonly from?: string; readonly filter?: string }

function frameName(frame: CallFrame): string {
  const path = frame.url.replace(/^file:\/\//, '');
  const url = path.includes('node_modules/')
    ? path.replace(/^.*node_modules\//, 'nm:')
    : path.includes('/packages/')
      ? path.replace(/^.*\/packages\/([^/]+)\/dist\//, 'packages/$1:')
      : path.replace(/^.*\/(dist|dist-bench)\//, '$1:');
  return `${frame.functionName || '(anonymous)'} ${url ? `${url}:${frame.lineNumber + 1}` : ''}`.trim();
}

const IDLE = new Set(['(idle)', '(program)']);
const isApp = (frame: string) => /^\S+ (dist:|dist-bench:|packages\/)/.test(frame);

/** The self time of every function, by name (`function file:line`), in µs, with the samples before `from` left out. */
export function selfTimes(profile: CpuProfile, from?: string): Map<string, number> {
  return aggregate(profile, { from }).self;
}

/** Which samples count: none before the first whose stack has a frame containing `from`; none that `skip` names. */
export interface SampleSelection { readonly from?: string; readonly skip?: (frames: readonly string[]) => boolean }

/** Self and total (inclusive) µs per function name, µs per app call path, and the busy µs of the selected samples. */
export function aggregate(profile: CpuProfile, selection: SampleSelection = {}) {
  const { from, skip } = selection;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = new Map<number, string[]>();
  const stack = (id: number): string[] => {
    let frames = stackOf.get(id);
    if (!frames) {
      frames = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) frames.push(frameName(byId.get(cur)!.callFrame));
      stackOf.set(id, frames);
    }
    return frames;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const paths = new Map<string, number>();
  let started = from === undefined;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frames = stack(id);
    if (!started) started = frames.some((f) => f.includes(from!));
    if (!started) return;
    const us = profile.timeDeltas[i] ?? 0;
    const leaf = frames[0];
    if (IDLE.has(leaf) || skip?.(frames)) return;
    busy += us;
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + us);
    const app = frames.slice().reverse().filter((f) => isApp(f));
    const key = [...app.slice(-7), ...(isApp(leaf) ? [] : [leaf])].join(' > ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  });
  return { self, total, paths, busy };
}

/** The summary as text. */
export function summarize(profile: CpuProfile, options: SummaryOptions = {}): string {
  const top = options.top ?? 25;
  const { self, total, paths, busy } = aggregate(profile, { from: options.from });
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const per = (us: number) => (options.requests ? `${(us / 1000 / options.requests).toFixed(4)} ms/req` : `${(us / 1000).toFixed(0).padStart(6)} ms`);
  const lines = [`busy ${(busy / 1e6).toFixed(2)} s${options.requests ? ` = ${(busy / 1000 / options.requests).toFixed(3)} ms/request over ${options.requests} requests` : ''}` +
    `${options.from ? ` (from the first sample through "${options.from}")` : ''}`, '', `top ${top} by self time:`];
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  for (const [name, us] of sorted(self).slice(0, top)) lines.push(`${pct(us)} ${per(us)}  ${name}`);
  lines.push('', `top ${top} by total time (app and package frames):`);
  for (const [name, us] of sorted(total).filter(([k]) => isApp(k)).slice(0, top)) lines.push(`${pct(us)} ${per(us)}  ${name}`);
  lines.push('', `hot paths${options.filter ? ` through "${options.filter}"` : ''} (app and package frames, root first, then the leaf if outside them):`);
  const shown = sorted(paths).filter(([k]) => !options.filter || k.includes(options.filter));
  for (const [path, us] of shown.slice(0, top)) lines.push(`${pct(us)} ${per(us)}  ${path || '(no app frame)'}`);
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const [file, requests] = args.filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: summarize <file.cpuprofile> [requests] [--top=25] [--from=text] [--filter=text]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`${summarize(profile, { top: Number(opt('top') ?? 25), requests: requests ? Number(requests) : undefined, from: opt('from'), filter: opt('filter') })}\n`);
}
