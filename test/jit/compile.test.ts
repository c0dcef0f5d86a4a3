// compile(): output forms, the cache, the optimize option, and programs of 1k to 100k
// instructions structured without the (quadratic) Relooper. Compile time per instruction is
// measured in bench/, not here.

import { describe, expect, it } from 'vitest';
import {
  type Insn,
  type InsnFields,
  type CodeName,
  Code,
  makeInsn,
  programOf,
  slotsOf,
} from '../../src/isa/index.js';
import { assembleProgram } from '../../src/isa/asm.js';
import { clearCompileCache, compile, compileCacheHits } from '../../src/jit/index.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { jitEngine } from '../../src/jit/index.js';

/**
 * A program shaped like compiled C, about `n` instructions: segments of ~1000 instructions,
 * each with straight-line ALU and stack traffic, a diamond per 10 instructions, early exits
 * (`if (x) goto segment_end`, ~100 jumps meeting in one block) and a small loop.
 */
function bigProgram(n: number): Insn[] {
  const insns: Insn[] = [];
  let pc = 0;
  const add = (name: CodeName, f: InsnFields = {}): number => {
    const insn = makeInsn(Code[name], pc, f);
    insns.push(insn);
    pc += slotsOf(insn);
    return insns.length - 1;
  };
  add('MOV64_K', { dst: 0, imm: 0 });
  while (pc < n) {
    const exits: number[] = [];
    for (let chunk = 0; chunk < 100 && pc < n; chunk++) {
      add('MOV64_K', { dst: 2, imm: chunk });
      add('ADD64_X', { dst: 2, src: 1 });
      exits.push(add('JEQ_K', { dst: 2, imm: 12345 + chunk }));
      add('STXDW', { dst: 10, src: 2, off: -8 });
      add('LDXDW', { dst: 3, src: 10, off: -8 });
      add('JGT_K', { dst: 3, imm: 5, off: 2 });
      add('ADD64_K', { dst: 0, imm: 1 });
      add('JA', { off: 1 });
      add('ADD64_K', { dst: 0, imm: 2 });
      add('XOR64_X', { dst: 0, src: 3 });
    }
    add('MOV64_K', { dst: 4, imm: 3 });
    add('SUB64_K', { dst: 4, imm: 1 });
    add('JNE_K', { dst: 4, imm: 0, off: -2 });
    const end = pc; // segment end: the merge block of the early exits
    add('ADD64_K', { dst: 0, imm: 7 });
    for (const i of exits) {
      const j = insns[i] as Insn;
      insns[i] = makeInsn(Code.JEQ_K, j.pc, { dst: 2, imm: j.imm, off: end - j.pc - 1 });
    }
  }
  add('EXIT');
  return insns;
}

describe('compile', () => {
  it('returns the binary, a WebAssembly.Module and the text on demand', () => {
    const c = compile(assembleProgram('mov %r0, 1\nexit'), { validate: true });
    expect(WebAssembly.validate(c.wasm)).toBe(true);
    expect(c.module).toBeInstanceOf(WebAssembly.Module);
    expect(c.wat()).toMatch(/\(export "run"/);
  });

  it('compiles the same bytecode once (cache hit), and again for other options', () => {
    clearCompileCache();
    const p1 = assembleProgram('mov %r0, 42\nexit');
    const p2 = assembleProgram('mov %r0, 42\nexit');
    const before = compileCacheHits();
    const a = compile(p1, { validate: true });
    const b = compile(p2, { validate: true });
    expect(b).toBe(a);
    expect(compileCacheHits()).toBe(before + 1);
    expect(compile(p1, { validate: true, optimize: true })).not.toBe(a);
    expect(compile(p1, { validate: true, wasmHelpers: [] })).toBe(a);
  });

  it('prepare goes through the cache', () => {
    clearCompileCache();
    const env = { memory: new VmMemory(), helpers: new HelperRegistry(), budget: 1000 };
    const program = assembleProgram('mov %r0, 5\nexit');
    const before = compileCacheHits();
    const x = jitEngine.prepare(program, env);
    const y = jitEngine.prepare(program, env);
    expect(compileCacheHits()).toBe(before + 1);
    expect(x.run(0, 0)).toBe(5n);
    expect(y.runLow?.(0, 0)).toBe(5);
  });

  it('optimized code computes the same', () => {
    const program = assembleProgram(
      'mov %r0, 0\nmov %r1, 10\nl:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, l\nexit',
    );
    const env = { memory: new VmMemory(), helpers: new HelperRegistry(), budget: 1000 };
    const c = compile(program, { validate: true, optimize: true });
    expect(c.stats.loops).toBe(1);
    expect(jitEngine.prepare(program, env).run(0, 0)).toBe(55n);
  });

  // Compile time per instruction is measured by `make bench` (bench/run.ts), not asserted here:
  // the machines are shared and noisy. This checks the large programs structure without the
  // Relooper and run.
  it('compiles 1k, 10k and 100k instruction programs with the stackifier alone', () => {
    for (const n of [1_000, 10_000, 100_000]) {
      const program = programOf(bigProgram(n));
      clearCompileCache();
      const c = compile(program);
      expect(c.stats.relooped).toBe(0);
      // And it runs: the early exits are never taken (r1 + chunk != 12345 + chunk).
      const env = { memory: new VmMemory(), helpers: new HelperRegistry(), budget: 10_000_000 };
      const r0 = jitEngine.prepare(program, env).run(0x4100, 0);
      expect(r0).toBeGreaterThan(0n);
    }
  }, 60_000);
});
