// Every benchmark kernel computes its JS reference in every benchmark engine, on the small test
// input and again on what its first run left in memory (the benchmark's runners rely on the
// kernels being idempotent), or the benchmark would time wrong code.

import { describe, expect, it } from 'vitest';
import { BENCH_ENGINES, profile } from '../../bench/engines.js';
import { BENCH_PROGRAMS } from '../../bench/programs.js';

describe('benchmark kernels', () => {
  const cases = BENCH_PROGRAMS.flatMap((p) =>
    BENCH_ENGINES.map((e) => [p.name, e.name, p, e] as const),
  );

  it.each(cases)('%s gives its reference on %s, twice', (_, __, p, engine) => {
    const input = p.input('small');
    const want = p.reference(input);
    const run = engine.prepare(p, input);
    expect(run()).toBe(want);
    expect(run()).toBe(want);
  });

  it.each(BENCH_PROGRAMS.map((p) => [p.name, p] as const))(
    '%s runs through Vm.run and executes a loop',
    (_, p) => {
      const input = p.input('small');
      const { slots, executed } = profile(p, input);
      expect(slots).toBeGreaterThan(0);
      expect(executed).toBeGreaterThan(slots);
    },
  );
});
