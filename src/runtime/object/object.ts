// An ELF object at run time: the ObjectRuntime (runtime.ts: memory, maps, helpers, the run loop)
// over the programs the loader produced, each relocated into that memory, verified (with its
// type, the object's maps and BTF line info) and prepared for the interpreter or the JIT on first
// use, and cached per engine. Preparing checks that every helper it calls is registered
// (LoadError UNKNOWN_HELPER naming the helper and the first call).
//
// Opened through `Vm.open(bytesOrPath, opts)` (src/vm.ts), which passes the engine registry in.

import { LoadError } from '../../errors.js';
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
import type { Engine, EngineName, Executable } from '../engine.js';
import type { HelperRegistry } from '../helpers.js';
import { DEFAULT_DATA_CAPACITY } from '../layout.js';
import { createMaps } from '../maps/index.js';
import { VmMemory } from '../memory.js';
import { stackFramesOf } from './frames.js';
import {
  checkHelpers,
  helpersOf,
  type MissingHelper,
  missingHelpers,
  relocate,
} from './relocate.js';
import {
  ObjectRuntime,
  packetFaultExits,
  type ObjectEngine,
  type RuntimeOptions,
  type RuntimeProgram,
  type SourceLine,
} from './runtime.js';
import { protoLookup, throwIfRejected } from '../../verifier/gate.js';
import { verify, type VerifyResult } from '../../verifier/verify.js';

export interface OpenOptions extends RuntimeOptions {
  /** Default 'interp'. */
  readonly engine?: EngineName | undefined;
  /** Bytes of the data area for packets and raw memory (default 64 KiB). */
  readonly dataCapacity?: number | undefined;
  /** Virtual CPUs for per-CPU maps (default 1). */
  readonly cpus?: number | undefined;
  /** Bytes per perf event buffer. */
  readonly perfBufferSize?: number | undefined;
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

/** One program of the object, ready to prepare. */
export interface ObjectProgram extends RuntimeProgram {
  /** The program as the loader produced it (map references as src=5/6 lddw), for the verifier. */
  readonly original: Program;
  /** The program the engines run (map references patched to addresses). */
  readonly program: Program;
  readonly source: BpfProgram;
}

export type EngineResolver = (name: EngineName) => Engine;

export class VmObject extends ObjectRuntime<ObjectProgram> {
  readonly object: BpfObject;
  private engineName: EngineName;
  private readonly verifyOn: boolean;
  /** Ids of programs the verifier accepted. */
  private readonly verified = new Set<number>();

  constructor(
    object: BpfObject,
    private readonly resolveEngine: EngineResolver,
    opts: OpenOptions = {},
  ) {
    const dataCapacity = opts.dataCapacity ?? DEFAULT_DATA_CAPACITY;
    const memory = new VmMemory(dataCapacity);
    const maps = createMaps(memory, object.maps, {
      cpus: opts.cpus,
      perfBufferSize: opts.perfBufferSize,
    });
    const mapNames = object.maps.map((m) => m.name);
    const programs = object.programs.map((source, id): ObjectProgram => {
      const original = decode(source.insns);
      return {
        name: source.name,
        section: source.section,
        type: source.type,
        id,
        original,
        program: relocate(original, mapNames, maps),
        helpers: helpersOf(original),
        source,
      };
    });
    super(memory, maps, programs, dataCapacity, opts, programs.length);
    this.object = object;
    this.engineName = opts.engine ?? 'interp';
    this.verifyOn = opts.verify ?? true;
    resolveEngine(this.engineName);
    this.setProgramInitialValues(object.maps);
    opts.helpers?.(this.helpers, this);
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

  /** Helpers a program calls that nobody has registered (empty when it can run). */
  missingHelpers(name: string): MissingHelper[] {
    return missingHelpers(this.program(name).original, this.helpers);
  }

  protected prepared(p: ObjectProgram, engine: ObjectEngine): Executable {
    if (engine === 'aot') {
      throw new LoadError(
        'UNSUPPORTED',
        'an ELF object runs on interp or jit; compile it ahead of time and load the .wasm with ebpf-wasm/runtime for aot',
      );
    }
    checkHelpers(p.name, p.program, this.helpers);
    if (this.verifyOn && !this.verified.has(p.id)) {
      throwIfRejected(this.verify(p.name));
      this.verified.add(p.id);
    }
    return this.resolveEngine(engine).prepare(p.program, this.env, {
      packetFaultExits: packetFaultExits(p.type),
    });
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

  protected sourceLine(p: ObjectProgram, pc: number): SourceLine | undefined {
    return lineOf(p.source, pc);
  }

  protected stackFrames(p: ObjectProgram): number {
    return stackFramesOf(p.program);
  }

  protected isPacketLoad(p: ObjectProgram, pc: number): boolean {
    return isPacketLoadAt(p.program, pc);
  }
}

/** Whether the instruction at slot `pc` is a legacy packet load (ldabs/ldind). */
export function isPacketLoadAt(program: Program, pc: number): boolean {
  const insn = program.insns[program.indexOfPc[pc] ?? -1];
  if (insn === undefined) return false;
  const kind = infoOf(insn.code).kind;
  return kind === 'ldabs' || kind === 'ldind';
}
