// The Vm API: loading bytecode, Programs and assembly; running with input and output; helpers;
// budget; tracing; the engine registry.

import { describe, expect, it } from 'vitest';
import { AsmError, BpfError, DecodeError, RunError, VerifyError } from '../src/errors.js';
import { Code, encode, makeInsn, programOf } from '../src/isa/index.js';
import { interpEngine } from '../src/interp/index.js';
import type { Engine } from '../src/runtime/engine.js';
import { DATA_BASE, DEFAULT_DATA_CAPACITY } from '../src/runtime/layout.js';
import { DEFAULT_BUDGET, Vm, engineNames, registerEngine } from '../src/vm.js';

const RET_LEN = `
  mov %r0, %r2
  exit
`;

function codeOf(err: unknown): [string, number | undefined] {
  expect(err).toBeInstanceOf(BpfError);
  return [(err as BpfError).code, (err as BpfError).insn];
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('Vm.load', () => {
  it('takes assembly text', () => {
    expect(new Vm().load(RET_LEN).run(new Uint8Array(3)).r0).toBe(3n);
  });

  it('takes raw bytecode and decodes it strictly', () => {
    const bytes = encode([makeInsn(Code.MOV64_K, 0, { dst: 0, imm: -5 }), makeInsn(Code.EXIT, 1)]);
    const res = new Vm().load(bytes).run();
    expect(res.r0).toBe(BigInt.asUintN(64, -5n));
    expect(res.r0Signed).toBe(-5n);
    const bad = Uint8Array.from([...bytes.subarray(0, 8), 0xff, 0, 0, 0, 0, 0, 0, 0]);
    expect(codeOf(thrown(() => new Vm().load(bad)))).toEqual(['UNKNOWN_OPCODE', 1]);
    expect(thrown(() => new Vm().load(bad))).toBeInstanceOf(DecodeError);
  });

  it('takes a decoded Program and checks its jump targets', () => {
    const good = programOf([makeInsn(Code.MOV64_K, 0, { imm: 9 }), makeInsn(Code.EXIT, 1)]);
    expect(new Vm().load(good).run().r0).toBe(9n);
    const bad = programOf([makeInsn(Code.JA, 0, { off: 5 }), makeInsn(Code.EXIT, 1)]);
    expect(codeOf(thrown(() => new Vm().load(bad)))).toEqual(['JUMP_OUT_OF_RANGE', 0]);
  });

  it('reports assembly errors as AsmError', () => {
    expect(thrown(() => new Vm().load('frobnicate %r0\nexit\n'))).toBeInstanceOf(AsmError);
  });

  it('exposes the loaded program and keeps the old one when a load fails', () => {
    const vm = new Vm();
    expect(vm.program).toBeUndefined();
    vm.load(RET_LEN);
    const first = vm.program;
    expect(first?.insns.length).toBe(2);
    expect(() => vm.load(new Uint8Array(7))).toThrow(DecodeError);
    expect(vm.program).toBe(first);
    expect(vm.run(new Uint8Array(4)).r0).toBe(4n);
  });
});

describe('Vm.run', () => {
  it('passes r1 = input address and r2 = length, returns the input region as output', () => {
    const vm = new Vm().load(`
      mov %r0, %r1
      ldxb %r3, [%r1+1]
      add %r3, 1
      stxb [%r1+1], %r3
      exit
    `);
    const input = Uint8Array.of(10, 20, 30);
    const res = vm.run(input);
    expect(res.r0).toBe(BigInt(DATA_BASE));
    expect([...res.output]).toEqual([10, 21, 30]);
    expect([...input]).toEqual([10, 20, 30]); // the caller's buffer is a copy source only
    expect(res.executed).toBe(5);
    expect(res.engine).toBe('interp');
  });

  it('runs with no input', () => {
    const res = new Vm().load(RET_LEN).run();
    expect(res.r0).toBe(0n);
    expect(res.output.length).toBe(0);
  });

  it('starts every run with a clean stack (unverified: it reads uninitialised stack)', () => {
    const vm = new Vm({ verify: false }).load(`
      ldxdw %r0, [%r10-8]
      stdw [%r10-8], 77
      exit
    `);
    expect(vm.run().r0).toBe(0n);
    expect(vm.run().r0).toBe(0n);
  });

  it('without a program is NOT_LOADED', () => {
    expect(codeOf(thrown(() => new Vm().run()))).toEqual(['NOT_LOADED', undefined]);
  });

  it('refuses an input beyond the data capacity (maps live after the data area)', () => {
    const vm = new Vm({ dataCapacity: 16 }).load('mov %r0, %r2\nexit\n');
    expect(vm.run(new Uint8Array(16)).r0).toBe(16n);
    expect(() => vm.run(new Uint8Array(17))).toThrow(
      expect.objectContaining({ code: 'INPUT_TOO_LARGE' }),
    );
  });

  it('takes inputs as large as a configured data capacity', () => {
    const vm = new Vm({ dataCapacity: 70001 }).load(`
      mov %r0, %r2
      add %r1, 70000
      ldxb %r3, [%r1+0]
      add %r0, %r3
      exit
    `);
    const input = new Uint8Array(70001);
    input[70000] = 5;
    expect(vm.run(input).r0).toBe(70006n);
  });

  it('traps as RunError with the instruction index (unverified)', () => {
    const vm = new Vm({ verify: false }).load('mov %r0, 0\nldxw %r0, [%r1+0]\nexit\n');
    const err = thrown(() => vm.run(new Uint8Array(2)));
    expect(err).toBeInstanceOf(RunError);
    expect(codeOf(err)).toEqual(['OUT_OF_BOUNDS', 1]);
  });
});

describe('Vm helpers', () => {
  it('registerHelper chains and the program calls it by id', () => {
    const vm = new Vm()
      .registerHelper(1, (c) => c.arg(1) * 3n, 'triple')
      .load('mov %r1, 14\ncall 1\nexit\n');
    expect(vm.run().r0).toBe(42n);
    expect(vm.helpers.get(1)?.name).toBe('triple');
  });

  it('a helper registered after load is used by the next run', () => {
    const vm = new Vm().load('call 7\nexit\n');
    expect(codeOf(thrown(() => vm.run()))).toEqual(['VERIFY_UNKNOWN_HELPER', 0]);
    vm.registerHelper(7, () => 70);
    expect(vm.run().r0).toBe(70n);
  });
});

describe('Vm budget', () => {
  it('defaults to 1_000_000', () => {
    expect(new Vm().budget).toBe(DEFAULT_BUDGET);
    expect(DEFAULT_BUDGET).toBe(1_000_000);
    expect(codeOf(thrown(() => new Vm({ verify: false }).load('ja -1\nexit\n').run()))).toEqual([
      'BUDGET_EXHAUSTED',
      0,
    ]);
  });

  it('is set by the option and by the setter', () => {
    const vm = new Vm({ budget: 3, verify: false }).load(
      'mov %r0, 1\nmov %r0, 2\nmov %r0, 3\nexit\n',
    );
    expect(codeOf(thrown(() => vm.run()))).toEqual(['BUDGET_EXHAUSTED', 3]);
    vm.budget = 4;
    expect(vm.run().r0).toBe(3n);
    expect(codeOf(thrown(() => new Vm({ budget: -1 })))).toEqual(['BAD_INPUT', undefined]);
  });
});

describe('Vm trace', () => {
  it('calls the sink for each instruction of that run only', () => {
    const vm = new Vm().load('mov %r0, 1\nadd %r0, 2\nexit\n');
    const pcs: number[] = [];
    vm.run(undefined, { trace: (s) => pcs.push(s.pc) });
    expect(pcs).toEqual([0, 1, 2]);
    vm.run();
    expect(pcs).toEqual([0, 1, 2]);
  });
});

describe('engines', () => {
  it('the interpreter is registered; an unregistered JIT is UNSUPPORTED', () => {
    expect(engineNames()).toContain('interp');
    expect(new Vm().engine).toBe('interp');
    if (!engineNames().includes('jit')) {
      expect(codeOf(thrown(() => new Vm({ engine: 'jit' })))).toEqual(['UNSUPPORTED', undefined]);
      expect(codeOf(thrown(() => new Vm().setEngine('jit')))).toEqual(['UNSUPPORTED', undefined]);
    }
  });

  it('registerEngine makes a name available; setEngine and registerHelper re-prepare', () => {
    // A stand-in 'jit' that runs the interpreter and counts how often it prepares.
    let prepares = 0;
    const fake: Engine = {
      name: 'jit',
      prepare(program, env) {
        prepares++;
        return interpEngine.prepare(program, env);
      },
    };
    registerEngine(fake);
    expect(engineNames()).toContain('jit');

    const vm = new Vm({ memSize: 0 }).load(RET_LEN); // memSize: verified and prepared at load
    vm.setEngine('jit');
    expect(vm.engine).toBe('jit');
    expect(prepares).toBe(1);
    const res = vm.run(new Uint8Array(6));
    expect(res.r0).toBe(6n);
    expect(res.engine).toBe('jit');
    vm.registerHelper(3, () => 0); // a compiling engine must see new helpers: prepared again
    vm.run();
    expect(prepares).toBe(2);
    expect(codeOf(thrown(() => vm.run(undefined, { trace: () => undefined })))).toEqual([
      'UNSUPPORTED',
      undefined,
    ]);
    vm.setEngine('interp');
    expect(vm.run(new Uint8Array(2)).engine).toBe('interp');
    expect(new Vm({ engine: 'jit', dataCapacity: DEFAULT_DATA_CAPACITY }).engine).toBe('jit');
  });
});

describe('Vm verification', () => {
  it('verifies on the first run for that input length, before compiling', () => {
    const vm = new Vm().load('ldxw %r0, [%r1+0]\nexit\n');
    expect(vm.run(new Uint8Array([1, 0, 0, 0])).r0).toBe(1n);
    const err = thrown(() => vm.run(new Uint8Array(2)));
    expect(err).toBeInstanceOf(VerifyError);
    expect(codeOf(err)).toEqual(['VERIFY_OUT_OF_BOUNDS', 0]);
    expect((err as VerifyError).report).toContain('ldxw');
  });

  it('verifies at load when memSize is given, and refuses shorter inputs', () => {
    expect(codeOf(thrown(() => new Vm({ memSize: 2 }).load('ldxw %r0, [%r1+0]\nexit\n')))).toEqual([
      'VERIFY_OUT_OF_BOUNDS',
      0,
    ]);
    const vm = new Vm({ memSize: 4 }).load('ldxw %r0, [%r1+0]\nexit\n');
    expect(vm.run(new Uint8Array([7, 0, 0, 0, 9])).r0).toBe(7n);
    expect(codeOf(thrown(() => vm.run(new Uint8Array(3))))).toEqual(['BAD_INPUT', undefined]);
  });

  it('refuses an infinite loop before running it; verify: false runs it to the budget', () => {
    expect(codeOf(thrown(() => new Vm().load('ja -1\nexit\n').run()))[0]).toMatch(/^VERIFY_/);
    const unverified = new Vm({ verify: false, budget: 10 }).load('ja -1\nexit\n');
    expect(codeOf(thrown(() => unverified.run()))[0]).toBe('BUDGET_EXHAUSTED');
  });

  it('accepts calls to helpers the user registered, and refuses unregistered ids', () => {
    const vm = new Vm().registerHelper(0x1000, (c) => c.arg(1) + 1n, 'inc');
    expect(vm.load('mov %r1, 41\ncall 0x1000\nexit\n').run().r0).toBe(42n);
    const unknown = new Vm().load('call 0x1001\nexit\n');
    expect(codeOf(thrown(() => unknown.run()))).toEqual(['VERIFY_UNKNOWN_HELPER', 0]);
  });
});
