// Verification time at 1k, 10k and 100k instructions: a program of repeated blocks, each a
// context load, a diamond (two paths joining, the join pruned) and a stack spill and fill.
// Prints the times; 10k instructions must verify well under a second.

import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/isa/index.js';
import { verify } from '../../src/verifier/index.js';

const BLOCK = `
  ldxw %r2, [%r1+12]
  and %r2, 15
  jgt %r2, 7, +2
  add %r2, 1
  ja +1
  mov %r2, 3
  stxdw [%r10-8], %r2
  ldxdw %r0, [%r10-8]`;

function program(insns: number): string {
  return `${BLOCK.repeat(Math.floor((insns - 2) / 8))}\nmov %r0, 0\nexit`;
}

function timeOf(insns: number): { ms: number; processed: number; slots: number } {
  const prog = assembleProgram(program(insns));
  verify(prog, { progType: 'xdp' }); // warm up the JIT
  const t = performance.now();
  const r = verify(prog, { progType: 'xdp' });
  const ms = performance.now() - t;
  expect(r.ok, r.log).toBe(true);
  return { ms, processed: r.insnsProcessed, slots: prog.slots };
}

describe('verification time', () => {
  it.each([1_000, 10_000, 100_000])('%i instructions', (n) => {
    const { ms, processed, slots } = timeOf(n);
    console.log(`verify ${slots} insns: ${ms.toFixed(1)} ms (${processed} processed)`);
    if (n === 10_000) expect(ms).toBeLessThan(1000);
  });
});
