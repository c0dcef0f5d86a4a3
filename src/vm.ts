// The Vm: the one public object for loading and running a program (ubpf-like). It owns the
// memory and the helper registry, picks an engine by name from a small registry, and turns a
// run into a RunResult. Engines register themselves here ('interp' always; the JIT when its
// module is imported and calls registerEngine).
//
// Objects: `Vm.open(bytesOrPath, opts)` loads a clang ELF object into a VmObject
// (src/runtime/object/): one memory and one MapSet shared by all of its programs, programs
// listed and run by name on their context (`obj.run('xdp_prog', { packet })`), on the engine
// registered here under the name given.

import { BpfError, RunError } from './errors.js';
import { assembleProgram } from './isa/asm.js';
import { checkTargets, decode } from './isa/decode.js';
import type { Program } from './isa/insn.js';
import { interpEngine } from './interp/interp.js';
import {
  checkBudget,
  type Engine,
  type EngineName,
  type ExecEnv,
  type Executable,
  type TraceSink,
} from './runtime/engine.js';
import { type HelperFn, HelperRegistry } from './runtime/helpers.js';
import { DEFAULT_DATA_CAPACITY } from './runtime/layout.js';
import { VmMemory } from './runtime/memory.js';
import { protoLookup, verifyOrThrow } from './verifier/gate.js';
import { type OpenOptions, VmObject } from './runtime/object/index.js';

const engines = new Map<EngineName, Engine>([[interpEngine.name, interpEngine]]);

/** Make an engine available to `new Vm({ engine })` and `vm.setEngine`, replacing any same-named one. */
export function registerEngine(engine: Engine): void {
  engines.set(engine.name, engine);
}

/** Names of the engines registered so far. */
export function engineNames(): EngineName[] {
  return [...engines.keys()];
}

function engineByName(name: EngineName): Engine {
  const engine = engines.get(name);
  if (engine === undefined) {
    throw new BpfError(
      'load',
      'UNSUPPORTED',
      `engine '${name}' is not registered (have: ${[...engines.keys()].join(', ')})`,
    );
  }
  return engine;
}

export interface VmOptions {
  /** Default 'interp'. */
  readonly engine?: EngineName | undefined;
  /** Instructions a run may execute before BUDGET_EXHAUSTED. Default 1_000_000. */
  readonly budget?: number | undefined;
  /** Bytes reserved for input/packet data; a larger input is INPUT_TOO_LARGE. */
  readonly dataCapacity?: number | undefined;
  /**
   * Verify programs before they are compiled or run (default true). `false` is the explicit
   * opt-out for code that does raw memory tricks: it still cannot leave the VM memory.
   */
  readonly verify?: boolean | undefined;
  /** Program type the verifier assumes (default 'unspec': r1 = input, r2 = its length). */
  readonly progType?: string | undefined;
  /**
   * Input size the verifier proves accesses for. When set, `load` verifies at once; when not,
   * the program is verified on the first run for that run's input length (and again for each
   * new length), before it is compiled.
   */
  readonly memSize?: number | undefined;
}

export interface RunOptions {
  /** Called after every executed instruction (interpreter only). */
  readonly trace?: TraceSink | undefined;
}

export interface RunResult {
  /** r0 at exit, as an unsigned 64-bit value. */
  readonly r0: bigint;
  /** r0 read as a signed 64-bit value. */
  readonly r0Signed: bigint;
  /** The input region after the run (what the program left there). */
  readonly output: Uint8Array;
  /** Instructions executed (the JIT may report -1). */
  readonly executed: number;
  readonly engine: EngineName;
}

export const DEFAULT_BUDGET = 1_000_000;

export class Vm {
  readonly memory: VmMemory;
  readonly helpers: HelperRegistry = new HelperRegistry();
  private engineImpl: Engine;
  private prog: Program | undefined;
  private exe: Executable | undefined;
  private budgetValue: number;
  /** Trace sink of the run in progress; read by engines through `env.trace`. */
  private currentTrace: TraceSink | undefined;
  private readonly env: ExecEnv;
  private readonly verifyOn: boolean;
  private readonly progType: string;
  private readonly memSize: number | undefined;
  /** Input lengths the loaded program has been verified for. */
  private verifiedSizes = new Set<number>();

  constructor(options: VmOptions = {}) {
    this.verifyOn = options.verify ?? true;
    this.progType = options.progType ?? 'unspec';
    this.memSize = options.memSize;
    this.engineImpl = engineByName(options.engine ?? 'interp');
    this.budgetValue = checkBudget(options.budget ?? DEFAULT_BUDGET);
    this.memory = new VmMemory(options.dataCapacity ?? DEFAULT_DATA_CAPACITY);
    // One env for the Vm's lifetime; budget and trace are read when a run starts, so changing
    // them does not need a new prepare.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const vm = this;
    this.env = {
      memory: this.memory,
      helpers: this.helpers,
      get budget(): number {
        return vm.budgetValue;
      },
      get trace(): TraceSink | undefined {
        return vm.currentTrace;
      },
    };
  }

  /**
   * Open an ELF object (its bytes, or a file path under Node) with every program and map.
   * @throws LoadError for a malformed object or map set, BpfError IO for an unreadable file.
   */
  static open(source: Uint8Array | string, opts: OpenOptions = {}): VmObject {
    const bytes = typeof source === 'string' ? readFile(source) : source;
    return VmObject.fromBytes(bytes, engineByName, opts);
  }

  /** The current engine's name. */
  get engine(): EngineName {
    return this.engineImpl.name;
  }

  /** The loaded program, if any. */
  get program(): Program | undefined {
    return this.prog;
  }

  get budget(): number {
    return this.budgetValue;
  }

  set budget(value: number) {
    this.budgetValue = checkBudget(value);
  }

  /** Switch engines; a loaded program is prepared again for the new one. */
  setEngine(name: EngineName): this {
    this.engineImpl = engineByName(name);
    this.exe = undefined;
    if (this.prog !== undefined && this.ready())
      this.exe = this.engineImpl.prepare(this.prog, this.env);
    return this;
  }

  /** True when the loaded program may be prepared now (verified, or verification is off). */
  private ready(): boolean {
    return !this.verifyOn || this.verifiedSizes.size > 0;
  }

  /** Verify the loaded program for an input of `size` bytes (once per size). */
  private verifyFor(program: Program, size: number): void {
    if (!this.verifyOn || this.verifiedSizes.has(size)) return;
    verifyOrThrow(program, {
      progType: this.progType,
      memSize: size,
      helpers: protoLookup(this.helpers),
    });
    this.verifiedSizes.add(size);
  }

  /**
   * Load a program: raw bytecode (decoded strictly), a decoded Program (its jump targets are
   * checked), or assembly text. With `memSize` set (or verification off) it is verified and
   * prepared at once, so verifier and compile errors surface here; otherwise on the first run.
   * @throws DecodeError, AsmError, VerifyError (with `report`), CompileError.
   */
  load(code: Uint8Array | Program | string): this {
    let program: Program;
    if (typeof code === 'string') program = assembleProgram(code);
    else if (code instanceof Uint8Array) program = decode(code);
    else {
      checkTargets(code);
      program = code;
    }
    this.prog = undefined;
    this.exe = undefined;
    this.verifiedSizes = new Set();
    if (this.memSize !== undefined) this.verifyFor(program, this.memSize);
    if (this.ready()) this.exe = this.engineImpl.prepare(program, this.env);
    this.prog = program;
    return this;
  }

  /** Register (or replace) helper `id`. A JIT engine re-prepares on the next run. */
  registerHelper(id: number, fn: HelperFn, name?: string): this {
    this.helpers.register(id, fn, name);
    if (this.engineImpl.name !== 'interp') this.exe = undefined;
    return this;
  }

  /**
   * Run the loaded program on a copy of `input` (r1 = its address, r2 = its length) with a
   * clean stack. Returns r0 and the input region as the program left it.
   * @throws RunError on a trap, NOT_LOADED without a program.
   */
  run(input: Uint8Array = new Uint8Array(0), opts: RunOptions = {}): RunResult {
    const program = this.prog;
    if (program === undefined) throw new RunError('NOT_LOADED', 'load a program before run');
    if (opts.trace !== undefined && this.engineImpl.name !== 'interp') {
      throw new RunError('UNSUPPORTED', `tracing needs the interpreter, not '${this.engine}'`);
    }
    if (this.memSize === undefined) this.verifyFor(program, input.length);
    else if (input.length < this.memSize) {
      throw new RunError(
        'BAD_INPUT',
        `input of ${input.length} bytes is shorter than the ${this.memSize} bytes the program was verified for`,
      );
    }
    this.exe ??= this.engineImpl.prepare(program, this.env);
    const exe = this.exe;
    const addr = this.memory.setInput(input);
    this.memory.clearStack();
    this.currentTrace = opts.trace;
    let r0: bigint;
    try {
      r0 = exe.run(addr, input.length);
    } finally {
      this.currentTrace = undefined;
    }
    return {
      r0,
      r0Signed: BigInt.asIntN(64, r0),
      output: this.memory.input(),
      executed: exe.executed,
      engine: this.engineImpl.name,
    };
  }
}

/** Read a file through Node's fs (looked up at run time, so browsers can still load this module). */
function readFile(path: string): Uint8Array {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs') as
    typeof import('node:fs') | undefined;
  if (fs === undefined) {
    throw new BpfError('load', 'IO', `cannot read ${path}: no file system here; pass the bytes`);
  }
  try {
    return new Uint8Array(fs.readFileSync(path));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new BpfError('load', 'IO', `cannot read ${path}: ${why}`, { cause });
  }
}
