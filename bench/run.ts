// The benchmark (`make bench`): each program of bench/programs/ run warm in the interpreter and
// the JIT (median ns per run, ops/s, JIT speedup, geometric mean), then the JIT's compile time
// per instruction (decode + translate + instantiate) for generated programs of 1k, 10k and 100k
// instructions. Prints a table and writes bench/results.json.
//
// Run with --expose-gc (make bench does) so each compile timing starts after a collection.
// Environment: BENCH_MAX_TIME (seconds per measurement, default 1), BENCH_ROUNDS (alternating
// interp/JIT rounds per program, default 2), BENCH_SIZES (compile sizes, default 1000,10000,100000).
// The machine is shared and noisy: the two engines are measured in alternating rounds in the same
// process and the samples pooled, so the ratios are fairer than the absolute times.

import Benchmark from 'benchmark';
import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { decode, encode } from '../src/isa/index.js';
import { clearCompileCache, compile } from '../src/jit/index.js';
import { GEN_HELPERS, generateProgram } from '../src/testing/gen.js';
import { Vm } from '../src/vm.js';
import { BENCH_DIR, BENCH_PROGRAMS, type BenchProgram } from './programs.js';

const envNum = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const MAX_TIME = envNum('BENCH_MAX_TIME', 1);
const ROUNDS = envNum('BENCH_ROUNDS', 2);
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);

type EngineName = 'interp' | 'jit';

interface Timing {
  /** Median seconds per run over all pooled samples. */
  readonly median: number;
  /** Relative margin of error (%) of benchmark.js's last round. */
  readonly rme: number;
  readonly samples: number;
}

interface ProgramResult {
  readonly name: string;
  readonly what: string;
  readonly slots: number;
  readonly executed: number;
  readonly interp: Timing;
  readonly jit: Timing;
  /** interp time / JIT time: how many times faster the JIT is. */
  readonly speedup: number;
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

function makeVm(engine: EngineName): Vm {
  // Compute kernels with long loops (beyond a path-walking verifier's unrolling, as in Linux):
  // the benchmark measures the engines, so it opts out of verification explicitly.
  const vm = new Vm({ engine, budget: 100_000_000, verify: false });
  for (const h of GEN_HELPERS) vm.registerHelper(h.id, h.fn, h.name);
  return vm;
}

/** Samples (seconds per run) of one benchmark.js measurement of `fn`. */
function measure(name: string, fn: () => void): { sample: number[]; rme: number } {
  const bench = new Benchmark(name, fn, { maxTime: MAX_TIME, minSamples: 10 });
  bench.run();
  if (bench.error !== undefined) throw bench.error;
  return { sample: bench.stats.sample as number[], rme: bench.stats.rme };
}

function benchProgram(p: BenchProgram): ProgramResult {
  const vms = { interp: makeVm('interp'), jit: makeVm('jit') };
  const input = p.input();
  let executed = 0;
  let slots = 0;
  for (const engine of ['interp', 'jit'] as const) {
    const vm = vms[engine];
    vm.load(p.source);
    slots = vm.program?.slots ?? 0;
    const res = vm.run(input);
    if (res.r0 !== p.expected) {
      throw new Error(
        `${p.name} on ${engine}: r0 0x${res.r0.toString(16)}, expected 0x${p.expected.toString(16)}`,
      );
    }
    if (engine === 'interp') executed = res.executed;
    // Warm up: let V8 tier up the engine (and the JIT's generated code) before timing.
    for (let i = 0; i < 20; i++) vm.run(input);
  }
  const samples: Record<EngineName, number[]> = { interp: [], jit: [] };
  const rme: Record<EngineName, number> = { interp: 0, jit: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const engine of ['interp', 'jit'] as const) {
      const vm = vms[engine];
      const m = measure(`${p.name}/${engine}`, () => {
        vm.run(input);
      });
      samples[engine].push(...m.sample);
      rme[engine] = m.rme;
    }
  }
  const timing = (e: EngineName): Timing => ({
    median: median(samples[e]),
    rme: rme[e],
    samples: samples[e].length,
  });
  const interp = timing('interp');
  const jit = timing('jit');
  return {
    name: p.name,
    what: p.what,
    slots,
    executed,
    interp,
    jit,
    speedup: interp.median / jit.median,
  };
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
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function main(): void {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const cores = cpus().length;
  const loadBefore = loadavg()[0] ?? 0;
  console.log(
    `ebpf-wasm benchmark: node ${process.version}, ${cpu}, ${cores} cores, load ${fmt(loadBefore, 1)}`,
  );
  console.log(`${MAX_TIME} s per measurement, ${ROUNDS} alternating rounds per engine\n`);

  const programs: ProgramResult[] = [];
  console.log(
    `${'program'.padEnd(8)}${pad('insns', 7)}${pad('executed', 10)}${pad('interp ns', 13)}` +
      `${pad('jit ns', 11)}${pad('interp op/s', 13)}${pad('jit op/s', 11)}${pad('speedup', 9)}`,
  );
  for (const p of BENCH_PROGRAMS) {
    const r = benchProgram(p);
    programs.push(r);
    console.log(
      `${r.name.padEnd(8)}${pad(String(r.slots), 7)}${pad(fmt(r.executed), 10)}` +
        `${pad(fmt(r.interp.median * 1e9), 13)}${pad(fmt(r.jit.median * 1e9), 11)}` +
        `${pad(fmt(1 / r.interp.median), 13)}${pad(fmt(1 / r.jit.median), 11)}${pad(fmt(r.speedup, 1) + 'x', 9)}`,
    );
  }
  const geomean = Math.exp(programs.reduce((s, r) => s + Math.log(r.speedup), 0) / programs.length);
  console.log(`geometric mean JIT speedup: ${fmt(geomean, 2)}x\n`);

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

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    machine: { cpu, cores, platform: platform(), arch: arch(), totalMemGiB: totalmem() / 2 ** 30 },
    settings: { maxTimeSeconds: MAX_TIME, rounds: ROUNDS },
    // One-minute load average at the start and the end: above the core count, times are inflated.
    loadAverage: { start: loadBefore, end: loadavg()[0] ?? 0 },
    programs: programs.map((r) => ({
      name: r.name,
      what: r.what,
      insns: r.slots,
      executedPerRun: r.executed,
      interp: {
        medianNs: r.interp.median * 1e9,
        opsPerSec: 1 / r.interp.median,
        rmePercent: r.interp.rme,
        samples: r.interp.samples,
      },
      jit: {
        medianNs: r.jit.median * 1e9,
        opsPerSec: 1 / r.jit.median,
        rmePercent: r.jit.rme,
        samples: r.jit.samples,
      },
      speedup: r.speedup,
    })),
    geomeanSpeedup: geomean,
    compile,
    compileMarginal: marginal,
    compileGrowth: growth,
  };
  const out = new URL('results.json', BENCH_DIR);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${out.pathname}`);
}

main();
