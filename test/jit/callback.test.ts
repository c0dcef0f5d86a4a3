// bpf_loop callbacks in the JIT, each case run on both engines and required to agree with the
// interpreter: r0 or the trap's code and instruction, and the input region. Programs are written
// in assembly; `func @label` is turned into the slot-relative offset `lddw rX, func` takes.

import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import '../../src/jit/index.js';
import { jitOptions } from '../../src/jit/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import type { HelperCall } from '../../src/runtime/helpers.js';
import { registerStandardHelpers } from '../../src/runtime/helpers/index.js';
import { Vm } from '../../src/vm.js';

jitOptions.validate = true;
// JIT_OPTIMIZE=1 runs the same tests on binaryen-optimized code.
jitOptions.optimize = process.env.JIT_OPTIMIZE === '1';

interface Outcome {
  readonly r0?: bigint;
  readonly trap?: { readonly code: string; readonly insn: number | undefined };
  readonly output: Uint8Array;
}

interface Setup {
  readonly budget?: number;
  /** false for programs the verifier rightly refuses (traps, unbounded recursion). */
  readonly verify?: boolean;
  readonly helpers?: readonly (readonly [number, (call: HelperCall) => bigint | number])[];
  readonly input?: Uint8Array;
}

/**
 * Resolve `func @label` to the lddw immediate: target slot - (lddw slot + 1). Slots are counted
 * as the assembler does: lddw takes two, a `label:` line none.
 */
function withFuncs(asm: string): string {
  const lines = asm.split('\n');
  const slotOf: number[] = [];
  const labels = new Map<string, number>();
  let slot = 0;
  for (const line of lines) {
    const text = line.trim();
    slotOf.push(slot);
    const label = /^([A-Za-z_]\w*):$/.exec(text);
    if (label !== null) labels.set(label[1] as string, slot);
    else if (text !== '') slot += /^lddw\b/.test(text) ? 2 : 1;
  }
  return lines
    .map((line, i) =>
      line.replace(/func @(\w+)/, (_, name: string) => {
        const target = labels.get(name);
        if (target === undefined) throw new Error(`test program: no label ${name}`);
        return `func ${target - ((slotOf[i] as number) + 1)}`;
      }),
    )
    .join('\n');
}

function runOn(engine: EngineName, asm: string, setup: Setup = {}): Outcome {
  const vm = new Vm({ engine, budget: setup.budget ?? 1_000_000, verify: setup.verify ?? true });
  registerStandardHelpers(vm.helpers);
  for (const [id, fn] of setup.helpers ?? []) vm.registerHelper(id, fn);
  try {
    vm.load(withFuncs(asm));
    const res = vm.run(setup.input ?? new Uint8Array(8));
    return { r0: res.r0, output: res.output };
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return { trap: { code: e.code, insn: e.insn }, output: vm.memory.input() };
  }
}

/** Run on both engines, require them to agree, and return the outcome. */
function agree(asm: string, setup: Setup = {}): Outcome {
  const interp = runOn('interp', asm, setup);
  const jit = runOn('jit', asm, setup);
  expect(jit).toEqual(interp);
  return jit;
}

/**
 * bpf_loop(nr, cb, &sum, 0). The callback adds i to the sum through the context pointer, going
 * through its own stack slot [r10-16], which is also where the main program keeps 0x1111: the
 * frames must be distinct. It clobbers r6 and stops (returns 1) when i == stopAt.
 * r0 = (0x1111 << 32) + iterations * 1000 + sum + r6 (100000, kept across the call).
 */
function loopProgram(nr: number, stopAt = -1): string {
  return `
      mov %r6, 100000
      mov %r7, 0
      stxdw [%r10-8], %r7
      stdw [%r10-16], 0x1111
      lddw %r1, ${nr}
      lddw %r2, func @cb
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r1, [%r10-8]
      ldxdw %r2, [%r10-16]
      mul %r0, 1000
      add %r0, %r1
      add %r0, %r6
      lsh %r2, 32
      add %r0, %r2
      exit
    cb:
      stxdw [%r10-16], %r1
      ldxdw %r4, [%r10-16]
      ldxdw %r3, [%r2+0]
      add %r3, %r4
      stxdw [%r2+0], %r3
      mov %r6, 7
      mov %r0, 0
      jne %r1, ${stopAt}, +1
      mov %r0, 1
      exit`;
}
const expectLoop = (iters: number, sum: number): bigint =>
  (0x1111n << 32n) + BigInt(iters * 1000 + sum + 100000);
const triangle = (n: number): number => (n * (n - 1)) / 2;

describe('bpf_loop in the JIT', () => {
  it.each([0, 1, 2, 1000])('runs the callback %i times', (n) => {
    expect(agree(loopProgram(n)).r0).toBe(expectLoop(n, triangle(n)));
  });

  it.each([0, 3, 9])('stops early when the callback returns 1 at i = %i', (stop) => {
    expect(agree(loopProgram(10, stop)).r0).toBe(expectLoop(stop + 1, triangle(stop + 1)));
  });

  it('gives the callback its own stack frame, above the caller', () => {
    // The callback's [r10-16] is checked by loopProgram; here its r10 itself is compared.
    const asm = `
      stdw [%r10-8], 0
      mov %r1, 1
      lddw %r2, func @cb
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r0, [%r10-8]
      sub %r0, %r10
      exit
    cb:
      stxdw [%r2+0], %r10
      mov %r0, 0
      exit`;
    // Unverified: storing a frame pointer through the context is refused by the verifier.
    expect(agree(asm, { verify: false }).r0).toBe(512n);
  });

  it('runs a bpf_loop nested in a callback', () => {
    // outer(i): inner runs i+1 times adding 1 each; outer adds 100 * i (i kept in r6).
    const asm = `
      mov %r6, 0
      stxdw [%r10-8], %r6
      mov %r1, 4
      lddw %r2, func @outer
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r1, [%r10-8]
      lsh %r0, 32
      add %r0, %r1
      exit
    outer:
      mov %r6, %r1
      mov %r7, %r2
      add %r1, 1
      lddw %r2, func @inner
      mov %r3, %r7
      mov %r4, 0
      call 181
      ldxdw %r1, [%r7+0]
      mul %r6, 100
      add %r1, %r6
      stxdw [%r7+0], %r1
      mov %r0, 0
      exit
    inner:
      ldxdw %r3, [%r2+0]
      add %r3, 1
      stxdw [%r2+0], %r3
      mov %r0, 0
      exit`;
    expect(agree(asm).r0).toBe((4n << 32n) + 10n + 600n);
  });

  it('gives every iteration the same frame and registers after a nested bpf_loop', () => {
    // Unverified (reads r6 as the caller left it). The nested loop's helper calls overwrite
    // what the outer loop's next iteration starts from, unless the engine puts it back.
    const asm = `
      stdw [%r10-8], 0
      mov %r6, 0x600
      mov %r1, 3
      lddw %r2, func @outer
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r0, [%r10-8]
      exit
    outer:
      mov %r7, %r10
      add %r7, %r6
      ldxdw %r8, [%r2+0]
      add %r8, %r7
      stxdw [%r2+0], %r8
      mov %r6, 1
      mov %r1, 2
      mov %r3, %r2
      lddw %r2, func @inner
      mov %r4, 0
      call 181
      mov %r0, 0
      exit
    inner:
      mov %r0, 0
      exit`;
    // Each of the 3 iterations: r10 = frameTop(1) = 0x2400, r6 = 0x600.
    expect(agree(asm, { verify: false }).r0).toBe(3n * (0x2400n + 0x600n));
  });

  it("starts the callback with the caller's r0 and r6-r9, every iteration", () => {
    // Unverified (the callback reads registers the ABI says are undefined): the engines must
    // still agree, the way the interpreter runs a callback on the caller's register file.
    const asm = `
      stdw [%r10-8], 0
      mov %r0, 0x10
      mov %r6, 0x600
      mov %r7, 0x7000
      mov %r8, 0x80000
      mov %r9, 0x900000
      mov %r1, 2
      lddw %r2, func @cb
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      call 181
      ldxdw %r0, [%r10-8]
      exit
    cb:
      add %r0, %r6
      add %r0, %r7
      add %r0, %r8
      add %r0, %r9
      ldxdw %r3, [%r2+0]
      add %r3, %r0
      stxdw [%r2+0], %r3
      mov %r6, 1
      mov %r9, 1
      mov %r0, 0
      exit`;
    expect(agree(asm, { verify: false }).r0).toBe(2n * 0x987610n);
  });

  it('serves a user helper that calls back through HelperCall.callback', () => {
    // Helper 1000(fn, x) returns cb(x) * 1000 + cb(x + 1).
    const twice = (call: HelperCall): bigint => {
      const cb = call.callback;
      if (cb === undefined) throw new Error('no callback');
      const fn = Number(call.arg(1));
      const x = call.arg(2);
      return cb(fn, x, 0n, 0n, 0n, 0n) * 1000n + cb(fn, x + 1n, 0n, 0n, 0n, 0n);
    };
    const asm = `
      lddw %r1, func @sq
      mov %r2, 7
      call 1000
      exit
    sq:
      mov %r0, %r1
      mul %r0, %r1
      exit`;
    expect(agree(asm, { verify: false, helpers: [[1000, twice]] }).r0).toBe(49_064n);
  });
});

describe('bpf_loop callbacks: traps, budget and depth', () => {
  const trapping = `
      mov %r1, 3
      lddw %r2, func @cb
      lddw %r3, 0xfffffff0
      mov %r4, 0
      call 181
      exit
    cb:
      mov %r0, 0
      ldxdw %r0, [%r2+0]
      exit`;

  it('reports a trap inside the callback at the callback instruction', () => {
    expect(agree(trapping, { verify: false }).trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 9 });
  });

  it('reports a trap in a nested callback at its instruction, and the Vm runs on', () => {
    const asm = `
      mov %r1, 2
      lddw %r2, func @outer
      lddw %r3, 0xfffffff0
      mov %r4, 0
      call 181
      exit
    outer:
      mov %r1, 1
      mov %r3, %r2
      lddw %r2, func @inner
      mov %r4, 0
      call 181
      mov %r0, 0
      exit
    inner:
      stxdw [%r2+8], %r1
      mov %r0, 0
      exit`;
    expect(agree(asm, { verify: false }).trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 16 });
    // A trap left no state behind: the same Vm runs a good program afterwards.
    const vm = new Vm({ engine: 'jit', verify: false });
    registerStandardHelpers(vm.helpers);
    vm.load(withFuncs(asm));
    expect(() => vm.run(new Uint8Array(8))).toThrow(
      expect.objectContaining({ code: 'OUT_OF_BOUNDS', insn: 16 }),
    );
    vm.load(withFuncs(loopProgram(5)));
    expect(vm.run(new Uint8Array(8)).r0).toBe(expectLoop(5, triangle(5)));
  });

  it('counts callback instructions against the budget of the run', () => {
    const exact = new Vm({ engine: 'interp' });
    registerStandardHelpers(exact.helpers);
    exact.load(withFuncs(loopProgram(1000)));
    const executed = exact.run(new Uint8Array(8)).executed;
    expect(executed).toBeGreaterThan(9000);
    // Exhausted inside a callback: both engines stop there, in the callback's code.
    const out = agreeOnCode(loopProgram(1000), { budget: executed - 500 }, 'BUDGET_EXHAUSTED');
    for (const insn of out) expect(insn).toBeGreaterThanOrEqual(20);
    // Enough (the JIT charges whole blocks, an upper bound, so it gets room): both finish.
    expect(agree(loopProgram(1000), { budget: 2 * executed }).r0).toBe(
      expectLoop(1000, triangle(1000)),
    );
  });

  it('takes back the budget the callbacks used', () => {
    // 300 callback runs (~2400 instructions), then a loop of ~1500 in the main program.
    const asm = `
      mov %r1, 300
      lddw %r2, func @cb
      mov %r3, 0
      mov %r4, 0
      call 181
      mov %r1, 500
    again:
      sub %r1, 1
      jne %r1, 0, again
      exit
    cb:
      mov %r0, %r1
      add %r0, 1
      add %r0, 2
      add %r0, 3
      add %r0, 4
      add %r0, 5
      mov %r0, 0
      exit`;
    const exact = new Vm({ engine: 'interp' });
    registerStandardHelpers(exact.helpers);
    exact.load(withFuncs(asm));
    const executed = exact.run(new Uint8Array(8)).executed;
    // Neither the callbacks alone nor the main loop alone exhaust this; together they do.
    const budget = executed - 100;
    expect(budget).toBeGreaterThan(300 * 8 + 100);
    expect(budget).toBeGreaterThan(1000 + 100);
    const out = agreeOnCode(asm, { budget }, 'BUDGET_EXHAUSTED');
    // Both stop in the main loop (slots 7-8), after the callbacks.
    for (const insn of out) expect([7, 8]).toContain(insn);
  });

  it('enforces the call depth at the bpf_loop call, like the interpreter', () => {
    // The callback calls bpf_loop on itself: frame 8 would be the ninth.
    const asm = `
      mov %r1, 1
      lddw %r2, func @cb
      mov %r3, 0
      mov %r4, 0
      call 181
      exit
    cb:
      mov %r1, 1
      lddw %r2, func @cb
      mov %r3, 0
      mov %r4, 0
      call 181
      exit`;
    expect(agree(asm, { verify: false }).trap).toEqual({ code: 'CALL_DEPTH', insn: 12 });
  });

  it('counts frames of local calls and callbacks together', () => {
    // main -> local f -> bpf_loop(cb), cb recursing through bpf_loop while *ctx-- > 0.
    const program = (depth: number): string => `
      stdw [%r10-8], ${depth}
      mov %r1, %r10
      add %r1, -8
      call local f
      exit
    f:
      mov %r3, %r1
      mov %r1, 1
      lddw %r2, func @cb
      mov %r4, 0
      call 181
      ldxdw %r0, [%r3+0]
      exit
    cb:
      ldxdw %r1, [%r2+0]
      jeq %r1, 0, done
      sub %r1, 1
      stxdw [%r2+0], %r1
      mov %r3, %r2
      mov %r1, 1
      lddw %r2, func @cb
      mov %r4, 0
      call 181
    done:
      mov %r0, 0
      exit`;
    const codes: (string | undefined)[] = [];
    for (let depth = 0; depth <= 7; depth++) {
      const out = agree(program(depth), { verify: false });
      codes.push(out.trap?.code);
      if (out.trap !== undefined) expect(out.trap).toEqual({ code: 'CALL_DEPTH', insn: 22 });
      else expect(out.r0).toBe(0n);
    }
    // Frames: main, f, then 1 + depth callbacks; the eighth frame is the last there is.
    expect(codes).toEqual([...new Array<undefined>(6).fill(undefined), 'CALL_DEPTH', 'CALL_DEPTH']);
  });

  it('refuses a callback that is not a subprogram entry, at the call', () => {
    const asm = `
      mov %r1, 2
      mov %r2, 4
      mov %r3, 0
      mov %r4, 0
      call 181
      exit`;
    expect(agree(asm, { verify: false }).trap).toEqual({ code: 'BAD_CALLBACK', insn: 4 });
  });

  it('accepts a plain number that is an entry (unverified), as the interpreter does', () => {
    // Callback 0 is the main program itself: with r1 = i = 0 it returns 0 at once.
    const asm = `
      jeq %r1, 0, cb
      mov %r1, 1
      mov %r2, 0
      mov %r3, 0
      mov %r4, 0
      call 181
      add %r0, 100
      exit
    cb:
      mov %r0, 0
      exit`;
    expect(agree(asm, { verify: false }).r0).toBe(101n);
  });

  it('reaches bpf_loop through callx', () => {
    const asm = `
      stdw [%r10-8], 0
      mov %r1, 4
      lddw %r2, func @cb
      mov %r3, %r10
      add %r3, -8
      mov %r4, 0
      mov %r5, 181
      call %r5
      ldxdw %r1, [%r10-8]
      lsh %r0, 8
      add %r0, %r1
      exit
    cb:
      ldxdw %r3, [%r2+0]
      add %r3, %r1
      stxdw [%r2+0], %r3
      mov %r0, 0
      exit`;
    expect(agree(asm, { verify: false }).r0).toBe((4n << 8n) + 6n);
  });
});

/** Both engines trap with `code`; returns both instruction indexes (they may differ). */
function agreeOnCode(asm: string, setup: Setup, code: string): (number | undefined)[] {
  const interp = runOn('interp', asm, setup);
  const jit = runOn('jit', asm, setup);
  expect(interp.trap?.code).toBe(code);
  expect(jit.trap?.code).toBe(code);
  return [interp.trap?.insn, jit.trap?.insn];
}
