// AOT round trip over the whole corpus: every object compiled ahead of time into one .wasm,
// loaded by the light runtime (AotObject), and every golden case replayed on it. Each case must
// match the kernel's recorded results (as the interpreter and the JIT do in
// test/corpus/golden.test.ts) and give exactly the JIT's outputs run by run: r0, packets, ring
// buffer records, perf samples and map contents. Objects without golden runs (tracing programs)
// are compiled and run on a context in both, and must agree too.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/jit/index.js';
import { compileAot, type AotModule } from '../../src/aot/compile.js';
import { AotObject } from '../../src/aot/object.js';
import { contextLayoutOf } from '../../src/runtime/context/index.js';
import { Vm } from '../../src/vm.js';
import {
  applySetup,
  CORPUS,
  goldenCases,
  missingFor,
  openCase,
  programTypeOf,
  replay,
  REPLAY_HOST,
} from '../corpus/replay.js';

const compiled = new Map<string, AotModule>();

/** Each object compiled once per program type override (as the cases open it). */
function aotOf(object: string, programType: string | undefined): AotModule {
  const key = `${object}:${programType ?? ''}`;
  let m = compiled.get(key);
  if (m === undefined) {
    m = compileAot(readFileSync(join(CORPUS, 'obj', `${object}.o`)), {
      validate: true,
      source: `${object}.o`,
      ...(programType !== undefined ? { programType: programType as never } : {}),
    });
    compiled.set(key, m);
  }
  return m;
}

describe('AOT round trip over the corpus golden runs', () => {
  for (const c of goldenCases()) {
    const label = `${c.golden.object}.${c.golden.program}`;
    const jitObj = openCase(c, 'jit');
    if (missingFor(jitObj, c).length > 0) continue;
    it(label, () => {
      const aot = aotOf(c.golden.object, programTypeOf(c));
      const obj = new AotObject(new WebAssembly.Module(aot.wasm), { host: REPLAY_HOST });
      applySetup(obj, c);
      const ours = replay(obj, c);
      expect(ours.diffs).toEqual([]);
      expect(ours.runs).toBeGreaterThan(0);
      const jit = openCase(c, 'jit');
      applySetup(jit, c);
      expect(ours.outputs).toEqual(replay(jit, c).outputs);
    });
  }
});

describe('AOT round trip: objects without golden runs', () => {
  const withGolden = new Set(goldenCases().map((c) => c.golden.object));
  const others = readdirSync(join(CORPUS, 'obj'))
    .filter((f) => f.endsWith('.o'))
    .map((f) => f.slice(0, -2))
    .filter((name) => !withGolden.has(name));
  it('has some', () => expect(others.length).toBeGreaterThan(0));
  for (const name of others) {
    it(name, () => {
      const bytes = readFileSync(join(CORPUS, 'obj', `${name}.o`));
      const aot = aotOf(name, undefined);
      const obj = new AotObject(new WebAssembly.Module(aot.wasm), { host: REPLAY_HOST });
      const jit = Vm.open(bytes, { engine: 'jit', host: REPLAY_HOST });
      for (const p of obj.programs) {
        // A context with recognisable bytes: the programs read registers/args from it.
        const size = contextLayoutOf(p.type)?.size ?? 0;
        const ctx = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
        const a = obj.run(p.name, { ctx });
        const b = jit.run(p.name, { ctx });
        expect({ r0: a.r0, ctx: a.ctx }).toEqual({ r0: b.r0, ctx: b.ctx });
      }
      for (const map of jit.maps) {
        const theirs = [...map.keys()].map((k) => [k, map.lookupPerCpu(k)]);
        const mine = obj.maps.get(map.name);
        expect([...mine.keys()].map((k) => [k, mine.lookupPerCpu(k)])).toEqual(theirs);
      }
    });
  }
});
