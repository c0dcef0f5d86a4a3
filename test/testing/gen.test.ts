import { describe, expect, it } from 'vitest';
import { ALL_INSNS, Code, type CodeName, decode, encode, infoOf } from '../../src/isa/index.js';
import { BpfError } from '../../src/errors.js';
import { interpEngine } from '../../src/interp/index.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { FRAME_SIZE } from '../../src/runtime/layout.js';
import { VmMemory } from '../../src/runtime/memory.js';
import { Vm } from '../../src/vm.js';
import { GEN_HELPERS, GenHelper, Rng, generateProgram } from '../../src/testing/gen.js';

/**
 * Codes the generator never emits, and why:
 * - CALL_KFUNC: kernel functions by BTF id have no meaning outside the kernel; no engine runs them.
 */
const EXCLUDED: readonly CodeName[] = ['CALL_KFUNC'];

const SEEDS = 600;

describe('generateProgram', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateProgram(1234);
    const b = generateProgram(1234);
    expect(encode(a.program.insns)).toEqual(encode(b.program.insns));
    expect(a.input).toEqual(b.input);
    expect(a.description).toBe(b.description);
    const c = generateProgram(1235);
    expect(encode(c.program.insns)).not.toEqual(encode(a.program.insns));
  });

  it('produces bytecode the strict decoder accepts, unchanged by a round trip', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const { program } = generateProgram(seed);
      const bytes = encode(program.insns);
      const again = decode(bytes);
      expect(again.slots).toBe(program.slots);
      expect(again.insns).toEqual(program.insns);
    }
  });

  it(`reaches every code of ALL_INSNS except the exclusions within ${SEEDS} seeds`, () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < SEEDS; seed++) {
      for (const insn of generateProgram(seed).program.insns) seen.add(insn.code);
    }
    const missing = ALL_INSNS.filter((i) => !seen.has(i.code) && !EXCLUDED.includes(i.name));
    expect(missing.map((i) => i.name)).toEqual([]);
    const excludedSeen = EXCLUDED.filter((n) => seen.has(Code[n]));
    expect(excludedSeen).toEqual([]);
  });

  it('never writes r9 (the input pointer) after the prologue, nor r10', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const { program } = generateProgram(seed);
      // Functions start at 0 and right after an exit (subprograms follow main).
      const funcStarts = new Set<number>([0]);
      for (const insn of program.insns) if (insn.code === Code.EXIT) funcStarts.add(insn.pc + 1);
      for (const insn of program.insns) {
        const info = infoOf(insn.code);
        if (!info.writesDst) continue;
        expect(insn.dst).not.toBe(10);
        if (insn.dst === 9) {
          // Only `mov r9, r1` at a function's first instruction.
          expect(funcStarts.has(insn.pc)).toBe(true);
          expect(insn.code).toBe(Code.MOV64_X);
          expect(insn.src).toBe(1);
        }
      }
    }
  });

  it('keeps direct r9/r10 accesses inside the input and the frame', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const { program, input } = generateProgram(seed);
      for (const insn of program.insns) {
        const info = infoOf(insn.code);
        const base =
          info.kind === 'ldx'
            ? insn.src
            : info.kind === 'st' || info.kind === 'stx' || info.kind === 'atomic'
              ? insn.dst
              : -1;
        const bytes = info.width / 8;
        if (base === 10) {
          expect(insn.off).toBeGreaterThanOrEqual(-FRAME_SIZE);
          expect(insn.off + bytes).toBeLessThanOrEqual(0);
        } else if (base === 9) {
          expect(insn.off).toBeGreaterThanOrEqual(0);
          expect(insn.off + bytes).toBeLessThanOrEqual(input.length);
        }
        if (info.kind === 'atomic' && (base === 9 || base === 10))
          expect(Math.abs(insn.off % bytes)).toBe(0);
      }
    }
  });

  it('runs to exit in the interpreter; the only traps are the FAIL helper, at its call', () => {
    const memory = new VmMemory();
    const helpers = new HelperRegistry();
    for (const h of GEN_HELPERS) helpers.register(h.id, h.fn, h.name);
    const env = { memory, helpers, budget: 1_000_000 };
    let exits = 0;
    let traps = 0;
    let maxExecuted = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      const { program, input } = generateProgram(seed);
      const exe = interpEngine.prepare(program, env);
      const addr = memory.setInput(input);
      memory.clearStack();
      try {
        exe.run(addr, input.length);
        exits++;
        maxExecuted = Math.max(maxExecuted, exe.executed);
      } catch (e) {
        expect(e).toBeInstanceOf(BpfError);
        const err = e as BpfError;
        expect(err.code).toBe('HELPER_FAILED');
        const at = program.insns[program.indexOfPc[err.insn as number] as number];
        expect(at?.code === Code.CALL_HELPER || at?.code === Code.CALLX).toBe(true);
        traps++;
      }
    }
    // Mostly clean exits; loops stay small.
    expect(exits).toBeGreaterThan(SEEDS * 0.8);
    expect(traps).toBeGreaterThan(0);
    expect(maxExecuted).toBeLessThan(20_000);
  });

  it('bounds the instructions a run executes, also for large programs', () => {
    const memory = new VmMemory();
    const helpers = new HelperRegistry();
    for (const h of GEN_HELPERS) helpers.register(h.id, h.fn, h.name);
    const env = { memory, helpers, budget: 1_000_000 };
    for (let seed = 0; seed < 100; seed++) {
      const { program, input } = generateProgram(seed, { size: 400 });
      const exe = interpEngine.prepare(program, env);
      const addr = memory.setInput(input);
      memory.clearStack();
      try {
        exe.run(addr, input.length);
      } catch (e) {
        expect((e as BpfError).code).toBe('HELPER_FAILED');
      }
      // The generator's static bound (COST_CAP) is 50,000.
      expect(exe.executed).toBeLessThanOrEqual(50_000);
    }
  });

  it('makes deep call stacks: some runs reach 6 frames', () => {
    let deepest = 0;
    for (let seed = 0; seed < 300 && deepest < 5; seed++) {
      const { program, input } = generateProgram(seed);
      const vm = new Vm({ engine: 'interp', verify: false });
      for (const h of GEN_HELPERS) vm.registerHelper(h.id, h.fn, h.name);
      vm.load(program);
      try {
        vm.run(input, {
          trace: (step) => {
            deepest = Math.max(deepest, step.depth);
          },
        });
      } catch {
        // FAIL helper traps end some runs; the depth reached before counts.
      }
    }
    expect(deepest).toBeGreaterThanOrEqual(5);
  });

  it('honours size, subprogram and input-length options', () => {
    const big = generateProgram(7, { size: 5000, maxSubprograms: 0, inputLength: 64 });
    expect(big.program.slots).toBeGreaterThanOrEqual(5000);
    expect(big.program.slots).toBeLessThan(5200);
    expect(big.input.length).toBe(64);
    expect(big.program.insns.some((i) => i.code === Code.CALL_LOCAL)).toBe(false);
    const plain = generateProgram(8, { size: 400, helpers: false, loops: false });
    expect(
      plain.program.insns.some((i) => i.code === Code.CALL_HELPER || i.code === Code.CALLX),
    ).toBe(false);
  });

  it('Rng repeats per seed and spreads over its range', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
    expect(new Set(xs).size).toBe(100);
    const s = new Rng(99);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const v = s.range(-3, 3);
      counts[v + 3] = (counts[v + 3] ?? 0) + 1;
    }
    // Each of the 7 values near its expected 1000 (binomial sd ~ 29).
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(200);
  });

  it('registers helpers under the ids the programs call', () => {
    expect(GEN_HELPERS.map((h) => h.id).sort()).toEqual(Object.values(GenHelper).sort());
  });
});
