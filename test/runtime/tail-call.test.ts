// Tail calls (bpf_tail_call, src/runtime/object/tail-call.ts) on every engine: programs leave
// the caller by returns, callbacks (and replaced helpers) by the thrown TailCall, and all of
// them give the kernel's semantics: at most 33 per run (an empty slot counts), a failed call
// returns -ENOENT and the program goes on, the target runs on the caller's context with its own
// budget and stack, a tail call from a subprogram leaves every caller, a trap in the target names
// the target's instruction and line. Objects are built from assembly here (one prog array, one
// counter array), plus the corpus's tail_calls.o against its kernel-recorded runs.

import { describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { AotObject } from '../../src/aot/object.js';
import type { BpfObject, BpfProgram } from '../../src/elf/object.js';
import type { LineRecord } from '../../src/elf/btf-ext.js';
import type { MapDef } from '../../src/elf/maps-def.js';
import { BpfError, RunError } from '../../src/errors.js';
import { interpEngine } from '../../src/interp/interp.js';
import { assemble, assembleProgram } from '../../src/isa/asm.js';
import { watOf } from '../../src/jit/binaryen.js';
import { generate } from '../../src/jit/codegen.js';
import { jitEngine } from '../../src/jit/index.js';
import { CTX_BASE, TAIL_CALL_SLOT } from '../../src/runtime/layout.js';
import {
  MAX_TAIL_CALL_CNT,
  type ObjectRunResult,
  type ObjectRuntime,
  VmObject,
} from '../../src/runtime/object/index.js';
import { applySetup, goldenCases, openCase, replay } from '../corpus/replay.js';

type Engine = 'interp' | 'jit' | 'aot';
const ENGINES: readonly Engine[] = ['interp', 'jit', 'aot'];
const ENOENT = 0xffff_ffff_ffff_fffen; // -2 as u64

// Prog array slots.
const SLOT = { chain: 0, leaf: 1, bad: 2, empty: 3, long: 4 } as const;

/** r2 = the prog array, r3 = slot, call bpf_tail_call (r1 already the context). */
const tailR1 = (slot: number): string => `
  lddw %r2, map_idx 0
  mov %r3, ${slot}
  call 12`;

/** The same with r1 = r6 (where the program keeps the context). */
const tail = (slot: number): string => `
  mov %r1, %r6 ${tailR1(slot)}`;

/** count[k] += 1 (array map 1), through map_lookup_elem and an atomic add. */
const count = (k: number): string => `
  stw [%r10-4], ${k}
  mov %r2, %r10
  add %r2, -4
  lddw %r1, map_idx 1
  call 1
  jeq %r0, 0, +2
  mov %r1, 1
  lock add [%r0], %r1`;

const emptyCalls = (n: number): string =>
  Array.from({ length: n }, () => tail(SLOT.empty)).join('');

// bpf_tail_call returns nothing a verified program may read (RET_VOID in the kernel): after a
// failed one, these set r0 themselves. `enoent` (unverified) shows the -ENOENT itself.
const PROGRAMS: Readonly<Record<string, string>> = {
  // Tail-calls itself: 33 times, then the 34th call fails and the program goes on.
  chain: `mov %r6, %r1 ${count(0)} ${tail(SLOT.chain)}
  mov %r0, 77
  exit`,
  leaf: `${count(1)}
  mov %r0, 5
  exit`,
  // Empty slots count against the limit: after 32 the call to leaf is taken, after 33 not.
  empties32: `mov %r6, %r1 ${emptyCalls(32)} ${tail(SLOT.leaf)}
  mov %r0, 77
  exit`,
  empties33: `mov %r6, %r1 ${emptyCalls(33)} ${tail(SLOT.leaf)}
  mov %r0, 77
  exit`,
  // From two calls deep: neither subprogram nor the main program may go on after it.
  from_sub: `call local sub
  mov %r0, 99
  exit
sub:
  call local sub2
  mov %r0, 98
  exit
sub2: ${tailR1(SLOT.leaf)}
  mov %r0, 97
  exit`,
  // The same to an empty slot: every caller goes on.
  from_sub_miss: `call local sub
  add %r0, 1000
  exit
sub:
  call local sub2
  add %r0, 100
  exit
sub2: ${tailR1(SLOT.empty)}
  mov %r0, 7
  exit`,
  // bpf_loop(4, cb, &ctx, 0) whose callback tail-calls leaf (or the empty slot): taken, the
  // loop must not go on; missed, the loop runs its 4 rounds.
  in_loop: loopProgram(SLOT.leaf),
  in_loop_miss: loopProgram(SLOT.empty),
  to_long: `mov %r6, %r1 ${tail(SLOT.long)}
  mov %r0, 77
  exit`,
  // 31 instructions.
  long: `${'\n  mov %r0, 1'.repeat(30)}
  exit`,
};

function loopProgram(slot: number): string {
  return `mov %r6, %r1
  stxdw [%r10-8], %r1
  mov %r1, 4
  lddw %r2, func 7
  mov %r3, %r10
  add %r3, -8
  mov %r4, 0
  call 181
  mov %r0, 99
  exit
cb:
  mov %r7, %r2 ${count(2)}
  ldxdw %r6, [%r7]
  ${tail(slot)}
  mov %r0, 0
  exit`;
}

/** Unverifiable on purpose: a load far outside the memory at slot 3, "line 42". */
const BAD = `mov %r0, 0
  lddw %r3, 0x7ffffff0
  ldxdw %r0, [%r3]
  exit`;
const BAD_LINE: LineRecord = { insn: 3, file: 'bad.c', line: 42, column: 3 };

const MAPS: readonly MapDef[] = [
  mapDef('jmp', 'prog_array', 3, 8, 4),
  mapDef('count', 'array', 2, 4, 8),
];

function mapDef(
  name: string,
  type: MapDef['type'],
  typeId: number,
  maxEntries: number,
  valueSize: number,
): MapDef {
  return {
    name,
    section: '.maps',
    type,
    typeId,
    keySize: 4,
    valueSize,
    maxEntries,
    flags: 0,
    pinning: 0,
    numaNode: 0,
  };
}

function programOf(name: string, text: string, lineInfo?: readonly LineRecord[]): BpfProgram {
  const p = {
    name,
    section: `xdp/${name}`,
    type: 'xdp' as const,
    typeId: 6,
    insns: assemble(text),
    relocations: [],
  };
  return lineInfo === undefined ? p : { ...p, lineInfo };
}

function objectOf(programs: Readonly<Record<string, string>>, bad = false): BpfObject {
  const list = Object.entries(programs).map(([name, text]) => programOf(name, text));
  if (bad) list.push(programOf('bad', BAD, [BAD_LINE]));
  return { programs: list, maps: MAPS, license: 'GPL', version: 0 };
}

const resolve = (name: 'interp' | 'jit'): typeof interpEngine =>
  name === 'jit' ? jitEngine : interpEngine;

/** The object on `engine`, its prog array filled. */
function open(engine: Engine, opts: { readonly budget?: number } = {}): ObjectRuntime {
  const object = objectOf(PROGRAMS);
  const budget = opts.budget !== undefined ? { budget: opts.budget } : {};
  const obj: ObjectRuntime =
    engine === 'aot'
      ? new AotObject(new WebAssembly.Module(compileAot(object).wasm), budget)
      : new VmObject(object, resolve, { engine, ...budget });
  obj.setTailCall('jmp', SLOT.chain, 'chain');
  obj.setTailCall('jmp', SLOT.leaf, 'leaf');
  obj.setTailCall('jmp', SLOT.long, 'long');
  return obj;
}

const PACKET = Uint8Array.from({ length: 64 }, (_, i) => i);

function counts(obj: ObjectRuntime): bigint[] {
  return [0, 1, 2, 3].map((k) => obj.map('count').lookupU64(k) ?? -1n);
}

/** What must agree between engines (instructions executed: only the interpreter counts). */
function outcome(obj: ObjectRuntime, res: ObjectRunResult): object {
  const { r0, retval, packet, program, tailCalls } = res;
  return { r0, retval, packet, program, tailCalls, counts: counts(obj) };
}

function thrown(f: () => unknown): BpfError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BpfError);
    return e as BpfError;
  }
  throw new Error('expected a throw');
}

describe.each(ENGINES)('tail calls (%s)', (engine) => {
  it('chains 33 tail calls; the 34th returns -ENOENT and the program goes on', () => {
    const obj = open(engine);
    const res = obj.run('chain', { packet: PACKET });
    expect(res.tailCalls).toBe(MAX_TAIL_CALL_CNT);
    expect(res.program).toBe('chain');
    expect(res.r0).toBe(77n);
    expect(res.packet).toEqual(PACKET);
    expect(counts(obj)[0]).toBe(BigInt(MAX_TAIL_CALL_CNT + 1));
    // The next run gets a fresh count.
    expect(obj.run('chain', { packet: PACKET }).tailCalls).toBe(MAX_TAIL_CALL_CNT);
    expect(counts(obj)[0]).toBe(BigInt(2 * (MAX_TAIL_CALL_CNT + 1)));
  });

  it('counts calls to an empty slot against the limit', () => {
    const obj = open(engine);
    const taken = obj.run('empties32', { packet: PACKET });
    expect([taken.r0, taken.program, taken.tailCalls]).toEqual([5n, 'leaf', 1]);
    const refused = obj.run('empties33', { packet: PACKET });
    expect([refused.r0, refused.program, refused.tailCalls]).toEqual([77n, 'empties33', 0]);
    expect(counts(obj)[1]).toBe(1n);
  });

  it('leaves every caller when a subprogram tail-calls, and goes on when it misses', () => {
    const obj = open(engine);
    const res = obj.run('from_sub', { packet: PACKET });
    expect([res.r0, res.program, res.tailCalls]).toEqual([5n, 'leaf', 1]);
    const miss = obj.run('from_sub_miss', { packet: PACKET });
    expect([miss.r0, miss.program, miss.tailCalls]).toEqual([1107n, 'from_sub_miss', 0]);
  });

  it('takes a tail call made in a bpf_loop callback and ends the loop', () => {
    const obj = open(engine);
    const res = obj.run('in_loop', { packet: PACKET });
    expect([res.r0, res.program, res.tailCalls]).toEqual([5n, 'leaf', 1]);
    // One round of the callback ran, then leaf.
    expect(counts(obj).slice(1, 3)).toEqual([1n, 1n]);
    const miss = obj.run('in_loop_miss', { packet: PACKET });
    expect([miss.r0, miss.program, miss.tailCalls]).toEqual([99n, 'in_loop_miss', 0]);
    expect(counts(obj)[2]).toBe(5n);
    // A tail call that returns after those still works.
    expect(obj.run('from_sub', { packet: PACKET }).program).toBe('leaf');
  });

  it('gives each program of the chain its own budget', () => {
    // 15 instructions a program, 34 programs: far over 20 in all, never in one.
    const small = open(engine, { budget: 20 });
    expect(small.run('chain', { packet: PACKET }).tailCalls).toBe(MAX_TAIL_CALL_CNT);
    // to_long (6) then long (31): fits 32 each, not together; 20 is too little for long.
    expect(open(engine, { budget: 32 }).run('to_long', { packet: PACKET }).program).toBe('long');
    const e = thrown(() => small.run('to_long', { packet: PACKET }));
    expect(e.code).toBe('BUDGET_EXHAUSTED');
    expect(e.insn).toBeGreaterThanOrEqual(0);
    expect(e.insn).toBeLessThanOrEqual(30);
  });

  it("reports a trap in the target with the target's instruction and line", () => {
    const e = thrown(() => openBadCaller(engine).run('to_bad', { packet: PACKET }));
    expect(e).toBeInstanceOf(RunError);
    expect(e.code).toBe('OUT_OF_BOUNDS');
    expect(e.insn).toBe(3);
    expect(e.line).toBe(42);
  });
});

/** An object whose to_bad tail-calls bad (unverified: bad loads outside the memory). */
function openBadCaller(engine: Engine): ObjectRuntime {
  const object = objectOf({ to_bad: `mov %r6, %r1 ${tail(SLOT.bad)}\n  exit` }, true);
  const obj: ObjectRuntime =
    engine === 'aot'
      ? new AotObject(new WebAssembly.Module(compileAot(object, { verify: false }).wasm))
      : new VmObject(object, resolve, { engine, verify: false });
  obj.setTailCall('jmp', SLOT.bad, 'bad');
  return obj;
}

describe('tail calls on every engine', () => {
  it.each(Object.keys(PROGRAMS))('%s gives the same results', (name) => {
    const results = ENGINES.map((engine) => {
      const obj = open(engine);
      const runs = [0, 1].map(() => outcome(obj, obj.run(name, { packet: PACKET })));
      return runs;
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('counts the instructions of the whole chain in the interpreter', () => {
    const one = new VmObject(objectOf(PROGRAMS), resolve, { engine: 'interp' });
    // Slot 0 empty: chain runs alone, its tail call failing.
    const single = one.run('chain', { packet: PACKET }).executed;
    // mov, the 8 of count(), the 4 of the tail call, mov, exit.
    expect(single).toBe(15);
    // 33 programs left by their tail call (before `mov %r0, 77; exit`), the last one whole.
    expect(open('interp').run('chain', { packet: PACKET }).executed).toBe(
      MAX_TAIL_CALL_CNT * (single - 2) + single,
    );
    expect(open('jit').run('chain', { packet: PACKET }).executed).toBe(-1);
  });

  it('returns -ENOENT from a failed tail call (unverified: a verified program may not read it)', () => {
    const enoent = `mov %r6, %r1 ${tail(SLOT.empty)}
  exit`;
    for (const engine of ENGINES) {
      const object = objectOf({ enoent });
      const obj: ObjectRuntime =
        engine === 'aot'
          ? new AotObject(new WebAssembly.Module(compileAot(object, { verify: false }).wasm))
          : new VmObject(object, resolve, { engine, verify: false });
      const res = obj.run('enoent', { packet: PACKET });
      expect([res.r0, res.program, res.tailCalls]).toEqual([ENOENT, 'enoent', 0]);
    }
  });

  it('is the error TAIL_CALL when the program runs outside the run loop', () => {
    for (const engine of ['interp', 'jit'] as const) {
      const obj = open(engine) as VmObject;
      obj.run('leaf', { packet: PACKET });
      const exe = obj.prepare('chain');
      expect(thrown(() => exe.run(CTX_BASE, PACKET.length)).code).toBe('TAIL_CALL');
      // Nothing is left pending: the loop runs the chain as before.
      expect(obj.memory.view.getInt32(TAIL_CALL_SLOT, true)).toBe(0);
      expect(obj.run('chain', { packet: PACKET }).tailCalls).toBe(MAX_TAIL_CALL_CNT);
    }
  });

  it('follows a replaced bpf_tail_call that wraps the object’s own', () => {
    for (const engine of ENGINES) {
      const obj = open(engine);
      const own = obj.helpers.get(12)?.fn;
      if (own === undefined) throw new Error('no bpf_tail_call');
      let calls = 0;
      obj.registerHelper(12, (call) => {
        calls++;
        return own(call);
      });
      const res = obj.run('from_sub', { packet: PACKET });
      expect([res.r0, res.program, res.tailCalls, calls]).toEqual([5n, 'leaf', 1, 1]);
    }
  });
});

describe('generated code', () => {
  const opts = { optimize: false, validate: true, wasmHelpers: [] };
  const wat = (text: string): string => watOf(generate(assembleProgram(text), opts).binary);
  const slot = `offset=${TAIL_CALL_SLOT}`;

  it('checks for a pending tail call only in programs that can make one', () => {
    expect(wat(PROGRAMS.leaf as string)).not.toContain(slot);
    expect(wat(PROGRAMS.from_sub_miss as string)).toContain(slot);
    expect(wat('mov %r2, 12\n  call %r2\n  exit')).toContain(slot);
    expect(wat('call local f\n  exit\nf:\n  mov %r0, 1\n  exit')).not.toContain(slot);
  });
});

describe('tail_calls.o against the kernel', () => {
  const cases = goldenCases().filter((c) => c.golden.object === 'tail_calls');

  it.each(cases.map((c) => [c.file, c] as const))('%s replays on every engine', (_, c) => {
    const outputs = (['interp', 'jit'] as const).map((engine) => {
      const obj = openCase(c, engine);
      applySetup(obj, c);
      const r = replay(obj, c);
      expect(r.diffs).toEqual([]);
      expect(r.runs).toBeGreaterThan(0);
      return r.outputs;
    });
    const aot = new AotObject(new WebAssembly.Module(compileAot(openCase(c, 'jit').object).wasm));
    applySetup(aot, c);
    const r = replay(aot, c);
    expect(r.diffs).toEqual([]);
    expect(outputs[1]).toEqual(outputs[0]);
    expect(r.outputs).toEqual(outputs[0]);
  });
});
