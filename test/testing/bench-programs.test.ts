import { describe, expect, it } from 'vitest';
import { BENCH_PROGRAMS } from '../../bench/programs.js';
import '../../src/jit/index.js';
import { Vm } from '../../src/vm.js';

// The benchmark programs must compute what their JS references say in both engines, or the
// benchmark would time wrong code.
describe('benchmark programs', () => {
  const cases = BENCH_PROGRAMS.flatMap((p) =>
    (['interp', 'jit'] as const).map((engine) => [p.name, engine, p] as const),
  );
  it.each(cases)('%s matches its reference on %s', (_, engine, p) => {
    // Compute kernels with long loops: beyond what a path-walking verifier unrolls (as in Linux).
    const dataCapacity = Math.max(0x10000, p.input().length); // memcpy/memcmp take 2 MiB
    const vm = new Vm({ engine, budget: 50_000_000, verify: false, dataCapacity });
    vm.load(p.source);
    expect(vm.run(p.input()).r0).toBe(p.expected);
    // A second run on a fresh input gives the same answer (the sieve writes its input).
    expect(vm.run(p.input()).r0).toBe(p.expected);
  });
});
