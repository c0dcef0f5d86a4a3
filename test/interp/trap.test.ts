// Bad input and traps: each asserts the error code and the instruction index. Plus budget
// accounting and the trace sink.

import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import type { TraceStep } from '../../src/runtime/engine.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { DATA_BASE, FRAME_SIZE, MAX_FRAMES, frameTop } from '../../src/runtime/layout.js';
import { type Spec, ld, run, trap } from './harness.js';

function expectTrap(err: unknown, code: string, insn: number): void {
  expect(err).toBeInstanceOf(RunError);
  expect((err as RunError).code).toBe(code);
  expect((err as RunError).insn).toBe(insn);
}

const input4 = new Uint8Array([1, 2, 3, 4]);

describe('out-of-region accesses', () => {
  it.each<readonly [string, Spec[], number]>([
    [
      'read just past the input',
      [['MOV64_K', { dst: 0 }], ['LDXW', { dst: 0, src: 1, off: 1 }], ['EXIT']],
      1,
    ],
    ['read of one byte past the input', [['LDXB', { dst: 0, src: 1, off: 4 }], ['EXIT']], 0],
    ['read just before the input', [['LDXB', { dst: 0, src: 1, off: -1 }], ['EXIT']], 0],
    ['write just past the input', [['STXW', { dst: 1, src: 1, off: 2 }], ['EXIT']], 0],
    ['st past the input', [['STDW', { dst: 1, imm: 1, off: 0 }], ['EXIT']], 0],
    [
      'null pointer read',
      [['MOV64_K', { dst: 2, imm: 0 }], ['LDXB', { dst: 0, src: 2 }], ['EXIT']],
      1,
    ],
    ['null pointer write', [['MOV64_K', { dst: 2 }], ['STB', { dst: 2, imm: 1 }], ['EXIT']], 1],
    ['read below the stack', [['LDXDW', { dst: 0, src: 10, off: -FRAME_SIZE - 8 }], ['EXIT']], 0],
    ['write below the stack', [['STB', { dst: 10, off: -FRAME_SIZE - 1, imm: 0 }], ['EXIT']], 0],
    ['read at r10 (one past the frame)', [['LDXB', { dst: 0, src: 10 }], ['EXIT']], 0],
    ['read of a frame that is not live', [['LDXB', { dst: 0, src: 10, off: 8 }], ['EXIT']], 0],
    [
      'address with high bits set',
      [ld(2, 0x1_00000000n + BigInt(DATA_BASE)), ['LDXB', { dst: 0, src: 2 }], ['EXIT']],
      2,
    ],
    [
      'scratch area (helper slots)',
      [['MOV64_K', { dst: 2, imm: 0x1008 }], ['LDXDW', { dst: 0, src: 2 }], ['EXIT']],
      1,
    ],
    ['atomic past the input', [['ATOMIC32_ADD', { dst: 1, src: 2, off: 4 }], ['EXIT']], 0],
    [
      'atomic on a null pointer',
      [['MOV64_K', { dst: 3 }], ['ATOMIC64_CMPXCHG', { dst: 3, src: 2 }], ['EXIT']],
      1,
    ],
    ['ldabs past the packet', [['LDABSW', { imm: 1 }], ['EXIT']], 0],
    ['ldabs at a negative offset', [['LDABSB', { imm: -1 }], ['EXIT']], 0],
    [
      'ldind past the packet',
      [['MOV64_K', { dst: 2, imm: 3 }], ['LDINDH', { src: 2, imm: 0 }], ['EXIT']],
      1,
    ],
  ])('%s', (_what, prog, insn) => {
    expectTrap(trap(prog, { input: input4 }), 'OUT_OF_BOUNDS', insn);
  });

  it('a 64-bit sum that wraps back into 32 bits is a valid address', () => {
    // r2 = input - 2^32... no: r2 = -1 (all ones) with off 1 + input wraps. Use r2 = 2^64 - 8
    // plus off 8 + base via add: the 64-bit value of r2 + off is DATA_BASE.
    const out = run(
      [
        ld(2, BigInt.asUintN(64, BigInt(DATA_BASE) - 8n)),
        ['LDXB', { dst: 0, src: 2, off: 8 }],
        ['EXIT'],
      ],
      { input: input4 },
    );
    expect(out.r0).toBe(1n);
  });

  it('a stack access from a callee into the frame it just returned from is out of bounds', () => {
    const prog: Spec[] = [
      ['CALL_LOCAL', { imm: 2 }], // pc 0 -> pc 3
      ['LDXB', { dst: 0, src: 10, off: 8 }], // frame 1 is gone
      ['EXIT'],
      ['STB', { dst: 10, off: -1, imm: 5 }],
      ['EXIT'],
    ];
    expectTrap(trap(prog), 'OUT_OF_BOUNDS', 1);
  });
});

describe('other traps', () => {
  it('call depth exceeded: a ninth frame', () => {
    const prog: Spec[] = [
      ['MOV64_K', { dst: 1, imm: MAX_FRAMES - 1 }],
      ['CALL_LOCAL', { imm: 1 }],
      ['EXIT'],
      ['JEQ_K', { dst: 1, imm: 0, off: 2 }],
      ['SUB64_K', { dst: 1, imm: 1 }],
      ['CALL_LOCAL', { imm: -3 }], // pc 5 -> pc 3
      ['EXIT'],
    ];
    expectTrap(trap(prog), 'CALL_DEPTH', 5);
  });

  it('unbounded recursion hits the call depth, not the budget', () => {
    expectTrap(trap([['CALL_LOCAL', { imm: -1 }], ['EXIT']]), 'CALL_DEPTH', 0);
  });

  it('budget exhausted in an infinite loop', () => {
    const err = trap(
      [['MOV64_K', { dst: 0 }], ['ADD64_K', { dst: 0, imm: 1 }], ['JA', { off: -2 }], ['EXIT']],
      {
        budget: 100,
      },
    );
    // 100 instructions run: pc 0, 49 times (pc 1, pc 2), pc 1; the 101st, at pc 2, stops.
    expectTrap(err, 'BUDGET_EXHAUSTED', 2);
  });

  it('a program using exactly its budget completes', () => {
    const out = run([['MOV64_K', { dst: 0, imm: 3 }], ['EXIT']], { budget: 2 });
    expect(out.r0).toBe(3n);
    expect(out.executed).toBe(2);
  });

  it('budget 0 stops before the first instruction', () => {
    expectTrap(trap([['EXIT']], { budget: 0 }), 'BUDGET_EXHAUSTED', 0);
  });

  it('unknown helper', () => {
    expectTrap(
      trap([['MOV64_K', { dst: 0 }], ['CALL_HELPER', { imm: 77 }], ['EXIT']]),
      'UNKNOWN_HELPER',
      1,
    );
  });

  it('unknown helper through callx', () => {
    expectTrap(
      trap([['MOV64_K', { dst: 3, imm: 1234 }], ['CALLX', { dst: 3 }], ['EXIT']]),
      'UNKNOWN_HELPER',
      1,
    );
  });

  it('kfunc call is unsupported', () => {
    expectTrap(trap([ld(1, 1n), ['CALL_KFUNC', { imm: 12 }], ['EXIT']]), 'UNSUPPORTED', 2);
  });

  it('a throwing helper becomes HELPER_FAILED at the call', () => {
    const helpers = new HelperRegistry().register(1, () => {
      throw new Error('boom');
    });
    expectTrap(
      trap([['MOV64_K', { dst: 0 }], ['CALL_HELPER', { imm: 1 }], ['EXIT']], { helpers }),
      'HELPER_FAILED',
      1,
    );
  });

  it('falling off the end names the last instruction', () => {
    expectTrap(
      trap([
        ['MOV64_K', { dst: 0 }],
        ['MOV64_K', { dst: 0, imm: 1 }],
      ]),
      'FELL_OFF_END',
      1,
    );
  });

  it('falling off the end after an lddw names the lddw slot', () => {
    expectTrap(trap([['MOV64_K', { dst: 0 }], ld(0, 5n)]), 'FELL_OFF_END', 1);
  });

  it('after a trap the next run starts clean', () => {
    const prog: Spec[] = [['LDXB', { dst: 0, src: 1, off: 0 }], ['EXIT']];
    expectTrap(trap(prog, { input: new Uint8Array(0) }), 'OUT_OF_BOUNDS', 0);
    expect(run(prog, { input: Uint8Array.of(9) }).r0).toBe(9n);
  });
});

describe('executed count and trace', () => {
  it('counts every executed instruction, lddw once', () => {
    const out = run([ld(0, 1n), ['JA', { off: 1 }], ['MOV64_K', { dst: 0, imm: 2 }], ['EXIT']]);
    expect(out.executed).toBe(3);
  });

  it('reports pc, depth and changed registers after each instruction', () => {
    const steps: TraceStep[] = [];
    run(
      [
        ['MOV64_K', { dst: 0, imm: 1 }],
        ['CALL_LOCAL', { imm: 1 }], // pc 1 -> pc 3
        ['EXIT'],
        ['MOV64_K', { dst: 3, imm: 7 }],
        ['MOV64_K', { dst: 3, imm: 7 }],
        ['EXIT'],
      ],
      { trace: (s) => steps.push(s) },
    );
    expect(steps.map((s) => [s.pc, s.depth])).toEqual([
      [0, 0],
      [1, 0],
      [3, 1],
      [4, 1],
      [5, 1],
      [2, 0],
    ]);
    expect([...(steps[0]?.changed ?? [])]).toEqual([[0, 1n]]);
    expect([...(steps[1]?.changed ?? [])]).toEqual([[10, BigInt(frameTop(1))]]);
    expect([...(steps[2]?.changed ?? [])]).toEqual([[3, 7n]]);
    expect(steps[3]?.changed.size).toBe(0);
    expect([...(steps[4]?.changed ?? [])]).toEqual([[10, BigInt(frameTop(0))]]);
  });
});
