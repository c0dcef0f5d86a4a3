// The speed comparison of `ebpf-wasm demo`: one program's sample packets run again and again in
// each engine (the interpreter, the JIT, the AOT module), and the median time per packet of each.
//
// Method (a plain loop, not benchmark.js: the demo wants a number in about a second): warm every
// engine up first (V8 compiles fresh Wasm on its baseline tier and tiers up within 1-30 ms; the
// interpreter's switch and the JS around a run need their cases seen), then choose per engine how
// many passes over the packet set make one sample last about 0.5-5 ms (so process.hrtime's own
// cost, ~50 ns, vanishes), then take samples in alternating rounds (interp, jit, aot, then aot,
// jit, interp, ...) so that whatever else the shared machine does falls on all alike. The median
// sample ignores the ones a GC or a deopt landed in.

import type { Progress } from './progress.js';

/** Fewest samples per engine, however slow a pass is. */
const MIN_SAMPLES = 5;

/** One engine under test: a pass runs every sample packet once. */
export interface TimedEngine {
  readonly name: string;
  readonly pass: () => void;
}

export interface EngineTiming {
  readonly name: string;
  /** Median of the samples, in ns per packet. */
  readonly nsPerPacket: number;
  readonly samples: number;
  /** Passes over the packet set per sample. */
  readonly passesPerSample: number;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nanoseconds one sample of `passes` passes takes. */
function sample(e: TimedEngine, passes: number): number {
  const t0 = nowNs();
  for (let i = 0; i < passes; i++) e.pass();
  return Number(nowNs() - t0);
}

/**
 * Time each engine for about `budgetMs` (after a warm-up of a quarter of that) over a set of
 * `packets` packets; `progress.tick()` is called between samples.
 */
export function timeEngines(
  engines: readonly TimedEngine[],
  packets: number,
  budgetMs: number,
  progress: Progress,
): EngineTiming[] {
  const warmNs = Math.min(Math.max(budgetMs / 4, 5), 200) * 1e6;
  const sampleNs = Math.min(Math.max(budgetMs / 20, 0.5), 5) * 1e6;

  // Warm-up, alternating, which also gives each engine's time for one pass.
  const fastest = engines.map(() => Infinity);
  const warmStart = nowNs();
  for (let round = 0; round < 3 || Number(nowNs() - warmStart) < warmNs; round++) {
    engines.forEach((e, i) => (fastest[i] = Math.min(fastest[i] as number, sample(e, 1))));
    progress.tick();
  }
  const passes = fastest.map((ns) => Math.max(1, Math.round(sampleNs / Math.max(ns, 1))));

  const times: number[][] = engines.map(() => []);
  const spent = engines.map(() => 0);
  const budgetNs = budgetMs * 1e6;
  const satisfied = (i: number): boolean =>
    (times[i] as number[]).length >= MIN_SAMPLES && (spent[i] as number) >= budgetNs;
  for (let round = 0; !engines.every((_, i) => satisfied(i)); round++) {
    const order = round % 2 === 0 ? engines.map((_, i) => i) : engines.map((_, i) => i).reverse();
    // An engine whose samples run long reaches its budget first; it then waits for the others.
    for (const i of order.filter((k) => !satisfied(k))) {
      const n = passes[i] as number;
      const ns = sample(engines[i] as TimedEngine, n);
      (times[i] as number[]).push(ns / (n * packets));
      spent[i] = (spent[i] as number) + ns;
      progress.tick();
    }
  }
  return engines.map((e, i) => ({
    name: e.name,
    nsPerPacket: median(times[i] as number[]),
    samples: (times[i] as number[]).length,
    passesPerSample: passes[i] as number,
  }));
}
