// The map benchmark (`make bench`, after bench/run.ts): small eBPF loops that do one map operation
// per iteration (array lookup, hash lookup hit, hash update, LRU hash lookup hit, LRU hash
// lookup-or-insert with eviction) next to a loop of plain stack loads, run in the interpreter and
// the JIT. Maps are created and the programs relocated with the object code (createMaps +
// relocate), helpers registered as Vm.open does. Reports the median ns per iteration, and the
// same minus the baseline loop's (the cost of the map operation itself); adds them to
// bench/results.json under `maps` (keeping what bench/run.ts wrote).
//
// Environment: BENCH_MAPS_SAMPLES (timed samples per engine and program, default 40),
// BENCH_ROUNDS (alternating interp/JIT rounds, default 2).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { interpEngine } from '../src/interp/index.js';
import { assembleProgram } from '../src/isa/index.js';
import { jitEngine } from '../src/jit/index.js';
import type { Executable } from '../src/runtime/engine.js';
import { HelperRegistry } from '../src/runtime/helpers.js';
import {
  createMaps,
  type MapDef,
  type MapSet,
  registerMapHelpers,
} from '../src/runtime/maps/index.js';
import { VmMemory } from '../src/runtime/memory.js';
import { relocate } from '../src/runtime/object/index.js';
import { BENCH_DIR } from './programs.js';

const envNum = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const SAMPLES = envNum('BENCH_MAPS_SAMPLES', 40);
const ROUNDS = envNum('BENCH_ROUNDS', 2);

/** Iterations of each program's loop (one map operation each). */
const ITERS = 1000;

type EngineName = 'interp' | 'jit';

interface MapBench {
  readonly name: string;
  readonly what: string;
  readonly maps: readonly MapDef[];
  /** Fill the maps before the first run. */
  readonly fill?: (maps: MapSet) => void;
  /** The loop body: r6 is the iteration counter, r7 an accumulator; r8, r9 free. */
  readonly body: string;
}

const loop = (body: string): string => `
  mov %r6, 0
  mov %r7, 0
  mov %r1, 0
  stxdw [%r10-8], %r1
  stxdw [%r10-16], %r1
  stxdw [%r10-24], %r1
  stxdw [%r10-32], %r1
loop:
${body}
next:
  add %r6, 1
  jlt %r6, ${ITERS}, loop
  mov %r0, %r7
  exit`;

/** key = i & MASK at [r10-4], then r1 = map 0, r2 = &key. */
const keyArgs = (mask: number): string => `
  mov %r1, %r6
  and %r1, ${mask}
  stxw [%r10-4], %r1
  lddw %r1, map_idx 0
  mov %r2, %r10
  add %r2, -4`;

/** A key spread over 32 bits, so consecutive iterations hit different hash buckets. */
const spreadKey = (mask: number): string => `
  mov %r1, %r6
  and %r1, ${mask}
  mul32 %r1, 0x9e3779b1
  stxw [%r10-4], %r1
  lddw %r1, map_idx 0
  mov %r2, %r10
  add %r2, -4`;

const fillHash = (name: string, n: number) => (maps: MapSet) => {
  for (let i = 0; i < n; i++) maps.get(name).updateU32(i, i);
};

const BENCHES: readonly MapBench[] = [
  {
    name: 'baseline',
    what: 'stack load (index i & 3) + add: the loop without a map',
    maps: [],
    body: `
  mov %r1, %r6
  and %r1, 3
  lsh %r1, 3
  mov %r2, %r10
  add %r2, -32
  add %r2, %r1
  ldxdw %r1, [%r2+0]
  add %r7, %r1`,
  },
  {
    name: 'array_lookup',
    what: 'map_lookup_elem on an array (64 x u64), load the value',
    maps: [{ name: 'arr', type: 'array', keySize: 4, valueSize: 8, maxEntries: 64 }],
    body: `${keyArgs(63)}
  call 1
  jeq %r0, 0, next
  ldxdw %r1, [%r0+0]
  add %r7, %r1`,
  },
  {
    name: 'hash_lookup',
    what: 'map_lookup_elem hit on a hash (1024 of 1024 u32 keys)',
    maps: [{ name: 'h', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1024 }],
    fill: fillHash('h', 1024),
    body: `${keyArgs(1023)}
  call 1
  jeq %r0, 0, next
  ldxw %r1, [%r0+0]
  add %r7, %r1`,
  },
  {
    name: 'hash_update',
    what: 'map_update_elem BPF_ANY replacing one of 1024 u32 keys',
    maps: [{ name: 'h', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1024 }],
    fill: fillHash('h', 1024),
    body: `${keyArgs(1023)}
  mov %r3, %r10
  add %r3, -4
  mov %r4, 0
  call 2
  add %r7, %r0`,
  },
  {
    name: 'lru_lookup',
    what: 'map_lookup_elem hit on an LRU hash (128 keys, room for 256)',
    maps: [{ name: 'lru', type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 256 }],
    fill: fillHash('lru', 128),
    body: `${keyArgs(127)}
  call 1
  jeq %r0, 0, next
  ldxw %r1, [%r0+0]
  add %r7, %r1`,
  },
  {
    name: 'lru_evict',
    what: 'LRU hash lookup, insert on miss: 1000 keys cycling through 256 slots (evicts)',
    maps: [{ name: 'lru', type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 256 }],
    body: `
  ${spreadKey(4095)}
  call 1
  jne %r0, 0, next
  lddw %r1, map_idx 0
  mov %r2, %r10
  add %r2, -4
  mov %r3, %r10
  add %r3, -4
  mov %r4, 0
  call 2
  add %r7, 1`,
  },
];

interface Prepared {
  readonly memory: VmMemory;
  readonly exe: Record<EngineName, Executable>;
}

function prepare(b: MapBench): Prepared {
  const memory = new VmMemory();
  const maps = createMaps(memory, b.maps);
  b.fill?.(maps);
  const helpers = registerMapHelpers(new HelperRegistry(), maps);
  const program = relocate(
    assembleProgram(loop(b.body)),
    b.maps.map((m) => m.name),
    maps,
  );
  const env = { memory, helpers, budget: 100_000_000 };
  return {
    memory,
    exe: { interp: interpEngine.prepare(program, env), jit: jitEngine.prepare(program, env) },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** ns per loop iteration of one timed sample (enough runs for ~2 ms). */
function sample(exe: Executable, runs: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) exe.run(0, 0);
  return Number(process.hrtime.bigint() - t0) / runs / ITERS;
}

interface MapResult {
  readonly name: string;
  readonly what: string;
  /** Median ns per iteration. */
  readonly interpNs: number;
  readonly jitNs: number;
  /** The same minus the baseline loop's: the map operation alone. */
  readonly interpOpNs: number;
  readonly jitOpNs: number;
  readonly speedup: number;
}

function bench(b: MapBench): { interp: number; jit: number } {
  const p = prepare(b);
  const r0 = { interp: p.exe.interp.run(0, 0), jit: p.exe.jit.run(0, 0) };
  if (b.name !== 'lru_evict' && r0.interp !== r0.jit) {
    throw new Error(`${b.name}: interp r0 ${r0.interp}, jit r0 ${r0.jit}`);
  }
  const runs: Record<EngineName, number> = { interp: 1, jit: 1 };
  for (const engine of ['interp', 'jit'] as const) {
    // Warm up (V8 tiers up the interpreter and the generated code), then size a sample at ~2 ms.
    for (let i = 0; i < 20; i++) p.exe[engine].run(0, 0);
    const ns = sample(p.exe[engine], 5) * ITERS;
    runs[engine] = Math.max(1, Math.round(2e6 / ns));
  }
  const got: Record<EngineName, number[]> = { interp: [], jit: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const engine of ['interp', 'jit'] as const) {
      for (let i = 0; i < SAMPLES; i++) got[engine].push(sample(p.exe[engine], runs[engine]));
    }
  }
  return { interp: median(got.interp), jit: median(got.jit) };
}

const fmt = (x: number, digits = 1): string =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function main(): void {
  console.log(`\nMap operations: ns per loop iteration (median), ${ITERS} iterations per run`);
  const raw = BENCHES.map((b) => ({ b, t: bench(b) }));
  const base = raw[0]?.t ?? { interp: 0, jit: 0 };
  const results: MapResult[] = raw.map(({ b, t }) => ({
    name: b.name,
    what: b.what,
    interpNs: t.interp,
    jitNs: t.jit,
    interpOpNs: b.name === 'baseline' ? t.interp : t.interp - base.interp,
    jitOpNs: b.name === 'baseline' ? t.jit : t.jit - base.jit,
    speedup: t.interp / t.jit,
  }));
  const head = ['program', 'interp ns', 'JIT ns', 'interp op', 'JIT op', 'speedup'];
  const widths = [14, 11, 9, 11, 9, 9];
  const row = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] ?? 0) : c.padStart(widths[i] ?? 0))).join('');
  console.log(row(head));
  for (const r of results) {
    console.log(
      row([
        r.name,
        fmt(r.interpNs),
        fmt(r.jitNs),
        fmt(r.interpOpNs),
        fmt(r.jitOpNs),
        `${fmt(r.speedup)}x`,
      ]),
    );
  }
  console.log('(op = the iteration minus the baseline loop: the map operation alone)');
  const path = new URL('results.json', BENCH_DIR);
  const prev = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as object) : {};
  const maps = {
    date: new Date().toISOString(),
    itersPerRun: ITERS,
    samples: SAMPLES * ROUNDS,
    unit: 'ns per iteration (median); *OpNs = minus the baseline loop',
    programs: results,
  };
  writeFileSync(path, `${JSON.stringify({ ...prev, maps }, null, 2)}\n`);
  console.log(`wrote maps to ${path.pathname}`);
}

main();
