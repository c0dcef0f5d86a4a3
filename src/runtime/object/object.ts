// A loaded object at run time: one VmMemory and one MapSet shared by all of its programs (so a
// map one program updates is what the next one reads, as in the kernel), the helper registry
// (the standard helpers, map helpers, bpf_tail_call between the object's programs, the
// context helpers of src/runtime/context/ (xdp_adjust_*, the skb packet helpers), plus whatever
// the caller registers), and each program relocated into that memory.
//
// Opened through `Vm.open(bytesOrPath, opts)` (src/vm.ts), which passes the engine registry in.
// A program is prepared for an engine on first use and cached; preparing checks that every
// helper it calls is registered (LoadError UNKNOWN_HELPER naming the helper and the first call).
// `run(name, { packet, ctx, mem })` lays the program type's context out (src/runtime/context/),
// runs, follows tail calls, and returns r0 and the packet/context as the program left them.

import { BpfError, LoadError, RunError } from '../../errors.js';
import {
  type BpfObject,
  type BpfProgram,
  type LoadOptions,
  lineOf,
  loadObject,
} from '../../elf/object.js';
import { decode } from '../../isa/decode.js';
import type { Program } from '../../isa/insn.js';
import { infoOf } from '../../isa/table.js';
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
  type Engine,
  type EngineName,
  type ExecEnv,
  type Executable,
  type TraceSink,
} from '../engine.js';
import { type HelperFn, HelperRegistry } from '../helpers.js';
import { type HostEnv, registerStandardHelpers } from '../helpers/index.js';
import { DEFAULT_DATA_CAPACITY } from '../layout.js';
import { type BpfMap, createMaps, type MapSet, registerMapHelpers } from '../maps/index.js';
import { VmMemory } from '../memory.js';
import {
  checkHelpers,
  helpersOf,
  type MissingHelper,
  missingHelpers,
  relocate,
} from './relocate.js';
import { TailCall, type TailCallState, registerTailCall } from './tail-call.js';
import { protoLookup, throwIfRejected } from '../../verifier/gate.js';
import { verify, type VerifyResult } from '../../verifier/verify.js';

export interface OpenOptions {
  /** Default 'interp'. */
  readonly engine?: EngineName | undefined;
  /** Instructions one program run may execute (each tail-called program gets its own). */
  readonly budget?: number | undefined;
  /** Bytes of the data area for packets and raw memory (default 64 KiB). */
  readonly dataCapacity?: number | undefined;
  /** Virtual CPUs for per-CPU maps (default 1). */
  readonly cpus?: number | undefined;
  /** Bytes per perf event buffer. */
  readonly perfBufferSize?: number | undefined;
  /** What the standard helpers see of the host (clock, pid, random seed, printk sink). */
  readonly host?: HostEnv | undefined;
  /**
   * Verify each program (with its type, the object's maps and BTF line info) before it is
   * prepared for an engine (default true). `false` is the explicit opt-out.
   */
  readonly verify?: boolean | undefined;
  /** Program type override (for sections outside libbpf's conventions). */
  readonly programType?: LoadOptions['programType'];
  /**
   * Register more helpers (your own, or replacements) before any program is prepared. Called
   * once, after the standard, map, tail-call and xdp helpers are in the registry.
   */
  readonly helpers?: ((registry: HelperRegistry, object: VmObject) => void) | undefined;
}

export interface ObjectRunOptions {
  /** Engine for this run (default: the object's). */
  readonly engine?: EngineName | undefined;
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
  /** Instructions executed over all programs of the chain (-1 when the JIT ran any). */
  readonly executed: number;
  readonly engine: EngineName;
  /** Name of the program that ended the run (differs from the one started after tail calls). */
  readonly program: string;
  readonly tailCalls: number;
}

/** One program of the object, ready to prepare. */
export interface ObjectProgram {
  readonly name: string;
  readonly section: string;
  /** Program type (src/elf/prog-type.ts names). */
  readonly type: string;
  /** Index in the object: the id prog arrays hold. */
  readonly id: number;
  /** The program as the loader produced it (map references as src=5/6 lddw), for the verifier. */
  readonly original: Program;
  /** The program the engines run (map references patched to addresses). */
  readonly program: Program;
  /** Helper ids it calls. */
  readonly helpers: readonly number[];
  readonly source: BpfProgram;
}

export type EngineResolver = (name: EngineName) => Engine;

export const DEFAULT_OBJECT_BUDGET = 1_000_000;

export class VmObject {
  readonly object: BpfObject;
  readonly memory: VmMemory;
  readonly maps: MapSet;
  readonly helpers: HelperRegistry = new HelperRegistry();
  readonly programs: readonly ObjectProgram[];
  /** Bytes of the data area (packets must fit with their head- and tailroom). */
  readonly dataCapacity: number;
  private engineName: EngineName;
  private budgetValue: number;
  private currentTrace: TraceSink | undefined;
  private readonly env: ExecEnv;
  private readonly cache = new Map<string, Executable>();
  private readonly tail: TailCallState = { count: 0 };
  private readonly verifyOn: boolean;
  /** Ids of programs the verifier accepted. */
  private readonly verified = new Set<number>();

  constructor(
    object: BpfObject,
    private readonly resolveEngine: EngineResolver,
    opts: OpenOptions = {},
  ) {
    this.object = object;
    this.engineName = opts.engine ?? 'interp';
    this.verifyOn = opts.verify ?? true;
    resolveEngine(this.engineName);
    this.budgetValue = checkBudget(opts.budget ?? DEFAULT_OBJECT_BUDGET);
    this.dataCapacity = opts.dataCapacity ?? DEFAULT_DATA_CAPACITY;
    this.memory = new VmMemory(this.dataCapacity);
    this.maps = createMaps(this.memory, object.maps, {
      cpus: opts.cpus,
      perfBufferSize: opts.perfBufferSize,
    });
    const mapNames = object.maps.map((m) => m.name);
    this.programs = object.programs.map((source, id) => {
      const original = decode(source.insns);
      return {
        name: source.name,
        section: source.section,
        type: source.type,
        id,
        original,
        program: relocate(original, mapNames, this.maps),
        helpers: helpersOf(original),
        source,
      };
    });
    this.setProgramInitialValues();
    registerStandardHelpers(this.helpers, opts.host);
    registerMapHelpers(this.helpers, this.maps);
    registerPerfOutputWithPacket(this.helpers);
    registerTailCall(this.helpers, this.maps, this.programs.length, this.tail);
    registerXdpHelpers(this.helpers);
    registerSkbHelpers(this.helpers);
    registerRedirectMap(this.helpers, this.maps);
    opts.helpers?.(this.helpers, this);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.env = {
      memory: this.memory,
      helpers: this.helpers,
      get budget(): number {
        return self.budgetValue;
      },
      get trace(): TraceSink | undefined {
        return self.currentTrace;
      },
    };
  }

  /** Parse an ELF object and load it. */
  static fromBytes(
    bytes: Uint8Array,
    resolveEngine: EngineResolver,
    opts: OpenOptions = {},
  ): VmObject {
    const loadOpts: LoadOptions =
      opts.programType !== undefined ? { programType: opts.programType } : {};
    return new VmObject(loadObject(bytes, loadOpts), resolveEngine, opts);
  }

  get engine(): EngineName {
    return this.engineName;
  }

  set engine(name: EngineName) {
    this.resolveEngine(name);
    this.engineName = name;
  }

  get budget(): number {
    return this.budgetValue;
  }

  set budget(value: number) {
    this.budgetValue = checkBudget(value);
  }

  /** The program called `name` (function name, or section name for unnamed ones). */
  program(name: string): ObjectProgram {
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

  /** Helpers a program calls that nobody has registered (empty when it can run). */
  missingHelpers(name: string): MissingHelper[] {
    return missingHelpers(this.program(name).original, this.helpers);
  }

  /** Register (or replace) helper `id`; programs are prepared again on their next run. */
  registerHelper(id: number, fn: HelperFn, name?: string): this {
    this.helpers.register(id, fn, name);
    this.cache.clear();
    return this;
  }

  /**
   * Prepare a program for an engine (the JIT compiles here).
   * @throws LoadError UNKNOWN_HELPER when it calls a helper nobody registered; CompileError.
   */
  prepare(name: string, engine: EngineName = this.engineName): Executable {
    return this.prepared(this.program(name), engine);
  }

  private prepared(p: ObjectProgram, engine: EngineName): Executable {
    const key = `${engine}:${p.id}`;
    let exe = this.cache.get(key);
    if (exe === undefined) {
      checkHelpers(p.name, p.program, this.helpers);
      if (this.verifyOn && !this.verified.has(p.id)) {
        throwIfRejected(this.verify(p.name));
        this.verified.add(p.id);
      }
      exe = this.resolveEngine(engine).prepare(p.program, this.env);
      this.cache.set(key, exe);
    }
    return exe;
  }

  /**
   * Verify program `name` exactly as preparing it does: its type, the object's maps, BTF line
   * info and the prototypes of the registered helpers. Never throws for a rejected program.
   */
  verify(
    name: string,
    opts: { readonly log?: boolean; readonly memSize?: number } = {},
  ): VerifyResult {
    const p = this.program(name);
    return verify(p.original, {
      progType: p.type,
      maps: this.object.maps,
      helpers: protoLookup(this.helpers, true),
      lineInfo: p.source.lineInfo,
      ...(opts.memSize !== undefined ? { memSize: opts.memSize } : {}),
      log: opts.log ?? false,
    });
  }

  /** Put program `prog` (a name) in slot `index` of prog array `map`. */
  setTailCall(map: string, index: number, prog: string): void {
    this.maps.get(map).setProgram(index, this.program(prog).id);
  }

  /**
   * Run a program on a context: `packet` for xdp/tc/socket programs, `ctx` (bytes or fields)
   * for any typed context, `mem` for programs without one. Maps keep their state across runs.
   * @throws RunError on a trap (with the instruction index), LoadError when not preparable.
   */
  run(name: string, input: ContextInput = {}, opts: ObjectRunOptions = {}): ObjectRunResult {
    const engine = opts.engine ?? this.engineName;
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
    try {
      for (;;) {
        this.memory.clearStack();
        try {
          r0 = exe.run(r1, entry.r2);
          executed = exe.executed < 0 || executed < 0 ? -1 : executed + exe.executed;
          break;
        } catch (e) {
          if (kind.name === 'skb' && isPacketLoadFault(e, prog.program)) {
            // The kernel's ld_abs/ld_ind outside the packet ends the program with r0 = 0.
            r0 = 0n;
            executed = exe.executed < 0 || executed < 0 ? -1 : executed + exe.executed;
            break;
          }
          if (!(e instanceof TailCall)) throw withSourceLine(e, prog);
          executed = exe.executed < 0 || executed < 0 ? -1 : executed + exe.executed;
          const next = this.programs[e.target] as ObjectProgram;
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

  private contextFor(p: ObjectProgram): ContextKind {
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
  private setProgramInitialValues(): void {
    for (const def of this.object.maps) {
      for (const init of def.initialValues ?? []) {
        if (init.kind !== 'prog') continue;
        this.maps.get(def.name).setProgram(init.index, this.program(init.name).id);
      }
    }
  }
}

/** A legacy packet load (ldabs/ldind) that read past the packet. */
function isPacketLoadFault(e: unknown, program: Program): boolean {
  if (!(e instanceof RunError) || e.code !== 'OUT_OF_BOUNDS' || e.insn === undefined) return false;
  const insn = program.insns[program.indexOfPc[e.insn] ?? -1];
  if (insn === undefined) return false;
  const kind = infoOf(insn.code).kind;
  return kind === 'ldabs' || kind === 'ldind';
}

/** A run-time trap of a program with BTF line info, re-thrown naming its C source line. */
function withSourceLine(e: unknown, prog: ObjectProgram): unknown {
  if (!(e instanceof RunError) || e.insn === undefined || e.line !== undefined) return e;
  const rec = lineOf(prog.source, e.insn);
  if (rec === undefined) return e;
  return new RunError(e.code, e.detail, { insn: e.insn, line: rec.line, cause: e });
}
