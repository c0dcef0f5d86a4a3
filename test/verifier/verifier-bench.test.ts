// The verification benchmark's programs (bench/verify.ts measures their verification time at 1k,
// 10k and 100k instructions): here only that they are accepted and how much the walk processes,
// since timing belongs in the benchmark, not in a test.

import { describe, expect, it } from 'vitest';
import { verifyBenchProgram } from '../../bench/programs.js';
import { assembleProgram } from '../../src/isa/index.js';
import { verify } from '../../src/verifier/index.js';

describe('verification benchmark programs', () => {
  it.each([1_000, 10_000])('%i instructions verify, pruning each diamond', (n) => {
    const prog = assembleProgram(verifyBenchProgram(n));
    const r = verify(prog, { progType: 'xdp' });
    expect(r.ok, r.log).toBe(true);
    // Each 8-instruction block walks both paths of its diamond once: the join is pruned.
    expect(r.insnsProcessed).toBeLessThan(prog.slots * 2);
  });
});
