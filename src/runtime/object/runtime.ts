// What every loaded object shares at run time, however its programs became runnable: one
// VmMemory and one MapSet for all of its programs (so a map one program updates is what the next
// one reads, as in the kernel), the helper registry (the standard helpers, map helpers,
// bpf_tail_call between the object's programs, the context helpers of src/runtime/context/
// (xdp_adjust_*, the skb packet helpers), plus whatever the caller registers), and the run loop:
// lay the program type's context out (src/runtime/context/), run, follow tail calls, give back
// r0 and the packet/context as the program left them. `run()` is the general entry (any input,
// a result object with copies); `runner()` (runner.ts) is the one for hot loops: the same loop
// over a packet-only context, with nothing allocated per run.
//
// The loop is on the hot path of small programs, whose own run takes ~70 ns: names, context
// kinds, prepared executables and stack depths are looked up once per program and kept in
// arrays by id; the stack is zeroed only as far as the previous run could write it
// (VmMemory.freshStack), the context and packet only where earlier runs wrote (ContextState).
//
// Two kinds of object extend it: VmObject (object.ts: an ELF object whose programs are verified
// and prepared for the interpreter or the JIT on first use) and AotObject (src/aot/: programs
// compiled ahead of time into one .wasm, loaded by the light runtime).

import { BpfError, LoadError, RunError } from '../../errors.js';
import {
  type ContextInput,
  type ContextKind,
  type ContextOutput,
  contextOf,
  contextState,
  registerPerfOutputWithPacket,
  registerRedirectMap,
  registerSkbHelpers,
  registerXdpHelpers,
} from '../context/index.js';
import {
  checkBudget,
  type EngineName,
  type ExecEnv,
  type Executable,
  type TraceSink,
} from '../engine.js';
import type { HelperFn, HelperRegistry } from '../helpers.js';
import { type HostEnv, registerStandardHelpers } from '../helpers/index.js';
import { R0_SLOT, TAIL_CALL_SLOT, TailCallWord } from '../layout.js';
import type { BpfMap, MapSet } from '../maps/index.js';
import { registerMapHelpers } from '../maps/helpers.js';
import type { VmMemory } from '../memory.js';
import { ProgramRunner, type RunnerOptions } from './runner.js';
import { TailCallRegistry, TailCallState, registerTailCall } from './tail-call.js';

/** The engines an object's program can run on: the Vm's two, or code compiled ahead of time. */
export type ObjectEngine = EngineName | 'aot';

export const DEFAULT_OBJECT_BUDGET = 1_000_000;

/** Options every kind of object takes. */
export interface RuntimeOptions {
  /** Instructions one program run may execute (each tail-called program gets its own). */
  readonly budget?: number | undefined;
  /** What the standard helpers see of the host (clock, pid, random seed, printk sink). */
  readonly host?: HostEnv | undefined;
}

export interface ObjectRunOptions {
  /** Engine for this run (default: the object's). */
  readonly engine?: ObjectEngine | undefined;
  /** Interpreter only: called after every executed instruction. */
  readonly trace?: TraceSink | undefined;
}

export interface ObjectRunResult {
  /** r0 at exit of the last program (after tail calls), unsigned 64-bit. */
  readonly r0: bigint;
  readonly r0Signed: bigint;
  /** r0's low 32 bits, unsigned: what the kernel's BPF_PROG_TEST_RUN reports as retval. */
  readonly retval: number;
  /** The packet after the run (xdp: data_meta..data_end; socket filters: with a zeroed L2 header). */
  readonly packet?: Uint8Array;
  /** Raw memory after the run (programs without a context). */
  readonly mem?: Uint8Array;
  /** The context bytes after the run. */
  readonly ctx: Uint8Array;
  /** Instructions executed over all programs of the chain (-1 when compiled code ran any). */
  readonly executed: number;
  readonly engine: ObjectEngine;
  /** Name of the program that ended the run (differs from the one started after tail calls). */
  readonly program: string;
  readonly tailCalls: number;
}

/** What the run loop needs to know of a program. */
export interface RuntimeProgram {
  readonly name: string;
  readonly section: string;
  /** Program type (src/elf/prog-type.ts names). */
  readonly type: string;
  /** Index in the object: the id prog arrays hold. */
  readonly id: number;
  /** Helper ids it calls. */
  readonly helpers: readonly number[];
}

/**
 * Whether a legacy packet load (ld_abs/ld_ind) outside the packet ends a program of `type` with
 * r0 = 0, as in the kernel: socket filters and tc programs (the skb context); the run loop gives
 * the same result when an engine traps instead.
 */
export function packetFaultExits(type: string): boolean {
  return contextOf(type)?.name === 'skb';
}

/** A source line of a program, as BTF line info records it. */
export interface SourceLine {
  readonly line: number;
}

export abstract class ObjectRuntime<P extends RuntimeProgram = RuntimeProgram> {
  readonly helpers: HelperRegistry = new TailCallRegistry();
  protected readonly env: ExecEnv;
  protected readonly tail = new TailCallState();
  private budgetValue: number;
  private currentTrace: TraceSink | undefined;
  /** Programs by id, by name (then section), and what the run loop needs of each, by id. */
  private readonly byId: Array<P | undefined> = [];
  private readonly byName = new Map<string, P>();
  private readonly kinds: Array<ContextKind | undefined> = [];
  private readonly frames: Array<number | undefined> = [];
  /** Executables by engine and program id (emptied when a helper is registered). */
  private ready: Record<ObjectEngine, Array<Executable | undefined>> = {
    interp: [],
    jit: [],
    aot: [],
  };
  /** Counts registerHelper calls: runners keep their executable while it stays. */
  private generation = 0;
  // The last run: r0 (in R0_SLOT when the engine's 32-bit path ran it), the program it ended
  // in, tail calls, instructions.
  private r0Value = 0n;
  private r0InSlot = false;
  private lastProgram: P | undefined;
  private lastTailCalls = 0;
  private lastExecuted = 0;

  protected constructor(
    readonly memory: VmMemory,
    readonly maps: MapSet,
    readonly programs: readonly P[],
    /** Bytes of the data area (packets must fit with their head- and tailroom). */
    readonly dataCapacity: number,
    opts: RuntimeOptions,
    /** Ids prog arrays may hold: every program of the object, compiled here or not. */
    programCount: number,
  ) {
    this.budgetValue = checkBudget(opts.budget ?? DEFAULT_OBJECT_BUDGET);
    for (const p of programs) {
      this.byId[p.id] = p;
      if (!this.byName.has(p.name)) this.byName.set(p.name, p);
    }
    // Section names find the first program of the section, unless a program has that name.
    for (const p of programs) if (!this.byName.has(p.section)) this.byName.set(p.section, p);
    registerStandardHelpers(this.helpers, opts.host);
    registerMapHelpers(this.helpers, this.maps);
    registerPerfOutputWithPacket(this.helpers);
    registerTailCall(this.helpers, this.maps, programCount, this.tail);
    registerXdpHelpers(this.helpers);
    registerSkbHelpers(this.helpers);
    registerRedirectMap(this.helpers, this.maps);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.env = {
      memory,
      helpers: this.helpers,
      get budget(): number {
        return self.budgetValue;
      },
      get trace(): TraceSink | undefined {
        return self.currentTrace;
      },
    };
  }

  /** The engine runs use unless they name one. */
  abstract get engine(): ObjectEngine;

  /**
   * Make the program ready to run on `engine` (the base class caches the result per engine and
   * program until a helper is registered).
   * @throws LoadError when it cannot be prepared (unknown helper, rejected by the verifier).
   */
  protected abstract prepared(p: P, engine: ObjectEngine): Executable;

  /** The C source line of instruction `pc` of `p`, when line info exists. */
  protected abstract sourceLine(p: P, pc: number): SourceLine | undefined;

  /** Whether instruction `pc` of `p` is a legacy packet load (ldabs/ldind). */
  protected abstract isPacketLoad(p: P, pc: number): boolean;

  get budget(): number {
    return this.budgetValue;
  }

  set budget(value: number) {
    this.budgetValue = checkBudget(value);
  }

  /** The program called `name` (function name, or section name for unnamed ones). */
  program(name: string): P {
    const p = this.byName.get(name);
    if (p === undefined) {
      throw new LoadError(
        'PROG_NOT_FOUND',
        `no program '${name}' (have: ${this.programs.map((x) => x.name).join(', ')})`,
      );
    }
    return p;
  }

  /** The map called `name` (global data maps are named after their section: `.data`, `.bss`). */
  map(name: string): BpfMap {
    return this.maps.get(name);
  }

  /** Register (or replace) helper `id`; programs are prepared again on their next run. */
  registerHelper(id: number, fn: HelperFn, name?: string): this {
    this.helpers.register(id, fn, name);
    this.ready = { interp: [], jit: [], aot: [] };
    this.generation++;
    return this;
  }

  /** Put program `prog` (a name) in slot `index` of prog array `map`. */
  setTailCall(map: string, index: number, prog: string): void {
    this.maps.get(map).setProgram(index, this.program(prog).id);
  }

  /**
   * Prepare program `name` for an engine without running it (the JIT compiles here).
   * @throws LoadError UNKNOWN_HELPER when it calls a helper nobody registered; CompileError.
   */
  prepare(name: string, engine: ObjectEngine = this.engine): Executable {
    return this.executable(this.program(name), engine);
  }

  /**
   * Run a program on a context: `packet` for xdp/tc/socket programs, `ctx` (bytes or fields)
   * for any typed context, `mem` for programs without one. Maps keep their state across runs.
   * @throws RunError on a trap (with the instruction index), LoadError when not preparable.
   */
  run(name: string, input: ContextInput = {}, opts: ObjectRunOptions = {}): ObjectRunResult {
    const engine = opts.engine ?? this.engine;
    if (opts.trace !== undefined && engine !== 'interp') {
      throw new RunError('UNSUPPORTED', `tracing needs the interpreter, not '${engine}'`);
    }
    const prog = this.program(name);
    const kind = this.contextFor(prog);
    // Prepared before the context is laid out: a program that cannot run leaves memory alone.
    const exe = this.executable(prog, engine);
    const entry = kind.enter(this.memory, input, this.dataCapacity);
    this.currentTrace = opts.trace;
    try {
      this.chain(prog, exe, kind, engine, entry.r1, entry.r2, false);
    } finally {
      this.currentTrace = undefined;
    }
    return this.result(kind.leave(this.memory), engine);
  }

  /**
   * A runner for hot loops over program `name`: `runner.run(packet)` lays the packet out as
   * `run(name, { packet })` does, runs it (following tail calls) and returns the retval, with
   * nothing allocated per run; r0, the output packet and the rest are read from it afterwards
   * (see runner.ts). For programs that take a packet or raw memory: xdp, tc, socket filters,
   * unspec. The program is prepared here.
   * @throws RunError UNSUPPORTED for program types that take a ctx only (tracing); LoadError
   * when it cannot be prepared.
   */
  runner(name: string, opts: RunnerOptions = {}): ProgramRunner {
    const engine = opts.engine ?? this.engine;
    const prog = this.program(name);
    const kind = this.contextFor(prog);
    const entry = kind.packetEntry;
    if (entry === undefined) {
      throw new RunError(
        'UNSUPPORTED',
        `program ${prog.name} (${prog.type}) takes a ctx, not a packet: run it with run()`,
      );
    }
    let exe = this.executable(prog, engine);
    let generation = this.generation;
    const r1 = entry.r1;
    const execute = (r2: number): number => {
      if (generation !== this.generation) {
        exe = this.executable(prog, engine);
        generation = this.generation;
      }
      return this.chain(prog, exe, kind, engine, r1, r2, true);
    };
    return new ProgramRunner({
      name: prog.name,
      engine,
      memory: this.memory,
      state: contextState(this.memory),
      entry,
      capacity: this.dataCapacity,
      execute,
      r0: () => this.lastR0(),
      program: () => this.lastProgram?.name ?? prog.name,
      tailCalls: () => this.lastTailCalls,
      executed: () => this.lastExecuted,
    });
  }

  /**
   * Run `first` (prepared as `firstExe`) on the context entered with r1/r2, following tail
   * calls, each program on a clean stack; returns r0's low 32 bits. The full r0 and the rest of
   * the run stay in the last* fields until the next run. `low`: run through the engine's 32-bit
   * path where it has one (r0 then stays in R0_SLOT, read only if asked for).
   *
   * A program leaves for a tail call in one of two ways (tail-call.ts): it returns with
   * `tail.pending` set (r0 is then meaningless), or it throws `tail.signal` (callbacks).
   */
  private chain(
    first: P,
    firstExe: Executable,
    kind: ContextKind,
    engine: ObjectEngine,
    r1: number,
    r2: number,
    low: boolean,
  ): number {
    const memory = this.memory;
    const tail = this.tail;
    const signal = tail.signal;
    let prog = first;
    let exe = firstExe;
    let ctx = r1;
    let executed = 0;
    let tailCalls = 0;
    tail.count = 0;
    tail.depth = 0;
    if (tail.pending) this.clearPending();
    tail.running = true;
    try {
      for (;;) {
        memory.freshStack(this.framesOf(prog));
        let retval = 0;
        let left: boolean;
        try {
          if (low && exe.runLow !== undefined) {
            retval = exe.runLow(ctx, r2);
            this.r0InSlot = true;
          } else {
            const r0 = exe.run(ctx, r2);
            this.r0Value = r0;
            this.r0InSlot = false;
            retval = Number(r0 & 0xffff_ffffn);
          }
          left = tail.pending;
        } catch (e) {
          if (e !== signal) {
            if (kind.name === 'skb' && this.isPacketLoadFault(e, prog)) {
              // The kernel's ld_abs/ld_ind outside the packet ends the program with r0 = 0.
              this.r0Value = 0n;
              this.r0InSlot = false;
              this.finish(prog, tailCalls, addExecuted(executed, exe.executed));
              return 0;
            }
            throw this.withSourceLine(e, prog);
          }
          left = true;
        }
        if (!left) {
          this.finish(prog, tailCalls, addExecuted(executed, exe.executed));
          return retval;
        }
        if (tail.pending) this.clearPending();
        // A tail call: the target, on the caller's context.
        executed = addExecuted(executed, exe.executed);
        prog = this.tailCallTarget(prog, kind);
        exe = this.executable(prog, engine);
        ctx = signal.ctx;
        tailCalls++;
      }
    } finally {
      tail.running = false;
    }
  }

  /** The program tail call `tail.signal` enters from `prog`, checked to run on `kind`. */
  private tailCallTarget(prog: P, kind: ContextKind): P {
    const signal = this.tail.signal;
    const next = this.byId[signal.target];
    if (next === undefined) {
      throw new RunError(
        'HELPER_FAILED',
        `tail call from ${prog.name} to program ${signal.target}, which is not in this module`,
        { insn: signal.pc },
      );
    }
    if (this.contextFor(next) !== kind) {
      throw new RunError(
        'HELPER_FAILED',
        `tail call from ${prog.name} (${prog.type}) to ${next.name} (${next.type})`,
        { insn: signal.pc },
      );
    }
    return next;
  }

  /** The recorded tail call is taken: back to idle, for the code and the helper. */
  private clearPending(): void {
    this.tail.pending = false;
    this.memory.view.setInt32(TAIL_CALL_SLOT, TailCallWord.IDLE, true);
  }

  private finish(prog: P, tailCalls: number, executed: number): void {
    this.lastProgram = prog;
    this.lastTailCalls = tailCalls;
    this.lastExecuted = executed;
  }

  /** r0 of the last run, unsigned 64-bit. */
  private lastR0(): bigint {
    return this.r0InSlot ? this.memory.view.getBigUint64(R0_SLOT, true) : this.r0Value;
  }

  /** The result of the last run, from what the context left. */
  private result(out: ContextOutput, engine: ObjectEngine): ObjectRunResult {
    const r0 = this.lastR0();
    const r0Signed = BigInt.asIntN(64, r0);
    const retval = Number(r0 & 0xffff_ffffn);
    const { packet, mem, ctx } = out;
    const executed = this.lastExecuted;
    const program = this.lastProgram?.name ?? '';
    const tailCalls = this.lastTailCalls;
    if (packet !== undefined) {
      return { r0, r0Signed, retval, packet, ctx, executed, engine, program, tailCalls };
    }
    if (mem !== undefined) {
      return { r0, r0Signed, retval, mem, ctx, executed, engine, program, tailCalls };
    }
    return { r0, r0Signed, retval, ctx, executed, engine, program, tailCalls };
  }

  /** The program ready to run on `engine`: prepared() once, then kept by id. */
  private executable(p: P, engine: ObjectEngine): Executable {
    const list = this.ready[engine] as Array<Executable | undefined> | undefined;
    // Not an engine name: prepared() says so.
    if (list === undefined) return this.prepared(p, engine);
    let exe = list[p.id];
    if (exe === undefined) {
      exe = this.prepared(p, engine);
      list[p.id] = exe;
    }
    return exe;
  }

  private framesOf(p: P): number {
    let n = this.frames[p.id];
    if (n === undefined) {
      n = this.stackFrames(p);
      this.frames[p.id] = n;
    }
    return n;
  }

  /**
   * Stack frames a run of `p` may write, so only those are zeroed before it (VmObject knows it
   * from the bytecode, AotObject from the manifest; MAX_FRAMES when in doubt).
   */
  protected abstract stackFrames(p: P): number;

  /** The context kind of a program's type; UNSUPPORTED for types we cannot run. */
  protected contextFor(p: P): ContextKind {
    const known = this.kinds[p.id];
    if (known !== undefined) return known;
    const kind = contextOf(p.type);
    if (kind === undefined) {
      throw new BpfError(
        'run',
        'UNSUPPORTED',
        `program ${p.name}: running programs of type ${p.type} is not supported`,
      );
    }
    this.kinds[p.id] = kind;
    return kind;
  }

  /** `values = { [i] = &prog }` in a BTF prog array: the slots get program ids at load. */
  protected setProgramInitialValues(
    defs: ReadonlyArray<{
      readonly name: string;
      readonly initialValues?:
        | ReadonlyArray<{ readonly index: number; readonly kind: string; readonly name: string }>
        | undefined;
    }>,
  ): void {
    for (const def of defs) {
      for (const init of def.initialValues ?? []) {
        if (init.kind !== 'prog') continue;
        this.maps.get(def.name).setProgram(init.index, this.program(init.name).id);
      }
    }
  }

  /** A legacy packet load (ldabs/ldind) that read past the packet. */
  private isPacketLoadFault(e: unknown, p: P): boolean {
    return (
      e instanceof RunError &&
      e.code === 'OUT_OF_BOUNDS' &&
      e.insn !== undefined &&
      this.isPacketLoad(p, e.insn)
    );
  }

  /** A run-time trap of a program with BTF line info, re-thrown naming its C source line. */
  private withSourceLine(e: unknown, p: P): unknown {
    if (!(e instanceof RunError) || e.insn === undefined || e.line !== undefined) return e;
    const rec = this.sourceLine(p, e.insn);
    if (rec === undefined) return e;
    return new RunError(e.code, e.detail, { insn: e.insn, line: rec.line, cause: e });
  }
}

/** Instructions over a chain: -1 as soon as compiled code (which does not count) ran a part. */
function addExecuted(total: number, more: number): number {
  return total < 0 || more < 0 ? -1 : total + more;
}
