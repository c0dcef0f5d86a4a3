// The corpus against the kernel: every program with a golden file (corpus/golden/*.json,
// recorded on Linux 6.18) replayed on our runtime, in the interpreter and then, on a fresh
// object, in the JIT: r0 (low 32 bits, as the kernel reports it), output packets, ring buffer
// records, perf samples and the maps after the runs must match. A case whose programs call a
// helper nobody registers is listed as skipped with the helper's name (computed from the
// program, not from a list), never passed silently. The counts per engine are printed at the end.

import { afterAll, describe, expect, it } from 'vitest';
import '../../src/jit/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { applySetup, goldenCases, missingFor, openCase, replay } from './replay.js';

const ENGINES: readonly EngineName[] = ['interp', 'jit'];
const cases = goldenCases();
const passed: Record<EngineName, string[]> = { interp: [], jit: [] };
const skipped: string[] = [];

describe.each(ENGINES)('corpus golden runs (%s)', (engine) => {
  for (const c of cases) {
    const label = `${c.golden.object}.${c.golden.program}`;
    const missing = missingFor(openCase(c, engine), c);
    if (missing.length > 0) {
      const names = missing.map((m) => `${m.name} (${m.id})`).join(', ');
      if (engine === 'interp') skipped.push(`${label}: ${names}`);
      it.skip(`${label} (needs helper ${names})`, () => undefined);
      continue;
    }
    it(label, () => {
      const obj = openCase(c, engine);
      applySetup(obj, c);
      const { runs, diffs } = replay(obj, c);
      // Both engines call bpf_loop callbacks, so every engine runs every case.
      expect(diffs).toEqual([]);
      expect(runs).toBeGreaterThan(0);
      passed[engine].push(label);
    });
  }
});

afterAll(() => {
  const total = cases.length;
  console.log(
    `corpus golden: interp ${passed.interp.length}/${total}, jit ${passed.jit.length}/${total} passed; ` +
      `${skipped.length} skipped for missing helpers${skipped.length > 0 ? `:\n  ${skipped.join('\n  ')}` : ''}`,
  );
});
