import { describe, expect, it } from 'vitest';
import { exec, makeVm, signed } from './helpers-util.js';

/**
 * bpf_loop(nrLoops, callback, &sum on the stack, flags). The callback adds i to the sum,
 * clobbers r6-r9, and returns 1 (stop) when i == stopAt. r0 = loop result * 1000 + sum + r6,
 * with r6 = 100000 set before the call (it must survive the callback).
 */
function loopProgram(
  nrLoops: number | string,
  opts: { stopAt?: number; flags?: number; fnRel?: number } = {},
): string {
  const stop = opts.stopAt ?? -1;
  return `
    mov %r6, 100000
    mov %r7, 0
    stxdw [%r10-8], %r7
    lddw %r1, ${nrLoops}
    lddw %r2, func ${opts.fnRel ?? FN_REL}
    mov %r3, %r10
    add %r3, -8
    mov %r4, ${opts.flags ?? 0}
    call 181
    ldxdw %r1, [%r10-8]
    mul %r0, 1000
    add %r0, %r1
    add %r0, %r6
    exit
    ldxdw %r3, [%r2+0]
    add %r3, %r1
    stxdw [%r2+0], %r3
    mov %r6, 7
    mov %r9, 7
    mov %r0, 0
    jne %r1, ${stop}, +1
    mov %r0, 1
    exit`;
}
// Slots: 0 mov, 1 mov, 2 stx, 3-4 lddw, 5-6 lddw func, 7 mov, 8 add, 9 mov, 10 call, 11 ldx,
// 12 mul, 13 add, 14 add, 15 exit; the callback starts at 16 = 5 + 1 + FN_REL.
const FN_REL = 10;

describe('bpf_loop on the interpreter', () => {
  const run = (
    nr: number | string,
    opts: { stopAt?: number; flags?: number; fnRel?: number } = {},
  ) => exec(makeVm('interp'), loopProgram(nr, { fnRel: FN_REL, ...opts }));

  it('calls the callback nr_loops times with i and the context', () => {
    expect(run(10).r0).toBe(10n * 1000n + 45n + 100000n);
  });

  it('stops when the callback returns 1 and returns the iterations run', () => {
    expect(run(10, { stopAt: 3 }).r0).toBe(4n * 1000n + 6n + 100000n);
    expect(run(10, { stopAt: 0 }).r0).toBe(1n * 1000n + 0n + 100000n);
  });

  it('runs zero times for nr_loops 0', () => {
    expect(run(0).r0).toBe(100000n);
  });

  it('takes nr_loops as a u32', () => {
    expect(run('0x100000003').r0).toBe(3n * 1000n + 3n + 100000n);
  });

  it('is -EINVAL for non-zero flags and -E2BIG above BPF_MAX_LOOPS, without calling back', () => {
    const einval = run(5, { flags: 1 });
    expect(signed(einval.r0!)).toBe(-22n * 1000n + 100000n);
    const e2big = run(8 * 1024 * 1024 + 1);
    expect(signed(e2big.r0!)).toBe(-7n * 1000n + 100000n);
  });

  it('counts the callback instructions against the run', () => {
    const once = run(1).executed;
    const ten = run(10).executed;
    expect(ten - once).toBe(9 * 8);
    const vm = makeVm('interp');
    vm.budget = once + 8 * 3;
    vm.load(loopProgram(100, { fnRel: FN_REL }));
    expect(() => vm.run()).toThrow(expect.objectContaining({ code: 'BUDGET_EXHAUSTED' }));
  });

  it('rejects a callback that is not a subprogram entry', () => {
    // A plain number, not a function pointer: slot 4 is inside the main program.
    const prog = `
      mov %r1, 2
      mov %r2, 4
      mov %r3, 0
      mov %r4, 0
      call 181
      exit`;
    expect(exec(makeVm('interp'), prog).trap).toEqual({ code: 'BAD_CALLBACK', insn: 4 });
    expect(
      exec(makeVm('interp'), prog.replace('mov %r2, 4', 'lddw %r2, 0x100000000')).trap,
    ).toEqual({
      code: 'BAD_CALLBACK',
      insn: 5,
    });
  });

  it('traps at the call when the callback traps, with the callback insn', () => {
    const prog = `
      mov %r1, 2
      lddw %r2, func 5
      mov %r3, 0
      mov %r4, 0
      call 181
      exit
      ldxdw %r0, [%r2+0]
      exit`;
    // r3 (ctx) = NULL: the callback's load at slot 7 faults.
    expect(exec(makeVm('interp'), prog).trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 7 });
  });

  it('counts the callback frame against the call depth', () => {
    // The callback (slot 7) calls bpf_loop on itself: frame 8 would be the ninth.
    const prog = `
      mov %r1, 1
      lddw %r2, func 5
      mov %r3, 0
      mov %r4, 0
      call 181
      exit
      mov %r1, 1
      lddw %r2, func -2
      mov %r3, 0
      mov %r4, 0
      call 181
      exit`;
    expect(exec(makeVm('interp'), prog).trap).toEqual({ code: 'CALL_DEPTH', insn: 12 });
  });
});

describe('bpf_loop on the JIT', () => {
  // The JIT calls callbacks too (test/jit/callback.test.ts has the details): same results.
  it.each([0, 1, 10])('agrees with the interpreter for nr_loops %i', (nr) => {
    const jit = exec(makeVm('jit'), loopProgram(nr, { fnRel: FN_REL }));
    const interp = exec(makeVm('interp'), loopProgram(nr, { fnRel: FN_REL }));
    expect(jit.r0).toBe(BigInt(nr * 1000 + (nr * (nr - 1)) / 2 + 100000));
    expect(jit.r0).toBe(interp.r0);
    expect(jit.output).toEqual(interp.output);
  });
});
