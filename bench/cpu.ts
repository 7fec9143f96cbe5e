/**
 * Where the machine's CPU went during a measured period, from /proc (Linux; elsewhere every figure
 * is NaN and the report says so). On a small machine the load generator, PostgreSQL and Redis
 * compete with the server for the same cores: these shares say whether a scenario was limited by
 * the server or by the machine, which is what decides whether a second process can help.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Linux clock ticks per second (USER_HZ); 100 on every mainstream kernel. */
const CLOCK_TICKS = 100;

/** Percent of the whole machine (all cores) each party used; `idle` is what was left. */
export interface CpuShares {
  readonly servers: number;
  readonly postgres: number;
  readonly redis: number;
  readonly loadGenerator: number;
  readonly other: number;
  readonly idle: number;
}

/**
 * CPU ms from the text of a /proc/<pid>/stat: utime + stime, plus cutime + cstime (children that
 * have exited and been waited for) when `withReapedChildren`. Fields after the command name (which
 * may contain spaces) start at ") ": utime, stime, cutime and cstime are the 12th to 15th.
 */
function statCpuMs(stat: string, withReapedChildren: boolean): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return ((withReapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) * 1000) / CLOCK_TICKS;
}

/** utime + stime of `pid` from /proc/<pid>/stat, in ms; NaN when unreadable (not Linux, or gone). */
export function processCpuMs(pid: number | undefined): number {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'), false);
  } catch {
    return NaN;
  }
}

/**
 * utime + stime of the main thread of `pid` (its JavaScript thread: the event loop, and on the
 * embedded default PGlite too), in ms; NaN when unreadable. The process figure adds V8's helper
 * threads (concurrent marking and sweeping, compilation) and libuv's pool, which run on the other
 * core: the main thread's CPU per request is what bounds one process's throughput.
 */
export function mainThreadCpuMs(pid: number | undefined): number {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'), false);
  } catch {
    return NaN;
  }
}

/**
 * CPU ms of every process whose command name is `name` (postgres backends, redis-server),
 * including their exited children's: a PostgreSQL backend that ends during a period (its server
 * process stopped, its pool closed) leaves the sum, and its whole CPU time moves into the
 * postmaster's children's time, so the difference of two sums stays the CPU used in between.
 * (Without the children's time, such a period's difference went negative and was shown as 0%,
 * and PostgreSQL's share as "other processes".)
 */
function cpuMsOfCommand(name: string): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith(name)) total += statCpuMs(stat, true);
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    return NaN;
  }
  return total;
}

/** Busy and total ms of the whole machine, from the first line of /proc/stat. */
function machineMs(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = fields[3] + fields[4]; // idle + iowait
    return { busy: ((total - idle) * 1000) / CLOCK_TICKS, total: (total * 1000) / CLOCK_TICKS };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** CPU milliseconds each party used during one or more periods (raw, so periods add up). */
export interface CpuUsage { machineBusy: number; machineTotal: number; servers: number; postgres: number; redis: number; loadGenerator: number }

/** An empty usage, to add periods to. */
export function noCpuUsage(): CpuUsage {
  return { machineBusy: 0, machineTotal: 0, servers: 0, postgres: 0, redis: 0, loadGenerator: 0 };
}

/**
 * Starts watching; the returned function ends the period and adds what each party used to
 * `into`. `serversCpuMs` sums the server processes under test (their pids are known).
 */
export function watchCpu(serversCpuMs: () => number, into: CpuUsage): () => void {
  const snap = () => {
    const self = process.cpuUsage();
    return { machine: machineMs(), servers: serversCpuMs(), postgres: cpuMsOfCommand('postgres'), redis: cpuMsOfCommand('redis-server'), self: (self.user + self.system) / 1000 };
  };
  const before = snap();
  return () => {
    const after = snap();
    // A process that exits between the two snapshots takes its CPU time with it: never below 0.
    const delta = (a: number, b: number) => Math.max(0, a - b);
    into.machineBusy += delta(after.machine.busy, before.machine.busy);
    into.machineTotal += delta(after.machine.total, before.machine.total);
    into.servers += delta(after.servers, before.servers);
    into.postgres += delta(after.postgres, before.postgres);
    into.redis += delta(after.redis, before.redis);
    into.loadGenerator += delta(after.self, before.self);
  };
}

/** Shares of the machine, in percent of all cores, from accumulated usage; undefined when unmeasured. */
export function cpuShares(usage: CpuUsage): CpuShares | undefined {
  const total = usage.machineTotal || NaN;
  const pct = (ms: number) => Math.round((ms / total) * 1000) / 10;
  const shares = { servers: pct(usage.servers), postgres: pct(usage.postgres), redis: pct(usage.redis), loadGenerator: pct(usage.loadGenerator) };
  if (!Number.isFinite(shares.servers)) return undefined;
  const busy = pct(usage.machineBusy);
  const known = shares.servers + shares.postgres + shares.redis + shares.loadGenerator;
  return { ...shares, other: Math.max(0, Math.round((busy - known) * 10) / 10), idle: Math.max(0, Math.round((100 - busy) * 10) / 10) };
}
