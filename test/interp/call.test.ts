// Local calls (frames, callee-saved r6-r9, r10 per frame, nesting up to 8 frames) and helper
// calls (call imm, callx, arguments through ARGS_SLOT, r1-r5 kept, user-registered helpers).

import { describe, expect, it } from 'vitest';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { FRAME_SIZE, MAX_FRAMES, frameTop } from '../../src/runtime/layout.js';
import { type Spec, U64, ld, run } from './harness.js';

describe('local calls', () => {
  it('preserve r6-r9 across the call and return r0', () => {
    const out = run([
      ['MOV64_K', { dst: 6, imm: 1 }],
      ['MOV64_K', { dst: 7, imm: 2 }],
      ['MOV64_K', { dst: 8, imm: 3 }],
      ['MOV64_K', { dst: 9, imm: 4 }],
      ['CALL_LOCAL', { imm: 6 }], // pc 4 -> pc 11
      ['ADD64_X', { dst: 0, src: 6 }],
      ['ADD64_X', { dst: 0, src: 7 }],
      ['ADD64_X', { dst: 0, src: 8 }],
      ['ADD64_X', { dst: 0, src: 9 }],
      ['ADD64_X', { dst: 0, src: 1 }], // r1 is not callee-saved: the callee's value shows
      ['EXIT'],
      // pc 11: the callee clobbers r1 and r6-r9
      ['MOV64_K', { dst: 6, imm: 100 }],
      ['MOV64_K', { dst: 7, imm: 100 }],
      ['MOV64_K', { dst: 8, imm: 100 }],
      ['MOV64_K', { dst: 9, imm: 100 }],
      ['MOV64_K', { dst: 1, imm: 1000 }],
      ['MOV64_K', { dst: 0, imm: 10 }],
      ['EXIT'],
    ]);
    expect(out.r0).toBe(10n + 1n + 2n + 3n + 4n + 1000n);
  });

  it('give each frame its own r10 and restore the caller r10', () => {
    const out = run([
      ['STW', { dst: 10, off: -4, imm: 7 }],
      ['MOV64_X', { dst: 6, src: 10 }],
      ['CALL_LOCAL', { imm: 4 }], // pc 2 -> pc 7
      ['LDXW', { dst: 0, src: 10, off: -4 }], // still 7: the callee wrote its own frame
      ['SUB64_X', { dst: 6, src: 10 }], // r10 restored: difference 0
      ['ADD64_X', { dst: 0, src: 6 }],
      ['EXIT'],
      // pc 7: callee
      ['STW', { dst: 10, off: -4, imm: 99 }],
      ['MOV64_X', { dst: 0, src: 10 }],
      ['EXIT'],
    ]);
    expect(out.r0).toBe(7n);
  });

  it('callee r10 is the top of frame 1 and can read the caller frame below it', () => {
    const out = run([
      ['STW', { dst: 10, off: -4, imm: 42 }],
      ['CALL_LOCAL', { imm: 1 }], // pc 1 -> pc 3
      ['EXIT'],
      ['MOV64_X', { dst: 0, src: 10 }],
      ['LDXW', { dst: 2, src: 10, off: -FRAME_SIZE - 4 }], // frames are stacked upwards
      ['LSH64_K', { dst: 0, imm: 8 }],
      ['ADD64_X', { dst: 0, src: 2 }],
      ['EXIT'],
    ]);
    expect(out.r0).toBe((BigInt(frameTop(1)) << 8n) + 42n);
  });

  // main: r1 = n; call f. f: r0 += 1; if r1 == 0 return; r1 -= 1; call f; return.
  const recurse = (n: number): Spec[] => [
    ['MOV64_K', { dst: 1, imm: n }],
    ['CALL_LOCAL', { imm: 1 }], // pc 1 -> pc 3
    ['EXIT'],
    ['ADD64_K', { dst: 0, imm: 1 }],
    ['JEQ_K', { dst: 1, imm: 0, off: 2 }],
    ['SUB64_K', { dst: 1, imm: 1 }],
    ['CALL_LOCAL', { imm: -4 }], // pc 6 -> pc 3
    ['EXIT'],
  ];

  it('nest up to MAX_FRAMES frames', () => {
    expect(run(recurse(MAX_FRAMES - 2)).r0).toBe(BigInt(MAX_FRAMES - 1));
  });

  it('the deepest frame can use its whole stack', () => {
    const deep: Spec[] = [
      ['MOV64_K', { dst: 1, imm: MAX_FRAMES - 2 }],
      ['CALL_LOCAL', { imm: 1 }],
      ['EXIT'],
      ['JEQ_K', { dst: 1, imm: 0, off: 3 }], // pc 3 -> pc 7
      ['SUB64_K', { dst: 1, imm: 1 }],
      ['CALL_LOCAL', { imm: -3 }], // pc 5 -> pc 3
      ['EXIT'],
      ['STB', { dst: 10, off: -FRAME_SIZE, imm: 1 }],
      ['LDXB', { dst: 0, src: 10, off: -FRAME_SIZE }],
      ['EXIT'],
    ];
    expect(run(deep).r0).toBe(1n);
  });
});

describe('helper calls', () => {
  it('pass r1-r5 through ARGS_SLOT, return r0 and keep r1-r5', () => {
    const helpers = new HelperRegistry();
    const seen: bigint[] = [];
    helpers.register(
      1,
      (c) => {
        seen.push(c.arg(1), c.arg(2), c.arg(3), c.arg(4), c.arg(5));
        return c.arg(1) + c.arg(5);
      },
      'sum',
    );
    const out = run(
      [
        ld(1, 0x1_00000001n),
        ld(2, U64(-2n)),
        ['MOV64_K', { dst: 3, imm: 3 }],
        ['MOV64_K', { dst: 4, imm: 4 }],
        ['MOV64_K', { dst: 5, imm: 5 }],
        ['CALL_HELPER', { imm: 1 }],
        ['ADD64_X', { dst: 0, src: 2 }],
        ['ADD64_X', { dst: 0, src: 3 }],
        ['ADD64_X', { dst: 0, src: 4 }],
        ['ADD64_X', { dst: 0, src: 5 }],
        ['EXIT'],
      ],
      { helpers },
    );
    expect(seen).toEqual([0x1_00000001n, U64(-2n), 3n, 4n, 5n]);
    expect(out.r0).toBe(0x1_00000006n - 2n + 3n + 4n + 5n);
  });

  it.each([
    ['a negative number', -1, U64(-1n)],
    ['a bigint above 2^64', (1n << 64n) + 5n, 5n],
    ['a number', 0x1234, 0x1234n],
  ] as const)('helper returning %s gives r0 modulo 2^64', (_what, ret, expected) => {
    const helpers = new HelperRegistry().register(9, () => ret);
    expect(run([['CALL_HELPER', { imm: 9 }], ['EXIT']], { helpers }).r0).toBe(expected);
  });

  it('callx takes the helper id from the low 32 bits of dst', () => {
    const helpers = new HelperRegistry().register(5, (c) => c.arg(1) * 2n).register(6, () => 666);
    const out = run(
      [['MOV64_K', { dst: 1, imm: 21 }], ld(2, 0x7_00000005n), ['CALLX', { dst: 2 }], ['EXIT']],
      { helpers },
    );
    expect(out.r0).toBe(42n);
  });

  it('a helper may write VM memory through the pointer it was given', () => {
    const helpers = new HelperRegistry().register(
      2,
      (c) => {
        c.memory.write(c.u32(1), Uint8Array.of(0xaa, 0xbb), c.pc);
        return 0;
      },
      'poke',
    );
    const out = run([['CALL_HELPER', { imm: 2 }], ['LDXH', { dst: 0, src: 1, off: 0 }], ['EXIT']], {
      helpers,
      input: new Uint8Array(4),
    });
    expect(out.r0).toBe(0xbbaan);
    expect([...out.output]).toEqual([0xaa, 0xbb, 0, 0]);
  });

  it('helpers are called from inside local calls too', () => {
    const helpers = new HelperRegistry().register(3, (c) => c.arg(1) + 1n);
    const out = run(
      [
        ['MOV64_K', { dst: 1, imm: 1 }],
        ['CALL_LOCAL', { imm: 1 }],
        ['EXIT'],
        ['CALL_HELPER', { imm: 3 }],
        ['MOV64_X', { dst: 1, src: 0 }],
        ['CALL_HELPER', { imm: 3 }],
        ['EXIT'],
      ],
      { helpers },
    );
    expect(out.r0).toBe(3n);
  });
});
