// The corpus programs with their real workload: every program that has kernel-recorded golden
// runs (corpus/golden/*.json) runs over its sample packets, in order and round after round, on an
// object set up as the kernel tool set it up (corpus/src/*.setup.json), in each engine: the
// interpreter and the JIT (Vm.open) and the AOT module (compileAot + the light runtime's
// AotObject). One "run" is one packet through `obj.run` (context set-up, run, tail calls, output
// packet), the API a host calls. Results are checked against the kernel's r0 on the first pass.
// Medians of benchmark.js samples, engines measured side by side in alternating rounds. Merges
// `{ corpus: ... }` into bench/results.json.
//
// Environment: BENCH_MAX_TIME (seconds per measurement, default 0.25), BENCH_ROUNDS (default 2),
// BENCH_CORPUS (comma-separated `object.program` names to run, default all).

import Benchmark from 'benchmark';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileAot } from '../src/aot/compile.js';
import { AotObject } from '../src/aot/object.js';
import {
  applySetup,
  goldensOf,
  type Golden,
  samplePackets,
  type SamplePacket,
  setupOf,
  setupType,
} from '../src/cli/demo-corpus.js';
import '../src/jit/index.js';
import type { ObjectRuntime } from '../src/runtime/object/index.js';
import { Vm } from '../src/vm.js';
import { BENCH_DIR } from './programs.js';

const MAX_TIME = Number(process.env.BENCH_MAX_TIME ?? 0.25);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ONLY = process.env.BENCH_CORPUS?.split(',').filter((s) => s !== '');
const CORPUS = new URL('../corpus/', BENCH_DIR).pathname;
const ENGINES = ['interp', 'jit', 'aot'] as const;
type Engine = (typeof ENGINES)[number];
/** Deterministic helpers: nothing in the corpus workloads depends on time or randomness. */
const HOST = { seed: 1, printk: (): undefined => undefined, clock: (): bigint => 0n };

interface Case {
  readonly stem: string;
  readonly golden: Golden;
  readonly packets: readonly SamplePacket[];
}

function cases(): Case[] {
  const stems = readdirSync(join(CORPUS, 'obj'))
    .filter((f) => f.endsWith('.o'))
    .map((f) => f.slice(0, -2))
    .sort();
  const out: Case[] = [];
  for (const stem of stems) {
    const setup = setupOf(stem, CORPUS);
    for (const golden of goldensOf(stem, CORPUS)) {
      if (ONLY !== undefined && !ONLY.includes(`${stem}.${golden.program}`)) continue;
      // Runs the kernel refused (it never ran the program) are left out of the workload.
      const packets = samplePackets(golden, setup).filter((p) => p.kernelR0 !== undefined);
      if (packets.length > 0) out.push({ stem, golden, packets });
    }
  }
  return out;
}

function open(c: Case, engine: Engine): ObjectRuntime {
  const setup = setupOf(c.stem, CORPUS);
  const type = setupType(setup);
  const bytes = readFileSync(join(CORPUS, 'obj', `${c.stem}.o`));
  let obj: ObjectRuntime;
  if (engine === 'aot') {
    const aot = compileAot(bytes, { ...(type !== undefined ? { programType: type } : {}) });
    obj = new AotObject(new WebAssembly.Module(aot.wasm), { host: HOST });
  } else {
    obj = Vm.open(bytes, {
      engine,
      host: HOST,
      ...(type !== undefined ? { programType: type } : {}),
    });
  }
  applySetup(obj, setup, c.golden.program);
  return obj;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Row {
  readonly name: string;
  readonly type: string;
  readonly packets: number;
  readonly nsPerPacket: Record<Engine, number>;
}

function benchCase(c: Case): Row {
  const program = c.golden.program;
  const runners = {} as Record<Engine, () => void>;
  for (const engine of ENGINES) {
    // Correctness first, on a fresh object: the kernel's r0 for every packet, in order.
    const check = open(c, engine);
    c.packets.forEach((p, i) => {
      const r = check.run(program, p.input).retval;
      if (r !== p.kernelR0) {
        throw new Error(
          `${c.stem}.${program} ${engine} packet ${i}: r0 ${r}, kernel ${p.kernelR0}`,
        );
      }
    });
    const obj = open(c, engine);
    let i = 0;
    const n = c.packets.length;
    runners[engine] = () => {
      obj.run(program, (c.packets[i] as SamplePacket).input);
      i = i + 1 === n ? 0 : i + 1;
    };
    for (let k = 0; k < 50; k++) runners[engine]();
  }
  const samples = { interp: [], jit: [], aot: [] } as Record<Engine, number[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const engine of ENGINES) {
      const b = new Benchmark(`${c.stem}.${program}/${engine}`, runners[engine], {
        maxTime: MAX_TIME,
        minSamples: 10,
      });
      b.run();
      if (b.error !== undefined) throw b.error;
      samples[engine].push(...(b.stats.sample as number[]));
    }
  }
  const ns = (e: Engine): number => median(samples[e]) * 1e9;
  return {
    name: `${c.stem}.${program}`,
    type: c.golden.type,
    packets: c.packets.length,
    nsPerPacket: { interp: ns('interp'), jit: ns('jit'), aot: ns('aot') },
  };
}

function main(): void {
  const all = cases();
  console.log(
    `\nCorpus programs on their golden packets (${all.length} programs), median ns per packet ` +
      `through obj.run, ${MAX_TIME} s x ${ROUNDS} rounds per engine:`,
  );
  const pad = (s: string, n: number): string => s.padStart(n);
  const fmt = (x: number, d = 0): string =>
    x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `${'program'.padEnd(34)}${pad('pkts', 5)}${pad('interp ns', 11)}${pad('jit ns', 10)}` +
      `${pad('aot ns', 10)}${pad('jit/interp', 11)}${pad('aot/interp', 11)}`,
  );
  const rows: Row[] = [];
  for (const c of all) {
    const r = benchCase(c);
    rows.push(r);
    const { interp, jit, aot } = r.nsPerPacket;
    console.log(
      `${r.name.padEnd(34)}${pad(String(r.packets), 5)}${pad(fmt(interp), 11)}${pad(fmt(jit), 10)}` +
        `${pad(fmt(aot), 10)}${pad(`${fmt(interp / jit, 1)}x`, 11)}${pad(`${fmt(interp / aot, 1)}x`, 11)}`,
    );
  }
  const geo = (f: (r: Row) => number): number =>
    Math.exp(rows.reduce((s, r) => s + Math.log(f(r)), 0) / Math.max(1, rows.length));
  const jitSpeedup = geo((r) => r.nsPerPacket.interp / r.nsPerPacket.jit);
  const aotSpeedup = geo((r) => r.nsPerPacket.interp / r.nsPerPacket.aot);
  console.log(
    `geometric mean speedup over interp: jit ${fmt(jitSpeedup, 2)}x, aot ${fmt(aotSpeedup, 2)}x`,
  );

  const resultsUrl = new URL('results.json', BENCH_DIR);
  const results = existsSync(resultsUrl)
    ? (JSON.parse(readFileSync(resultsUrl, 'utf8')) as Record<string, unknown>)
    : {};
  results.corpus = {
    date: new Date().toISOString(),
    settings: { maxTimeSeconds: MAX_TIME, rounds: ROUNDS },
    programs: rows,
    geomeanSpeedup: { jit: jitSpeedup, aot: aotSpeedup },
  };
  writeFileSync(resultsUrl, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`merged "corpus" into ${resultsUrl.pathname}`);
}

main();
