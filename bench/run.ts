// The benchmark (`make bench`): each compute kernel of bench/programs/ run warm in every engine of
// bench/engines.ts (median ns per run, speedup over the interpreter, geometric means), next to
// the native ceiling (the same algorithms in C, cc -O2, bench/native.ts) where a C compiler is
// found; then the JIT's compile time per instruction (decode + translate + instantiate) for
// generated programs of 1k, 10k and 100k instructions. Prints tables and writes
// bench/results.json (bench/chart.ts draws bench/results.svg from it).
//
// Run with --expose-gc (make bench does) so each compile timing starts after a collection.
// Environment: BENCH_MAX_TIME (seconds per measurement, default 1), BENCH_ROUNDS (alternating
// rounds over the engines per kernel, default 2), BENCH_KERNELS (comma-separated names, default
// all), BENCH_ENGINES (comma-separated names, default all), BENCH_NATIVE (0 skips the native
// ceiling), BENCH_SIZES (compile sizes, default 1000,10000,100000).
// The machine is shared and noisy: the engines are measured in alternating rounds in the same
// process and the samples pooled, so the ratios are fairer than the absolute times.

import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { decode, encode } from '../src/isa/index.js';
import { clearCompileCache, compile } from '../src/jit/index.js';
import { GEN_HELPERS, generateProgram } from '../src/testing/gen.js';
import { Vm } from '../src/vm.js';
import type { ChartResults } from './chart.js';
import { BENCH_ENGINES, type BenchEngine, profile } from './engines.js';
import { buildNative, type NativeBuild, type NativeResult, runNative } from './native.js';
import { BENCH_DIR, BENCH_PROGRAMS, type BenchProgram } from './programs.js';

const envNum = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const envList = (name: string): string[] | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v.split(',').map((s) => s.trim());
};
const MAX_TIME = envNum('BENCH_MAX_TIME', 1);
const ROUNDS = envNum('BENCH_ROUNDS', 2);
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const NATIVE = process.env.BENCH_NATIVE !== '0';

/** The targets, over the geometric means of all kernels (printed, not asserted). */
const TARGET_JIT_SPEEDUP = 30;
const TARGET_JIT_NATIVE_RATIO = 2;

interface Timing {
  /** Median seconds per run over all pooled samples. */
  readonly median: number;
  /** Relative margin of error (%) of benchmark.js's last round. */
  readonly rme: number;
  readonly samples: number;
}

interface ProgramResult {
  readonly program: BenchProgram;
  readonly slots: number;
  readonly executed: number;
  readonly inputBytes: number;
  readonly timings: ReadonlyMap<string, Timing>;
  readonly native: NativeTiming | null;
}

/** The native ceiling of one kernel: its samples pooled over the rounds. */
interface NativeTiming {
  readonly medianNs: number;
  readonly minNs: number;
  readonly samples: number;
  /** Runs per timed batch (a sample is one batch's time per run). */
  readonly batch: number;
}

interface CompileResult {
  readonly requested: number;
  readonly slots: number;
  readonly reps: number;
  /** decode + JIT prepare (translate + instantiate), median ms. */
  readonly loadMs: number;
  readonly loadNsPerInsn: number;
  readonly decodeNsPerInsn: number;
  /** Of which translation to a compiled WebAssembly.Module (no decode, no instantiate). */
  readonly translateNsPerInsn: number;
  /** Interpreter load (decode + unpack), for scale. */
  readonly interpLoadNsPerInsn: number;
  /** Functions that needed binaryen's Relooper (irreducible control flow; 0 expected). */
  readonly relooped: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const geomean = (xs: readonly number[]): number =>
  xs.length === 0 ? NaN : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

function makeVm(engine: 'interp' | 'jit'): Vm {
  // Generated programs for the compile timings: loaded, not verified (they are not runnable).
  const vm = new Vm({ engine, budget: 100_000_000, verify: false });
  for (const h of GEN_HELPERS) vm.registerHelper(h.id, h.fn, h.name);
  return vm;
}

/** Samples (seconds per run) of one benchmark.js measurement of `fn`. */
function measure(name: string, fn: () => void): { sample: number[]; rme: number } {
  const bench = new Benchmark(name, fn, { maxTime: MAX_TIME, minSamples: 5 });
  bench.run();
  if (bench.error !== undefined) throw bench.error;
  return { sample: bench.stats.sample as number[], rme: bench.stats.rme };
}

function check(p: BenchProgram, engine: string, got: bigint, when: string): void {
  if (got !== p.expected) {
    throw new Error(
      `${p.name} on ${engine} (${when}): r0 0x${got.toString(16)}, expected 0x${p.expected.toString(16)}`,
    );
  }
}

function benchProgram(
  p: BenchProgram,
  engines: readonly BenchEngine[],
  native: NativeBuild | null,
): ProgramResult {
  const input = p.input();
  const { slots, executed } = profile(p, input);
  const runners = engines.map((e) => ({ name: e.name, run: e.prepare(p, input) }));
  for (const r of runners) {
    check(p, r.name, r.run(), 'first run');
    // Warm up: let V8 tier up the engine (and the code it generated) before timing.
    const t0 = performance.now();
    for (let i = 0; i < 5 || performance.now() - t0 < 150; i++) r.run();
  }
  const samples = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  const rme = new Map<string, number>();
  // The native ceiling takes its turn in each round too, so that all see the same machine load.
  const nativeRuns: NativeResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of runners) {
      const m = measure(`${p.name}/${r.name}`, () => {
        r.run();
      });
      samples.get(r.name)?.push(...m.sample);
      rme.set(r.name, m.rme);
    }
    if (native !== null) {
      const n = runNative(native, p.name, input, MAX_TIME);
      check(p, 'native', n.r0, 'native');
      nativeRuns.push(n);
    }
  }
  // Still right after all those runs on the same memory.
  for (const r of runners) check(p, r.name, r.run(), 'after timing');
  const timings = new Map<string, Timing>(
    runners.map((r) => {
      const s = samples.get(r.name) ?? [];
      return [r.name, { median: median(s), rme: rme.get(r.name) ?? 0, samples: s.length }];
    }),
  );
  const pooled = nativeRuns.flatMap((n) => n.sampleNs);
  const nat: NativeTiming | null =
    nativeRuns.length === 0
      ? null
      : {
          medianNs: median(pooled),
          minNs: Math.min(...pooled),
          samples: pooled.length,
          batch: nativeRuns[0]?.batch ?? 1,
        };
  return { program: p, slots, executed, inputBytes: input.length, timings, native: nat };
}

/** `gc` exists when node runs with --expose-gc (make bench does): collect before each timing. */
const gc = (globalThis as { gc?: () => void }).gc;

function timeMs(fn: () => void): number {
  gc?.();
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function benchCompile(size: number): CompileResult {
  // Reducible control flow, as compilers emit it: irreducible loops take the Relooper fallback.
  const g = generateProgram(0x5eed + size, { size, irreducible: false });
  const bytes = encode(g.program.insns);
  const slots = g.program.slots;
  const reps = size >= 100_000 ? 3 : size >= 10_000 ? 5 : 15;
  const jit = makeVm('jit');
  const interp = makeVm('interp');
  const load: number[] = [];
  const dec: number[] = [];
  const iload: number[] = [];
  const translate: number[] = [];
  let relooped = 0;
  for (let i = 0; i < reps; i++) {
    // The JIT caches modules by bytecode: without clearing, every rep after the first is a hit.
    clearCompileCache();
    load.push(timeMs(() => jit.load(bytes)));
    clearCompileCache();
    translate.push(
      timeMs(() => {
        relooped = compile(g.program).stats.relooped;
      }),
    );
    dec.push(timeMs(() => decode(bytes)));
    iload.push(timeMs(() => interp.load(bytes)));
  }
  const perInsn = (ms: number): number => (ms * 1e6) / slots;
  const loadMs = median(load);
  return {
    requested: size,
    slots,
    reps,
    loadMs,
    loadNsPerInsn: perInsn(loadMs),
    decodeNsPerInsn: perInsn(median(dec)),
    translateNsPerInsn: perInsn(median(translate)),
    interpLoadNsPerInsn: perInsn(median(iload)),
    relooped,
  };
}

const pad = (s: string, n: number): string => s.padStart(n);
const fmt = (x: number, digits = 0): string =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';

const timingNs = (r: ProgramResult, engine: string): number =>
  (r.timings.get(engine)?.median ?? NaN) * 1e9;

function printPrograms(
  results: readonly ProgramResult[],
  engines: readonly string[],
  hasNative: boolean,
): void {
  const fast = engines.filter((e) => e !== 'interp');
  const head =
    `${'program'.padEnd(9)}${pad('insns', 6)}${pad('executed', 10)}` +
    engines.map((e) => pad(`${e} ns`, 13)).join('') +
    (hasNative ? pad('native ns', 12) : '') +
    fast.map((e) => pad(`${e}/interp`, 12)).join('') +
    (hasNative ? fast.map((e) => pad(`${e}/native`, 12)).join('') : '');
  console.log(head);
  for (const r of results) {
    const interp = timingNs(r, 'interp');
    const nat = r.native?.medianNs ?? NaN;
    console.log(
      `${r.program.name.padEnd(9)}${pad(String(r.slots), 6)}${pad(fmt(r.executed), 10)}` +
        engines.map((e) => pad(fmt(timingNs(r, e), timingNs(r, e) < 100 ? 1 : 0), 13)).join('') +
        (hasNative ? pad(fmt(nat, nat < 100 ? 1 : 0), 12) : '') +
        fast.map((e) => pad(`${fmt(interp / timingNs(r, e), 1)}x`, 12)).join('') +
        (hasNative ? fast.map((e) => pad(`${fmt(timingNs(r, e) / nat, 2)}x`, 12)).join('') : ''),
    );
  }
}

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const cores = cpus().length;
  const loadBefore = loadavg()[0] ?? 0;
  const onlyKernels = envList('BENCH_KERNELS');
  const onlyEngines = envList('BENCH_ENGINES');
  const programsToRun = BENCH_PROGRAMS.filter(
    (p) => onlyKernels === undefined || onlyKernels.includes(p.name),
  );
  const engines = BENCH_ENGINES.filter(
    (e) => onlyEngines === undefined || onlyEngines.includes(e.name) || e.name === 'interp',
  );
  const engineNames = engines.map((e) => e.name);
  console.log(
    `ebpf-wasm benchmark: node ${process.version}, ${cpu}, ${cores} cores, load ${fmt(loadBefore, 1)}`,
  );
  console.log(
    `engines: ${engineNames.join(', ')}; ${MAX_TIME} s per measurement, ${ROUNDS} alternating rounds`,
  );
  const probe = NATIVE ? buildNative() : { ok: false as const, reason: 'BENCH_NATIVE=0' };
  const native = probe.ok ? probe.build : null;
  console.log(
    probe.ok
      ? `native ceiling: ${probe.build.version}, ${probe.build.flags.join(' ')}`
      : `native ceiling skipped: ${probe.reason}`,
  );
  console.log(
    'median ns per run; X/interp = speedup over the interpreter; X/native = time ratio\n',
  );

  const results: ProgramResult[] = [];
  for (const p of programsToRun) {
    results.push(benchProgram(p, engines, native));
    process.stdout.write(`  measured ${p.name}\n`);
  }
  console.log('');
  printPrograms(results, engineNames, native !== null);

  const fast = engineNames.filter((e) => e !== 'interp');
  const speedupGeo = Object.fromEntries(
    fast.map((e) => [e, geomean(results.map((r) => timingNs(r, 'interp') / timingNs(r, e)))]),
  );
  const nativeGeo: Record<string, number> =
    native === null
      ? {}
      : Object.fromEntries(
          engineNames.map((e) => [
            e,
            geomean(results.map((r) => timingNs(r, e) / (r.native?.medianNs ?? NaN))),
          ]),
        );
  console.log(
    `\ngeometric mean over ${results.length} kernels, speedup over interp: ` +
      fast.map((e) => `${e} ${fmt(speedupGeo[e] ?? NaN, 1)}x`).join(', '),
  );
  if (native !== null) {
    console.log(
      `geometric mean time / native -O2: ` +
        engineNames.map((e) => `${e} ${fmt(nativeGeo[e] ?? NaN, 2)}x`).join(', '),
    );
  }
  const jitSpeedup = speedupGeo.jit ?? NaN;
  const jitNative = nativeGeo.jit;
  const targets = {
    jitSpeedup: {
      target: TARGET_JIT_SPEEDUP,
      geomean: jitSpeedup,
      met: jitSpeedup >= TARGET_JIT_SPEEDUP,
    },
    jitNativeRatio:
      jitNative === undefined
        ? null
        : {
            target: TARGET_JIT_NATIVE_RATIO,
            geomean: jitNative,
            met: jitNative <= TARGET_JIT_NATIVE_RATIO,
          },
  };
  console.log(
    `target JIT >= ${TARGET_JIT_SPEEDUP}x the interpreter: ${fmt(jitSpeedup, 1)}x, ` +
      (targets.jitSpeedup.met ? 'met' : 'NOT met'),
  );
  console.log(
    targets.jitNativeRatio === null
      ? `target JIT within ${TARGET_JIT_NATIVE_RATIO}x of native -O2: not measured (no native ceiling)`
      : `target JIT within ${TARGET_JIT_NATIVE_RATIO}x of native -O2: ` +
          `${fmt(targets.jitNativeRatio.geomean, 2)}x, ` +
          (targets.jitNativeRatio.met ? 'met' : 'NOT met'),
  );
  console.log('');

  // Warm the JIT's own code (binaryen, V8) so the first size is not charged for it.
  benchCompile(200);
  const compile: CompileResult[] = [];
  console.log('JIT compile time, generated programs (decode + translate + instantiate):');
  console.log(
    `${pad('size', 8)}${pad('slots', 9)}${pad('reps', 6)}${pad('median ms', 12)}` +
      `${pad('ns/insn', 10)}${pad('decode', 9)}${pad('translate', 11)}${pad('interp load', 13)}` +
      `${pad('relooped', 10)}`,
  );
  for (const size of SIZES) {
    const c = benchCompile(size);
    compile.push(c);
    console.log(
      `${pad(fmt(c.requested), 8)}${pad(fmt(c.slots), 9)}${pad(String(c.reps), 6)}${pad(fmt(c.loadMs, 1), 12)}` +
        `${pad(fmt(c.loadNsPerInsn), 10)}${pad(fmt(c.decodeNsPerInsn), 9)}` +
        `${pad(fmt(c.translateNsPerInsn), 11)}${pad(fmt(c.interpLoadNsPerInsn), 13)}${pad(String(c.relooped), 10)}`,
    );
  }
  // A fixed cost per module (binaryen module, V8 compile and instantiate) weighs on the smallest
  // size; the marginal cost between sizes is the per-instruction slope, flat when it stays put.
  const marginal = compile.slice(1).map((c, i) => {
    const prev = compile[i] as CompileResult;
    return {
      from: prev.requested,
      to: c.requested,
      nsPerInsn: ((c.loadMs - prev.loadMs) * 1e6) / (c.slots - prev.slots),
    };
  });
  for (const m of marginal) {
    console.log(
      `marginal cost ${fmt(m.from)} -> ${fmt(m.to)}: ${fmt(m.nsPerInsn)} ns per added insn`,
    );
  }
  const last = compile[compile.length - 1];
  const prev = compile[compile.length - 2];
  const growth =
    last !== undefined && prev !== undefined ? last.loadNsPerInsn / prev.loadNsPerInsn : 1;
  console.log(`ns/insn at the largest size / the one before: ${fmt(growth, 2)}x (flat is ~1)`);

  const timingJson = (t: Timing | undefined) => ({
    medianNs: (t?.median ?? NaN) * 1e9,
    opsPerSec: 1 / (t?.median ?? NaN),
    rmePercent: t?.rme ?? NaN,
    samples: t?.samples ?? 0,
  });
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpu, cores, platform: platform(), arch: arch(), totalMemGiB: totalmem() / 2 ** 30 },
    settings: { maxTimeSeconds: MAX_TIME, rounds: ROUNDS, engines: engineNames },
    // One-minute load average at the start and the end: above the core count, times are inflated.
    loadAverage: { start: loadBefore, end: loadavg()[0] ?? 0 },
    native: probe.ok
      ? { cc: probe.build.cc, version: probe.build.version, flags: probe.build.flags }
      : { skipped: probe.reason },
    programs: results.map((r) => ({
      name: r.program.name,
      what: r.program.what,
      insns: r.slots,
      executedPerRun: r.executed,
      inputBytes: r.inputBytes,
      engines: Object.fromEntries(engineNames.map((e) => [e, timingJson(r.timings.get(e))])),
      native:
        r.native === null
          ? null
          : {
              medianNs: r.native.medianNs,
              minNs: r.native.minNs,
              samples: r.native.samples,
              batch: r.native.batch,
            },
      /** Interpreter time / engine time. */
      speedup: Object.fromEntries(fast.map((e) => [e, timingNs(r, 'interp') / timingNs(r, e)])),
      /** Engine time / native time. */
      nativeRatio:
        r.native === null
          ? null
          : Object.fromEntries(
              engineNames.map((e) => [e, timingNs(r, e) / (r.native?.medianNs ?? NaN)]),
            ),
    })),
    geomean: { speedup: speedupGeo, nativeRatio: native === null ? null : nativeGeo },
    targets,
    geomeanSpeedup: jitSpeedup,
    compile,
    compileMarginal: marginal,
    compileGrowth: growth,
  };
  const forChart: ChartResults = out;
  const file = new URL('results.json', BENCH_DIR);
  writeFileSync(file, `${JSON.stringify(forChart, null, 2)}\n`);
  console.log(`\nwrote ${file.pathname}`);
}

main();
