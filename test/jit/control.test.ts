// Control flow, calls and run-time traps on the JIT: jumps (JMP32, ja32), loops, bpf-to-bpf
// calls, JS and Wasm helpers, the Relooper fallback for an irreducible graph, and the traps the
// JIT raises itself (budget, call depth, fell off the end, unknown helper), each checked for
// code and instruction index, against the interpreter where both define the same outcome.

import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../src/errors.js';
import { assembleProgram } from '../../src/isa/asm.js';
import { compile } from '../../src/jit/index.js';
import { ARGS_SLOT } from '../../src/runtime/layout.js';
import { Vm } from '../../src/vm.js';
import { both, build, runOn } from './harness.js';

describe('JIT control flow', () => {
  it.each([
    [
      'counting loop',
      'mov %r0, 0\nmov %r1, 100\nloop:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, loop\nexit',
      5050n,
    ],
    [
      'nested loops',
      `
      mov %r0, 0
      mov %r1, 10
    outer:
      mov %r2, 10
    inner:
      add %r0, 1
      sub %r2, 1
      jgt %r2, 0, inner
      sub %r1, 1
      jsgt %r1, 0, outer
      exit`,
      100n,
    ],
    [
      'jmp32 looks at the low half only',
      'lddw %r1, 0x100000005\nmov %r0, 1\njeq32 %r1, 5, +1\nmov %r0, 2\nexit',
      1n,
    ],
    ['ja32 long jump form', 'mov %r0, 1\nja32 +1\nmov %r0, 2\nexit', 1n],
    ['conditional jump of +0 (one successor)', 'mov %r0, 3\njeq %r0, 3, +0\nexit', 3n],
    [
      'diamonds and merges',
      `
      mov %r0, 0
      jeq %r1, 0, a
      add %r0, 1
      ja m
    a:
      add %r0, 2
    m:
      jne %r0, 1, b
      add %r0, 10
    b:
      exit`,
      11n,
    ],
  ])('%s', (_name, asm, want) => {
    const { jit, interp } = both(asm);
    expect(jit.r0).toBe(want);
    expect(interp.r0).toBe(want);
  });

  it('irreducible graph goes through the Relooper and computes the right answer', () => {
    // A loop {B, C} with two entries (from A into B and into C): not reducible.
    const asm = `
      mov %r0, 0
      mov %r3, 7
      jeq %r2, 0, c
    b:
      add %r0, 1
      sub %r3, 1
      jeq %r3, 0, out
    c:
      add %r0, 2
      jgt %r3, 2, b
    out:
      exit`;
    const program = assembleProgram(asm);
    const compiled = compile(program, { validate: true });
    expect(compiled.stats.relooped).toBe(1);
    for (const len of [0, 4]) {
      const input = new Uint8Array(len);
      const { jit, interp } = both(asm, { input });
      expect(jit.r0).toBe(interp.r0);
      expect(jit.r0).toBeGreaterThan(0n);
    }
  });

  it('local calls: r1-r5 in, r0 out, r6-r9 preserved, r1-r5 as the callee left them', () => {
    const asm = `
      mov %r1, 1
      mov %r2, 2
      mov %r6, 6
      mov %r9, 9
      call local f
      lsh %r0, 8
      add %r0, %r1
      lsh %r0, 8
      add %r0, %r6
      lsh %r0, 8
      add %r0, %r9
      exit
    f:
      mov %r0, %r1
      add %r0, %r2
      mov %r1, 0x33
      mov %r6, 0x66
      mov %r9, 0x99
      exit`;
    const { jit, interp } = both(asm);
    expect(jit.r0).toBe(0x03_33_06_09n);
    expect(jit).toEqual(interp);
  });

  it('each local call gets its own stack frame (r10 one frame up)', () => {
    const asm = `
      stdw [%r10-8], 1
      mov %r1, 3
      call local rec
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      exit
    rec:
      stxdw [%r10-8], %r1
      jeq %r1, 0, done
      sub %r1, 1
      call local rec
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      exit
    done:
      mov %r0, 0
      exit`;
    const { jit, interp } = both(asm);
    expect(jit.r0).toBe(7n); // 3+2+1+0 + the caller's 1
    expect(jit).toEqual(interp);
  });
});

describe('JIT traps', () => {
  it('an infinite loop stops with BUDGET_EXHAUSTED at the loop header', () => {
    const asm = 'mov %r0, 0\nloop:\nadd %r0, 1\nja loop';
    expect(runOn('jit', asm, { budget: 10_000 }).trap).toEqual({
      code: 'BUDGET_EXHAUSTED',
      insn: 1,
    });
    expect(runOn('interp', asm, { budget: 10_000 }).trap?.code).toBe('BUDGET_EXHAUSTED');
  });

  it('the budget charge is an upper bound that a loop just within budget passes', () => {
    // 1 + 100 * 3 + 1 instructions.
    const asm = 'mov %r0, 100\nloop:\nsub %r0, 1\njne %r0, 0, loop\nexit';
    expect(runOn('jit', asm, { budget: 400 }).r0).toBe(0n);
    expect(runOn('jit', asm, { budget: 100 }).trap?.code).toBe('BUDGET_EXHAUSTED');
  });

  it('budget changes between runs without a new prepare', () => {
    const vm = new Vm({ engine: 'jit', budget: 50, verify: false });
    vm.load('mov %r0, 100\nloop:\nsub %r0, 1\njne %r0, 0, loop\nexit');
    expect(() => vm.run()).toThrow(expect.objectContaining({ code: 'BUDGET_EXHAUSTED' }));
    vm.budget = 1000;
    expect(vm.run().r0).toBe(0n);
  });

  it('unbounded recursion stops with CALL_DEPTH at the call', () => {
    const asm = 'mov %r0, 0\nf:\ncall local f\nexit';
    const { jit, interp } = both(asm);
    expect(jit.trap).toEqual({ code: 'CALL_DEPTH', insn: 1 });
    expect(interp.trap).toEqual(jit.trap);
  });

  it('running past the last instruction is FELL_OFF_END', () => {
    const { jit, interp } = both('mov %r0, 1\njeq %r0, 1, +1\nexit\nmov %r0, 2');
    expect(jit.trap).toEqual({ code: 'FELL_OFF_END', insn: 3 });
    expect(interp.trap).toEqual(jit.trap);
  });

  it('an unknown helper fails at run time with UNKNOWN_HELPER at the call', () => {
    const { jit, interp } = both('mov %r0, 0\ncall 77\nexit');
    expect(jit.trap).toEqual({ code: 'UNKNOWN_HELPER', insn: 1 });
    expect(interp.trap).toEqual(jit.trap);
  });

  it('kfunc calls are a compile error', () => {
    const program = build([['CALL_KFUNC', { imm: 12 }], ['EXIT']]);
    expect(() => compile(program)).toThrow(CompileError);
    expect(() => compile(program)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', insn: 0 }),
    );
  });
});

describe('JIT helpers', () => {
  it('JS helper: arguments through ARGS_SLOT, r0 back, r1-r5 kept; callx by register', () => {
    const seen: bigint[] = [];
    const helpers = [
      [
        7,
        (call: { arg(i: 1 | 2 | 3 | 4 | 5): bigint }) => {
          for (const i of [1, 2, 3, 4, 5] as const) seen.push(call.arg(i));
          return -2;
        },
      ],
    ] as const;
    const asm = `
      mov %r1, 1
      lddw %r2, 0x8000000000000000
      mov %r3, -1
      mov %r4, 4
      mov %r5, 5
      call 7
      mov %r6, %r0
      mov %r7, 7
      call %r7
      add %r0, %r6
      add %r0, %r1
      add %r0, %r5
      exit`;
    const { jit, interp } = both(asm, { helpers });
    expect(jit.r0).toBe(BigInt.asUintN(64, -4n + 6n));
    expect(jit).toEqual(interp);
    expect(seen.slice(0, 5)).toEqual([1n, 0x8000000000000000n, 0xffff_ffff_ffff_ffffn, 4n, 5n]);
  });

  it('a helper with a Wasm implementation is called directly, with its arguments', async () => {
    const wabt = await wabtInit();
    const vm = new Vm({ engine: 'jit', verify: false });
    const wat = `(module
      (import "env" "memory" (memory 1))
      (func (export "h") (param i64 i64 i64 i64 i64) (result i64)
        (i64.store (i32.const ${ARGS_SLOT + 64}) (i64.const 1))
        (i64.add (i64.mul (local.get 0) (local.get 1)) (local.get 4))))`;
    const bin = wabt.parseWat('h.wat', wat).toBinary({}).buffer as Uint8Array<ArrayBuffer>;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), {
      env: { memory: vm.memory.memory },
    });
    const wasmFn = inst.exports.h as (...a: bigint[]) => bigint;
    let jsCalls = 0;
    vm.helpers.register(
      9,
      (c) => {
        jsCalls++;
        return c.arg(1) * c.arg(2) + c.arg(5);
      },
      'mul_add',
      wasmFn,
    );
    vm.load('mov %r1, 6\nmov %r2, 7\nmov %r5, 100\ncall 9\nexit');
    expect(vm.run().r0).toBe(142n);
    expect(jsCalls).toBe(0);
    expect(vm.memory.view.getBigUint64(ARGS_SLOT + 64, true)).toBe(1n);
  });
});
