// An AOT module at run time: the light runtime's counterpart of VmObject. One instance of the
// module over a fresh VmMemory (its data segments write the maps' initial image), the MapSet over
// the module's own map exports, the same helper registry and run loop as every object
// (ObjectRuntime), and one WasmExecutable per program over the shared instance. No binaryen, no
// wabt, no ELF loader or verifier: the programs were verified when they were compiled (the
// manifest says so per program).

import { LoadError } from '../errors.js';
import type { LineRecord } from '../elf/btf-ext.js';
import {
  helperImport,
  type SubprogramFn,
  WasmExecutable,
  type WasmInstance,
} from '../jit/executable.js';
import { type TrapLocator, translateTrap } from '../jit/traps.js';
import { pcAt, type PcMap } from '../jit/pcmap.js';
import type { Executable } from '../runtime/engine.js';
import type { HelperRegistry } from '../runtime/helpers.js';
import { MAX_FRAMES, WASM_PAGE } from '../runtime/layout.js';
import type { MapExports } from '../runtime/maps/module.js';
import { layoutMaps, mapSetOf } from '../runtime/maps/set.js';
import type { MapDef } from '../runtime/maps/types.js';
import { VmMemory } from '../runtime/memory.js';
import {
  ObjectRuntime,
  type ObjectEngine,
  type RuntimeOptions,
  type RuntimeProgram,
  type SourceLine,
} from '../runtime/object/runtime.js';
import { EXPORT_SET_BUDGET, IMPORT_ENV, IMPORT_HELPER, IMPORT_MEMORY } from '../jit/abi.js';
import {
  AOT_MODULE_NAME,
  LAYOUT,
  type Manifest,
  type ManifestProgram,
  readManifest,
} from './manifest.js';

export interface AotOpenOptions extends RuntimeOptions {
  /**
   * Register more helpers (your own, or replacements) before any program runs. Map helpers are
   * linked into the module at compile time and do not go through the registry.
   */
  readonly helpers?: ((registry: HelperRegistry, object: AotObject) => void) | undefined;
}

/** One program of the module. */
export interface AotProgram extends RuntimeProgram {
  readonly manifest: ManifestProgram;
}

const FRAME = /wasm:\/\/wasm\/([^:)\s]*):wasm-function\[(\d+)\]:0x([0-9a-f]+)/g;

export class AotObject extends ObjectRuntime<AotProgram> {
  readonly manifest: Manifest;
  readonly module: WebAssembly.Module;
  readonly instance: WebAssembly.Instance;
  private readonly shared: WasmInstance;

  /**
   * Instantiate a compiled AOT module.
   * @throws LoadError AOT_BAD_MODULE / AOT_MISMATCH when it is not one this runtime can run.
   */
  constructor(module: WebAssembly.Module, opts: AotOpenOptions = {}) {
    const manifest = readManifest(module);
    checkLayout(manifest);
    const memory = new VmMemory(manifest.memory.dataCapacity);
    const layout = layoutMaps(memory, manifest.maps.map(defOf), {
      cpus: manifest.cpus,
      perfBufferSize: manifest.perfBufferSize,
    });
    layout.placements.forEach((p, i) => {
      const want = manifest.maps[i]?.address;
      if (p.desc !== want) {
        throw new LoadError(
          'AOT_MISMATCH',
          `map ${p.def.name} lays out at 0x${p.desc.toString(16)}, the module expects 0x${(want ?? 0).toString(16)}`,
        );
      }
    });
    memory.ensure(Math.max(layout.end, manifest.memory.initialPages * WASM_PAGE));
    // The helper import is linked to the registry once the runtime exists (after super()).
    const link: { helper: (id: number, pc: number) => void } = {
      helper: () => {
        throw new LoadError('AOT_BAD_MODULE', 'a helper was called while the module was starting');
      },
    };
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, {
        [IMPORT_ENV]: {
          [IMPORT_MEMORY]: memory.memory,
          [IMPORT_HELPER]: (id: number, pc: number) => link.helper(id, pc),
        },
      });
    } catch (cause) {
      throw new LoadError('AOT_BAD_MODULE', `cannot instantiate the module: ${String(cause)}`, {
        cause,
      });
    }
    const maps = mapSetOf(memory, layout, instance.exports as unknown as MapExports);
    const programs = manifest.programs.map((m): AotProgram => ({
      name: m.name,
      section: m.section,
      type: m.type,
      id: m.id,
      helpers: [...m.helpers.map((h) => h.id), ...m.wasmHelpers].sort((a, b) => a - b),
      manifest: m,
    }));
    super(memory, maps, programs, manifest.memory.dataCapacity, opts, manifest.programCount);
    this.manifest = manifest;
    this.module = module;
    this.instance = instance;
    const { call, helper } = helperImport(this.env);
    link.helper = helper;
    const setBudget = instance.exports[EXPORT_SET_BUDGET];
    if (typeof setBudget !== 'function') {
      throw new LoadError('AOT_BAD_MODULE', `the module does not export ${EXPORT_SET_BUDGET}`);
    }
    this.shared = {
      call,
      setBudget: setBudget as (lo: number, hi: number) => void,
      budget: { value: -1 },
    };
    opts.helpers?.(this.helpers, this);
  }

  /** Compile and instantiate module bytes (asynchronously: large modules compile off-thread). */
  static async fromBytes(bytes: Uint8Array, opts: AotOpenOptions = {}): Promise<AotObject> {
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (cause) {
      throw new LoadError('AOT_BAD_MODULE', `not a valid WebAssembly module: ${String(cause)}`, {
        cause,
      });
    }
    return new AotObject(module, opts);
  }

  /** The same, synchronously (fine for modules of a few MB; browsers limit sync compiles). */
  static fromBytesSync(bytes: Uint8Array, opts: AotOpenOptions = {}): AotObject {
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (cause) {
      throw new LoadError('AOT_BAD_MODULE', `not a valid WebAssembly module: ${String(cause)}`, {
        cause,
      });
    }
    return new AotObject(module, opts);
  }

  get engine(): ObjectEngine {
    return 'aot';
  }

  /** Helpers a program calls through env.helper that nobody has registered. */
  missingHelpers(name: string): Array<{ id: number; name: string }> {
    return this.program(name).manifest.helpers.filter((h) => !this.helpers.has(h.id));
  }

  protected prepared(p: AotProgram, engine: ObjectEngine): Executable {
    if (engine !== 'aot') {
      throw new LoadError(
        'UNSUPPORTED',
        `an AOT module runs its compiled code ('aot'), not '${engine}': open the ELF object with Vm.open for that`,
      );
    }
    const missing = this.missingHelpers(p.name);
    const first = missing[0];
    if (first !== undefined) {
      throw new LoadError(
        'UNKNOWN_HELPER',
        `program ${p.name} calls helper ${missing.map((h) => `${h.id} (${h.name})`).join(', ')}, which nobody registered`,
      );
    }
    const m = p.manifest;
    const run = this.instance.exports[m.export];
    if (typeof run !== 'function') {
      throw new LoadError('AOT_BAD_MODULE', `the module does not export ${m.export}`);
    }
    const subprograms = new Map<number, SubprogramFn>();
    if (m.callbackPrefix !== undefined) {
      const prefix = m.callbackPrefix;
      for (const [name, fn] of Object.entries(this.instance.exports)) {
        if (!name.startsWith(prefix)) continue;
        const pc = Number(name.slice(prefix.length));
        if (Number.isInteger(pc)) subprograms.set(pc, fn as SubprogramFn);
      }
    }
    const locate = aotLocator(m, this.manifest.runtimeFunctions);
    return new WasmExecutable(
      this.shared,
      {
        run: run as (r1: number, r2: number) => number,
        subprograms,
        translate: (e, budget) => translateTrap(e, this.memory, locate, budget),
      },
      this.env,
    );
  }

  protected sourceLine(p: AotProgram, pc: number): SourceLine | undefined {
    return lineAt(p.manifest.lines, pc);
  }

  protected stackFrames(p: AotProgram): number {
    const n = p.manifest.stackFrames;
    return n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_FRAMES ? n : MAX_FRAMES;
  }

  protected isPacketLoad(p: AotProgram, pc: number): boolean {
    return p.manifest.packetLoads.includes(pc);
  }
}

/** A MapDef again from the manifest's record (enough to lay it out the same way). */
function defOf(m: Manifest['maps'][number]): MapDef {
  return {
    name: m.name,
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
  };
}

function checkLayout(manifest: Manifest): void {
  for (const [key, value] of Object.entries(LAYOUT)) {
    const theirs = (manifest.layout as unknown as Record<string, unknown>)[key];
    if (theirs !== value) {
      throw new LoadError(
        'AOT_MISMATCH',
        `layout.${key} is ${String(theirs)} in the module, ${value} in this runtime`,
      );
    }
  }
}

/**
 * Trap sites in an AOT module, by function index: below `runtimeFunctions` is the map code (a
 * Wasm helper); the program's own functions are `m.functions`, whose offsets its pcMap maps.
 */
function aotLocator(m: ManifestProgram, runtimeFunctions: number): TrapLocator {
  const pcMap: PcMap = {
    offsets: Int32Array.from(m.pcMap.offsets),
    pcs: Int32Array.from(m.pcMap.pcs),
  };
  const [first, end] = m.functions;
  return (stack) => {
    let pc: number | undefined;
    let top: number | undefined;
    let topOurs = false;
    for (const f of stack.matchAll(FRAME)) {
      const ours = (f[1] ?? '').startsWith(`${AOT_MODULE_NAME}-`);
      const index = Number(f[2]);
      if (top === undefined) {
        top = index;
        topOurs = ours;
      }
      if (ours && index >= first && index < end) {
        pc = pcAt(pcMap, parseInt(f[3] ?? '0', 16));
        break;
      }
    }
    return { pc, inHelper: top !== undefined && (!topOurs || top < runtimeFunctions) };
  };
}

function lineAt(lines: readonly LineRecord[] | undefined, pc: number): SourceLine | undefined {
  if (lines === undefined) return undefined;
  let found: LineRecord | undefined;
  for (const rec of lines) {
    if (rec.insn > pc) break;
    found = rec;
  }
  return found;
}
