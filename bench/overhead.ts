// The per-invocation benchmark (`make bench`, after bench/run.ts): what it costs to run a small
// XDP program once on a packet (lay the packet and context out, run, give the result), measured
// with benchmark.js, warm, in alternating rounds in one process, as medians side by side:
//
//   obj.run       ObjectRuntime.run(name, { packet }): the general path, a result object with copies
//   runner.run    obj.runner(name).run(packet): the hot-loop path, nothing allocated per run
//   exe.runLow    the prepared executable alone on the context already laid out (the interpreter
//                 has no 32-bit path: exe.run), i.e. the program itself
//   empty fn      an empty JS function call through the same harness, for scale
//
// for corpus programs compiled by us: tail_calls.o xdp_ipv6 (11 instructions: one array map
// lookup and increment, XDP_PASS; the smallest xdp program of the corpus that stands alone),
// xdp_firewall.o xdp_firewall (172 instructions, parses up to L4 and looks up three maps), and
// tail_calls.o xdp_chain (33 tail calls per packet, reported per tail call), in the interpreter
// and the JIT. The per-invocation overhead is runner.run - exe.runLow. Prints a table and adds
// `overhead` to bench/results.json (keeping what the other benchmarks wrote).
//
// Environment: BENCH_MAX_TIME (seconds per measurement, default 0.5), BENCH_ROUNDS (alternating
// rounds, default 3), BENCH_RESULTS (the results file, default bench/results.json).

import Benchmark from 'benchmark';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { jitEngine } from '../src/jit/index.js';
import { CTX_BASE } from '../src/runtime/layout.js';
import type { VmObject } from '../src/runtime/object/index.js';
import { Vm } from '../src/vm.js';

const envNum = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const MAX_TIME = envNum('BENCH_MAX_TIME', 0.5);
const ROUNDS = envNum('BENCH_ROUNDS', 3);

/** The repository: walked up to from this file (source or compiled copy), else the cwd. */
function findRoot(): URL {
  for (let up = new URL('../', import.meta.url); up.pathname !== '/'; up = new URL('../', up)) {
    if (existsSync(new URL('corpus/obj/xdp_firewall.o', up))) return up;
  }
  return new URL(`file://${process.cwd()}/`);
}
const ROOT = findRoot();

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** The first recorded packet of a golden file, and the kernel's retval for it. */
function goldenPacket(file: string): { packet: Uint8Array; retval: number } {
  const g = JSON.parse(readFileSync(new URL(`corpus/golden/${file}`, ROOT), 'utf8')) as {
    runs: ReadonlyArray<{ packetIn: string; r0?: string }>;
  };
  const run = g.runs[0];
  if (run === undefined) throw new Error(`${file}: no runs`);
  return { packet: hex(run.packetIn), retval: Number(BigInt(run.r0 ?? '0')) };
}

interface Case {
  readonly label: string;
  readonly object: string;
  readonly program: string;
  readonly golden: string;
  /** Tail calls per packet (the times are divided by it as well, for the per-call column). */
  readonly tailCalls: number;
}

const CASES: readonly Case[] = [
  {
    // It passes every packet, as the kernel's xdp_chain run on this one ends up doing.
    label: 'xdp_ipv6',
    object: 'tail_calls',
    program: 'xdp_ipv6',
    golden: 'tail_calls.xdp_chain.json',
    tailCalls: 0,
  },
  {
    label: 'xdp_firewall',
    object: 'xdp_firewall',
    program: 'xdp_firewall',
    golden: 'xdp_firewall.xdp_firewall.json',
    tailCalls: 0,
  },
  {
    label: 'xdp_chain',
    object: 'tail_calls',
    program: 'xdp_chain',
    golden: 'tail_calls.xdp_chain.json',
    tailCalls: 33,
  },
];

type EngineName = 'interp' | 'jit';
const ENGINES: readonly EngineName[] = ['interp', 'jit'];
const WAYS = ['objRun', 'runnerRun', 'exeRun', 'emptyFn'] as const;
type Way = (typeof WAYS)[number];

function open(c: Case, engine: EngineName): VmObject {
  const obj = Vm.open(new URL(`corpus/obj/${c.object}.o`, ROOT).pathname, { engine });
  if (c.object === 'tail_calls') {
    // As corpus/src/tail_calls.setup.json installs them.
    obj.setTailCall('jmp_table', 0, 'xdp_ipv4');
    obj.setTailCall('jmp_table', 1, 'xdp_ipv6');
    obj.setTailCall('jmp_table', 2, 'xdp_tcp');
    obj.setTailCall('jmp_table', 4, 'xdp_chain_step');
  }
  return obj;
}

/** The four ways to run `c` once on `engine`, each checked to give the kernel's retval. */
function ways(c: Case, engine: EngineName): Record<Way, () => void> {
  const { packet, retval } = goldenPacket(c.golden);
  const obj = open(c, engine);
  const runner = obj.runner(c.program);
  const check = (how: string, got: number): void => {
    if (got !== retval)
      throw new Error(`${c.label} ${engine} ${how}: retval ${got}, kernel ${retval}`);
  };
  check('run', obj.run(c.program, { packet }).retval);
  check('runner', runner.run(packet));
  if (c.tailCalls > 0 && runner.tailCalls !== c.tailCalls) {
    throw new Error(`${c.label}: ${runner.tailCalls} tail calls, expected ${c.tailCalls}`);
  }
  // The bare executable runs on the context the runner left (a tail call escapes it: run once
  // inside the object's loop, that is what exeRun cannot show, so it is left out there).
  const exe = obj.prepare(c.program);
  const len = packet.length;
  const exeRun =
    c.tailCalls > 0
      ? (): void => undefined
      : exe.runLow !== undefined
        ? (): void => {
            exe.runLow?.(CTX_BASE, len);
          }
        : (): void => {
            exe.run(CTX_BASE, len);
          };
  return {
    objRun: () => {
      obj.run(c.program, { packet });
    },
    runnerRun: () => {
      runner.run(packet);
    },
    exeRun,
    emptyFn: () => undefined,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Samples (ns per call) of one benchmark.js measurement of `fn`. */
function measure(name: string, fn: () => void): number[] {
  const bench = new Benchmark(name, fn, { maxTime: MAX_TIME, minSamples: 5 });
  bench.run();
  if (bench.error !== undefined) throw bench.error;
  return (bench.stats.sample as number[]).map((s) => s * 1e9);
}

interface Row {
  readonly program: string;
  readonly engine: EngineName;
  /** Median ns per call of each way (exeRun: null where it cannot run alone). */
  readonly ns: Record<Way, number | null>;
  /** runner.run - exe.runLow: what running through the object adds to the program itself. */
  readonly overheadNs: number | null;
  readonly objRunOverheadNs: number | null;
  readonly tailCalls: number;
  /** runner.run / tail calls, for the tail-call chain. */
  readonly nsPerTailCall: number | null;
}

function benchCase(c: Case, engine: EngineName): Row {
  const fns = ways(c, engine);
  const active = WAYS.filter((w) => !(w === 'exeRun' && c.tailCalls > 0));
  // Warm up: let V8 tier the harness, the runtime and the generated code up.
  for (const w of active) {
    const t0 = performance.now();
    for (let i = 0; i < 100 || performance.now() - t0 < 100; i++) fns[w]();
  }
  const samples = new Map<Way, number[]>(active.map((w) => [w, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of active) samples.get(w)?.push(...measure(`${c.label}/${engine}/${w}`, fns[w]));
  }
  const ns = Object.fromEntries(
    WAYS.map((w) => {
      const s = samples.get(w);
      return [w, s === undefined ? null : median(s)];
    }),
  ) as Record<Way, number | null>;
  const sub = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : a - b;
  return {
    program: c.label,
    engine,
    ns,
    overheadNs: sub(ns.runnerRun, ns.exeRun),
    objRunOverheadNs: sub(ns.objRun, ns.exeRun),
    tailCalls: c.tailCalls,
    nsPerTailCall: c.tailCalls > 0 && ns.runnerRun !== null ? ns.runnerRun / c.tailCalls : null,
  };
}

const fmt = (x: number | null): string =>
  x === null
    ? '-'
    : x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function main(): void {
  // The JIT registers itself on import; name it so the import is not dropped.
  if (jitEngine.name !== 'jit') throw new Error('jit engine missing');
  const load = { start: loadavg()[0] ?? 0, end: 0 };
  const rows: Row[] = [];
  for (const c of CASES) for (const engine of ENGINES) rows.push(benchCase(c, engine));
  load.end = loadavg()[0] ?? 0;
  console.log(
    '\nPer-invocation cost of small XDP programs: median ns per call (benchmark.js, warm,' +
      ` ${ROUNDS} alternating rounds)\n` +
      'overhead = runner.run - exe.runLow (exe.run in the interpreter): what the object adds\n',
  );
  const head = [
    'program',
    'engine',
    'obj.run',
    'runner.run',
    'exe.runLow',
    'empty fn',
    'overhead',
    'per tail call',
  ];
  const widths = [14, 8, 11, 12, 12, 10, 10, 14];
  const line = (cells: readonly string[]): string =>
    cells.map((s, i) => (i < 2 ? s.padEnd(widths[i] ?? 10) : s.padStart(widths[i] ?? 10))).join('');
  console.log(line(head));
  for (const r of rows) {
    console.log(
      line([
        r.program,
        r.engine,
        fmt(r.ns.objRun),
        fmt(r.ns.runnerRun),
        fmt(r.ns.exeRun),
        fmt(r.ns.emptyFn),
        fmt(r.overheadNs),
        fmt(r.nsPerTailCall),
      ]),
    );
  }
  const path = process.env.BENCH_RESULTS ?? new URL('bench/results.json', ROOT).pathname;
  const prev = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as object) : {};
  const overhead = {
    date: new Date().toISOString(),
    node: process.version,
    unit: 'median ns per call; overheadNs = runnerRun - exeRun; objRunOverheadNs = objRun - exeRun',
    settings: { maxTimeSeconds: MAX_TIME, rounds: ROUNDS },
    loadAverage: load,
    rows,
  };
  writeFileSync(path, `${JSON.stringify({ ...prev, overhead }, null, 2)}\n`);
  console.log(`\nwrote overhead to ${path}`);
}

main();
