// Differential test: random valid programs from src/testing/gen.ts run in the reference
// interpreter and in the JIT on the same input; r0, the input region, the stack area and traps
// (stage, code, instruction) must be identical.
//
//   DIFF_SEEDS=200000 npx vitest run test/jit/differential.test.ts   # soak: more seeds
//   DIFF_SEED_BASE=1000000 ...                                        # start elsewhere
//   DIFF_SIZE=400 ...                                                 # larger programs
//   DIFF_SEED=1234 npx vitest run test/jit/differential.test.ts      # replay one seed
//
// A failure prints the seed, the program's description and disassembly, and both outcomes.

import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import { type Program, assembleProgram, disassemble } from '../../src/isa/index.js';
import { jitOptions } from '../../src/jit/index.js';
import { STACK_BASE, STACK_END } from '../../src/runtime/layout.js';
import {
  GEN_HELPERS,
  GenHelper,
  type GenOptions,
  type GeneratedProgram,
  generateProgram,
} from '../../src/testing/gen.js';
import { Vm } from '../../src/vm.js';

interface Trap {
  readonly stage: string;
  readonly code: string;
  readonly insn: number | undefined;
  readonly message: string;
}

interface Outcome {
  readonly r0: bigint | null;
  readonly trap: Trap | null;
  readonly output: Uint8Array;
  readonly stack: Uint8Array;
}

function makeVm(engine: 'interp' | 'jit'): Vm {
  // Generated programs are valid and terminating, not verifier-shaped (ldabs, raw pointers).
  const vm = new Vm({ engine, budget: 1_000_000, verify: false });
  for (const h of GEN_HELPERS) vm.registerHelper(h.id, h.fn, h.name);
  return vm;
}

function toTrap(e: unknown): Trap {
  if (e instanceof BpfError) {
    return { stage: e.stage, code: e.code, insn: e.insn, message: e.message };
  }
  // A raw JS or Wasm exception is a bug in itself (users must only ever see BpfErrors).
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { stage: 'RAW', code: 'RAW', insn: undefined, message };
}

/** Load `program` (a compile error counts as a trap) and run it once. */
function runOn(vm: Vm, program: Program, input: Uint8Array): Outcome {
  try {
    vm.load(program);
  } catch (e) {
    return outcome(vm, null, toTrap(e));
  }
  return rerun(vm, input);
}

/** Run the program already loaded in `vm` on `input`. */
function rerun(vm: Vm, input: Uint8Array): Outcome {
  try {
    return outcome(vm, vm.run(input).r0, null);
  } catch (e) {
    return outcome(vm, null, toTrap(e));
  }
}

function outcome(vm: Vm, r0: bigint | null, trap: Trap | null): Outcome {
  return {
    r0,
    trap,
    output: vm.memory.input(),
    stack: vm.memory.bytes.slice(STACK_BASE, STACK_END),
  };
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** What differs between the two outcomes, or [] when they agree. */
function differences(a: Outcome, b: Outcome): string[] {
  const out: string[] = [];
  if (a.trap?.stage === 'RAW') out.push(`interp threw a raw exception: ${a.trap.message}`);
  if (b.trap?.stage === 'RAW') out.push(`jit threw a raw exception: ${b.trap.message}`);
  if (a.r0 !== b.r0) out.push('r0 differs');
  const ta = a.trap && `${a.trap.stage}/${a.trap.code}@${a.trap.insn}`;
  const tb = b.trap && `${b.trap.stage}/${b.trap.code}@${b.trap.insn}`;
  if (ta !== tb) out.push('trap differs');
  const o = firstDiff(a.output, b.output);
  if (o >= 0) out.push(`input region differs at byte ${o}`);
  const s = firstDiff(a.stack, b.stack);
  if (s >= 0) {
    const frame = Math.floor(s / 512);
    out.push(
      `stack differs at 0x${(STACK_BASE + s).toString(16)} (frame ${frame}, r10${(s % 512) - 512})`,
    );
  }
  return out;
}

function show(o: Outcome): string {
  const r0 = o.r0 === null ? '-' : `0x${o.r0.toString(16)}`;
  const trap =
    o.trap === null
      ? 'none'
      : `${o.trap.stage}/${o.trap.code} at insn ${o.trap.insn} (${o.trap.message})`;
  return `r0 ${r0}, trap ${trap}`;
}

function hexAround(bytes: Uint8Array, at: number): string {
  const from = Math.max(0, at - 8);
  return Array.from(bytes.subarray(from, from + 24), (b) => b.toString(16).padStart(2, '0')).join(
    ' ',
  );
}

function report(
  seed: number,
  opts: GenOptions,
  g: GeneratedProgram,
  a: Outcome,
  b: Outcome,
  diffs: string[],
): string {
  const size = opts.size === undefined ? '' : ` DIFF_SIZE=${opts.size}`;
  const lines = [
    `DIFFERENTIAL FAILURE ${g.description}`,
    `  replay: DIFF_SEED=${seed}${size} npx vitest run test/jit/differential.test.ts`,
    `  ${diffs.join('; ')}`,
    `  interp: ${show(a)}`,
    `  jit:    ${show(b)}`,
  ];
  const o = firstDiff(a.output, b.output);
  if (o >= 0)
    lines.push(
      `  input@${o}: interp ${hexAround(a.output, o)}`,
      `  input@${o}: jit    ${hexAround(b.output, o)}`,
    );
  const s = firstDiff(a.stack, b.stack);
  if (s >= 0)
    lines.push(
      `  stack@${s}: interp ${hexAround(a.stack, s)}`,
      `  stack@${s}: jit    ${hexAround(b.stack, s)}`,
    );
  lines.push('  input: ' + Array.from(g.input, (x) => x.toString(16).padStart(2, '0')).join(''));
  lines.push(disassemble(g.program, { labels: true, pcs: true }));
  return lines.join('\n');
}

interface Tally {
  readonly failures: string[];
  traps: number;
}

function check(seed: number, interp: Vm, jit: Vm, tally: Tally, opts: GenOptions = GEN): void {
  const g = generateProgram(seed, opts);
  const a = runOn(interp, g.program, g.input);
  const b = runOn(jit, g.program, g.input);
  if (a.trap !== null) tally.traps++;
  const diffs = differences(a, b);
  if (diffs.length > 0) tally.failures.push(report(seed, opts, g, a, b, diffs));
}

const envInt = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number.parseInt(v, 10);
};

const REPLAY = process.env.DIFF_SEED;
const SEEDS = envInt('DIFF_SEEDS', 10_000);
const BASE = envInt('DIFF_SEED_BASE', 0);
/** DIFF_SIZE sets the program size (slots) for soaks; by default it varies from 8 to 60. */
const GEN: GenOptions = process.env.DIFF_SIZE ? { size: envInt('DIFF_SIZE', 60) } : {};
const CHUNK = 1000;
/** Seeds also run as larger programs (deeper nesting, more blocks per function). */
const LARGE = Math.min(200, SEEDS);
const LARGE_SIZE = 400;
/** Seeds also run with binaryen's optimizer on (slower to compile: a smaller share). */
const OPTIMIZED = Math.min(50, SEEDS);
/** Stop collecting after this many failures: one is enough to act on, a few show a pattern. */
const MAX_FAILURES = 5;

describe('JIT vs interpreter on generated programs', () => {
  const interp = makeVm('interp');
  const jit = makeVm('jit');

  it('uses both engines, and the comparison notices a difference', () => {
    expect(interp.engine).toBe('interp');
    expect(jit.engine).toBe('jit');
    // Same programs, but the JIT's Vm gets a different MIX helper: outcomes must differ.
    const skewed = makeVm('jit');
    skewed.registerHelper(GenHelper.MIX, (c) => c.arg(1) + 1n, 'gen_mix_skewed');
    let noticed = 0;
    for (let seed = 0; seed < 100; seed++) {
      const g = generateProgram(seed);
      if (
        differences(runOn(interp, g.program, g.input), runOn(skewed, g.program, g.input)).length > 0
      ) {
        noticed++;
      }
    }
    expect(noticed).toBeGreaterThan(0);
  });

  if (REPLAY !== undefined && REPLAY !== '') {
    it(`seed ${REPLAY}`, () => {
      const tally: Tally = { failures: [], traps: 0 };
      check(Number.parseInt(REPLAY, 10), interp, jit, tally);
      if (tally.failures.length > 0) console.error(tally.failures.join('\n\n'));
      expect(tally.failures).toEqual([]);
    });
    return;
  }

  // binaryen's optimizer (off by default) must not change semantics either; binaryen's own
  // validation of the generated module is on here too.
  it(`seeds ${BASE}..${BASE + OPTIMIZED - 1} with the JIT's optimize and validate options`, () => {
    const saved = { ...jitOptions };
    jitOptions.optimize = true;
    jitOptions.validate = true;
    try {
      const tally: Tally = { failures: [], traps: 0 };
      for (
        let seed = BASE;
        seed < BASE + OPTIMIZED && tally.failures.length < MAX_FAILURES;
        seed++
      ) {
        check(seed, interp, jit, tally);
      }
      if (tally.failures.length > 0) console.error(tally.failures.join('\n\n'));
      expect(tally.failures.length, 'programs whose outcomes differ').toBe(0);
    } finally {
      jitOptions.optimize = saved.optimize;
      jitOptions.validate = saved.validate;
    }
  });

  it(`seeds ${BASE}..${BASE + LARGE - 1} as programs of ${LARGE_SIZE} slots`, () => {
    const tally: Tally = { failures: [], traps: 0 };
    for (let seed = BASE; seed < BASE + LARGE && tally.failures.length < MAX_FAILURES; seed++) {
      check(seed, interp, jit, tally, { size: LARGE_SIZE });
    }
    if (tally.failures.length > 0) console.error(tally.failures.join('\n\n'));
    expect(tally.failures.length, 'programs whose outcomes differ').toBe(0);
  });

  for (let from = BASE; from < BASE + SEEDS; from += CHUNK) {
    const to = Math.min(from + CHUNK, BASE + SEEDS);
    it(`seeds ${from}..${to - 1}`, () => {
      const tally: Tally = { failures: [], traps: 0 };
      for (let seed = from; seed < to && tally.failures.length < MAX_FAILURES; seed++) {
        check(seed, interp, jit, tally);
      }
      if (tally.failures.length > 0) console.error(tally.failures.join('\n\n'));
      expect(tally.failures.length, 'programs whose outcomes differ').toBe(0);
      // Some runs trap (the FAIL helper); the trap path is compared too, not only exits.
      if (to - from >= 200) expect(tally.traps).toBeGreaterThan(0);
    });
  }
});

// Hand-written cases for the trap paths random programs do not reach, and for state that must
// not leak from one run of a loaded program into the next.
describe('JIT vs interpreter on traps and repeated runs', () => {
  const interp = makeVm('interp');
  const jit = makeVm('jit');
  const input = new Uint8Array(16).map((_, i) => i * 17);

  it.each([
    [
      'call depth (unbounded recursion)',
      'mov %r0, 1\ncall local f\nexit\nf:\nmov %r6, %r1\ncall local f\nexit',
      'CALL_DEPTH',
      4,
    ],
    ['unknown helper', 'mov %r0, 0\ncall 77\nexit', 'UNKNOWN_HELPER', 1],
    ['ldabs past the input', 'ldabsw 100\nexit', 'OUT_OF_BOUNDS', 0],
    ['ldind past the input', 'mov %r3, 10\nldindh %r3, 5\nexit', 'OUT_OF_BOUNDS', 1],
    [
      'helper failure inside a subprogram',
      `mov %r6, 5\ncall local f\nexit\nf:\nmov %r1, 0\ncall ${GenHelper.FAIL}\nexit`,
      'HELPER_FAILED',
      4,
    ],
  ] as const)('%s: the same trap at the same instruction', (_, source, code, insn) => {
    const program = assembleProgram(source);
    const a = runOn(interp, program, input);
    const b = runOn(jit, program, input);
    expect(a.trap?.code).toBe(code);
    expect(a.trap?.insn).toBe(insn);
    expect(differences(a, b)).toEqual([]);
  });

  it('budget exhaustion: the same code (the JIT charges whole blocks, so not the same insn)', () => {
    const program = assembleProgram('mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit');
    const small = (engine: 'interp' | 'jit'): Vm => {
      const vm = makeVm(engine);
      vm.budget = 1000;
      return vm;
    };
    const a = runOn(small('interp'), program, input);
    const b = runOn(small('jit'), program, input);
    expect(a.trap?.code).toBe('BUDGET_EXHAUSTED');
    expect(b.trap?.code).toBe('BUDGET_EXHAUSTED');
  });

  it('repeated runs of one loaded program agree, and each run gets the whole budget', () => {
    let checked = 0;
    for (let seed = 0; checked < 20 && seed < 500; seed++) {
      const g = generateProgram(seed);
      if (!g.description.includes('loop')) continue;
      const first = runOn(interp, g.program, g.input);
      if (first.trap !== null) continue;
      const executed = interp.run(g.input).executed;
      // Tight enough that a budget carried over between runs would run out within a few runs.
      const a = makeVm('interp');
      const b = makeVm('jit');
      a.budget = b.budget = executed * 4 + 64;
      a.load(g.program);
      b.load(g.program);
      for (let run = 0; run < 40; run++) {
        const data = g.input.map((x, i) => x ^ ((run * 31 + i) & 0xff));
        const oa = rerun(a, data);
        const ob = rerun(b, data);
        const diffs = differences(oa, ob);
        if (diffs.length > 0 || oa.trap !== null) {
          console.error(
            `seed ${seed}, run ${run}: ${diffs.join('; ')}\n  interp: ${show(oa)}\n  jit: ${show(ob)}`,
          );
        }
        expect(diffs).toEqual([]);
        // Changed input can steer into the FAIL helper; nothing else may trap.
        if (oa.trap !== null) expect(oa.trap.code).toBe('HELPER_FAILED');
      }
      checked++;
    }
    expect(checked).toBe(20);
  });
});
