// What every loaded object shares at run time, however its programs became runnable: one
// VmMemory and one MapSet for all of its programs (so a map one program updates is what the next
// one reads, as in the kernel), the helper registry (the standard helpers, map helpers,
// bpf_tail_call between the object's programs, the context helpers of src/runtime/context/
// (xdp_adjust_*, the skb packet helpers), plus whatever the caller registers), and the run loop:
// lay the program type's context out (src/runtime/context/), run, follow tail calls, give back
// r0 and the packet/context as the program left them.
//
// Two kinds of object extend it: VmObject (object.ts: an ELF object whose programs are verified
// and prepared for the interpreter or the JIT on first use) and AotObject (src/aot/: programs
// compiled ahead of time into one .wasm, loaded by the light runtime).

import { BpfError, LoadError, RunError } from '../../errors.js';
import {
  type ContextInput,
  type ContextKind,
  contextOf,
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
import { type HelperFn, HelperRegistry } from '../helpers.js';
import { type HostEnv, registerStandardHelpers } from '../helpers/index.js';
import type { BpfMap, MapSet } from '../maps/index.js';
import { registerMapHelpers } from '../maps/helpers.js';
import type { VmMemory } from '../memory.js';
import { TailCall, type TailCallState, registerTailCall } from './tail-call.js';

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

/** A source line of a program, as BTF line info records it. */
export interface SourceLine {
  readonly line: number;
}

export abstract class ObjectRuntime<P extends RuntimeProgram = RuntimeProgram> {
  readonly helpers: HelperRegistry = new HelperRegistry();
  protected readonly env: ExecEnv;
  protected readonly tail: TailCallState = { count: 0 };
  protected readonly cache = new Map<string, Executable>();
  private budgetValue: number;
  private currentTrace: TraceSink | undefined;
  private readonly byId = new Map<number, P>();

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
    for (const p of programs) this.byId.set(p.id, p);
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
   * The program ready to run on `engine`, prepared on first use and cached.
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
    const p =
      this.programs.find((x) => x.name === name) ?? this.programs.find((x) => x.section === name);
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
    this.cache.clear();
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
    return this.prepared(this.program(name), engine);
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
    let prog = this.program(name);
    const kind = this.contextFor(prog);
    let exe = this.prepared(prog, engine);
    const entry = kind.enter(this.memory, input, this.dataCapacity);
    let r1 = entry.r1;
    this.tail.count = 0;
    let executed = 0;
    let tailCalls = 0;
    let r0: bigint;
    this.currentTrace = opts.trace;
    const count = (): void => {
      executed = exe.executed < 0 || executed < 0 ? -1 : executed + exe.executed;
    };
    try {
      for (;;) {
        this.memory.clearStack();
        try {
          r0 = exe.run(r1, entry.r2);
          count();
          break;
        } catch (e) {
          if (kind.name === 'skb' && this.isPacketLoadFault(e, prog)) {
            // The kernel's ld_abs/ld_ind outside the packet ends the program with r0 = 0.
            r0 = 0n;
            count();
            break;
          }
          if (!(e instanceof TailCall)) throw this.withSourceLine(e, prog);
          count();
          const next = this.byId.get(e.target);
          if (next === undefined) {
            throw new RunError(
              'HELPER_FAILED',
              `tail call from ${prog.name} to program ${e.target}, which is not in this module`,
              { insn: e.insn },
            );
          }
          if (this.contextFor(next) !== kind) {
            throw new RunError(
              'HELPER_FAILED',
              `tail call from ${prog.name} (${prog.type}) to ${next.name} (${next.type})`,
              { insn: e.insn },
            );
          }
          prog = next;
          exe = this.prepared(prog, engine);
          r1 = e.ctx;
          tailCalls++;
        }
      }
    } finally {
      this.currentTrace = undefined;
    }
    const out = kind.leave(this.memory);
    return {
      r0,
      r0Signed: BigInt.asIntN(64, r0),
      retval: Number(r0 & 0xffff_ffffn),
      ...(out.packet !== undefined ? { packet: out.packet } : {}),
      ...(out.mem !== undefined ? { mem: out.mem } : {}),
      ctx: out.ctx,
      executed,
      engine,
      program: prog.name,
      tailCalls,
    };
  }

  /** The context kind of a program's type; UNSUPPORTED for types we cannot run. */
  protected contextFor(p: P): ContextKind {
    const kind = contextOf(p.type);
    if (kind === undefined) {
      throw new BpfError(
        'run',
        'UNSUPPORTED',
        `program ${p.name}: running programs of type ${p.type} is not supported`,
      );
    }
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
