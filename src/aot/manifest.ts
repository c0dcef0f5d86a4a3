// The manifest of an AOT module: what a host needs to run the .wasm without reading our sources.
// It travels inside the module as the custom section `ebpf-wasm.manifest` (UTF-8 JSON), read with
// `WebAssembly.Module.customSections` by our light runtime or by anyone else's host.
//
// Contract of the module (format 1):
//   import env.memory          a WebAssembly.Memory of at least memory.initialPages pages (its
//                              active data segments hold the maps' initial image)
//   import env.helper(i32 id, i32 pc)  a JS helper call: r1-r5 are the five u64 at
//                              layout.argsSlot, r0 goes to the u64 at layout.r0Slot
//   export set_budget(i32 lo, i32 hi)  instruction budget of every following run
//   export <program.export>(i32 r1, i32 r2) -> i32  run a program: r1 = context (or input)
//                              address, r2 = input length (raw programs); returns r0's low half,
//                              the full r0 is the u64 at layout.r0Slot
//   export <program.callbackPrefix><pc>(i64 x11) -> i64  subprograms of programs with callbacks
//   export map_* / ringbuf_* / host_*   the map operations (see src/runtime/maps/maps.wat)
// Tail calls (bpf_tail_call, helper 12): before calling it, the code writes 1 (armed) to the u32
// at layout.tailCallSlot. A host taking the tail call writes the target's program id (u32 at +4)
// and the context (u32 at +8), then 2 (pending) at +0, and returns from env.helper; the code
// then returns from the run export at once (its r0 is meaningless) and the host runs the target's
// export on that context with a fresh budget, at most 33 times per run (failed calls count).
// A host that does not take it returns a negative errno in r0 and the program goes on.
// In socket and tc programs an ld_abs/ld_ind outside the packet returns 0 from the run export
// (the kernel's behaviour); elsewhere it traps like any out-of-range access.
// A trap of the module's own (budget, call depth, fell off the end, packet load) stores its kind
// (u32 at layout.trapKindSlot) and instruction (u32 at layout.trapPcSlot) before `unreachable`;
// any other trap is located through the stack's wasm-function index and byte offset.

import { LoadError } from '../errors.js';
import type { LineRecord } from '../elf/btf-ext.js';
import {
  ARGS_SLOT,
  CPU_SLOT,
  CTX_BASE,
  CTX_SIZE,
  DATA_BASE,
  FRAME_SIZE,
  MAX_FRAMES,
  PACKET_BASE,
  R0_SLOT,
  STACK_BASE,
  TAIL_CALL_SLOT,
  TRAP_KIND_SLOT,
  TRAP_PC_SLOT,
} from '../runtime/layout.js';
import type { MapDef } from '../runtime/maps/types.js';

export const MANIFEST_SECTION = 'ebpf-wasm.manifest';
export const MANIFEST_FORMAT = 1;
/** Module name in the binary's name section: trap frames show as `wasm://wasm/ebpfaot-<hash>`. */
export const AOT_MODULE_NAME = 'ebpfaot';

/** The memory layout (src/runtime/layout.ts) the code was compiled against. */
export interface ManifestLayout {
  readonly r0Slot: number;
  readonly argsSlot: number;
  readonly trapPcSlot: number;
  readonly trapKindSlot: number;
  readonly cpuSlot: number;
  readonly tailCallSlot: number;
  readonly stackBase: number;
  readonly frameSize: number;
  readonly maxFrames: number;
  readonly ctxBase: number;
  readonly ctxSize: number;
  readonly packetBase: number;
  readonly dataBase: number;
}

/** This build's layout: a module compiled against another one cannot run here. */
export const LAYOUT: ManifestLayout = {
  r0Slot: R0_SLOT,
  argsSlot: ARGS_SLOT,
  trapPcSlot: TRAP_PC_SLOT,
  trapKindSlot: TRAP_KIND_SLOT,
  cpuSlot: CPU_SLOT,
  tailCallSlot: TAIL_CALL_SLOT,
  stackBase: STACK_BASE,
  frameSize: FRAME_SIZE,
  maxFrames: MAX_FRAMES,
  ctxBase: CTX_BASE,
  ctxSize: CTX_SIZE,
  packetBase: PACKET_BASE,
  dataBase: DATA_BASE,
};

/** A map as the manifest records it: its definition and where its descriptor is. */
export interface ManifestMap {
  readonly name: string;
  readonly type: number;
  readonly typeName: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Bytes of initial data (global data sections); the bytes are in the data segments. */
  readonly dataSize: number;
  /** Address of the descriptor: what the programs hold in a register for this map. */
  readonly address: number;
  readonly initialValues?: MapDef['initialValues'];
}

/** A helper a program calls through env.helper. */
export interface ManifestHelper {
  readonly id: number;
  readonly name: string;
}

export interface ManifestProgram {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  /** Index in the object: the id prog arrays hold. */
  readonly id: number;
  readonly insns: number;
  /** Export that runs it. */
  readonly export: string;
  /** Export name prefix of its subprograms (+ entry pc), when it has callbacks. */
  readonly callbackPrefix?: string;
  /** The verifier accepted it at compile time. */
  readonly verified: boolean;
  /** Helpers it calls through env.helper (JS), by id. */
  readonly helpers: readonly ManifestHelper[];
  /** Helpers linked in as Wasm (map operations), by id. */
  readonly wasmHelpers: readonly number[];
  /** Range of its functions in the module's function index space: [first, end). */
  readonly functions: readonly [number, number];
  /** Byte offsets in the module and the instruction each one starts (trap locations). */
  readonly pcMap: { readonly offsets: readonly number[]; readonly pcs: readonly number[] };
  /** Stack frames a run can write (1 without bpf-to-bpf calls and callbacks, else all). */
  readonly stackFrames?: number;
  /** Slots of its ldabs/ldind instructions (a fault there ends a socket program with r0 = 0). */
  readonly packetLoads: readonly number[];
  /** BTF line info: instruction slot -> C source line. */
  readonly lines?: readonly LineRecord[];
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly generator: string;
  /** The object file it was compiled from. */
  readonly source: string;
  readonly license?: string;
  readonly memory: {
    /** Pages the imported memory needs at least. */
    readonly initialPages: number;
    /** Bytes of the data area (packets and raw input) at layout.dataBase. */
    readonly dataCapacity: number;
    /** The map area: [mapsBase, mapsEnd). */
    readonly mapsBase: number;
    readonly mapsEnd: number;
  };
  readonly layout: ManifestLayout;
  readonly cpus: number;
  readonly perfBufferSize: number;
  /** Every program of the object (prog arrays hold these ids), compiled in or not. */
  readonly programCount: number;
  /** Functions below this index are the runtime's (map operations). */
  readonly runtimeFunctions: number;
  readonly maps: readonly ManifestMap[];
  readonly programs: readonly ManifestProgram[];
}

/** The manifest section's bytes. */
export function encodeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}

/** The manifest of a compiled module. @throws LoadError AOT_BAD_MODULE */
export function readManifest(module: WebAssembly.Module): Manifest {
  const sections = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  if (sections.length !== 1) {
    throw new LoadError(
      'AOT_BAD_MODULE',
      `the module has ${sections.length} '${MANIFEST_SECTION}' sections, not 1`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sections[0]));
  } catch (cause) {
    throw new LoadError('AOT_BAD_MODULE', `the manifest is not UTF-8 JSON`, { cause });
  }
  return checkManifest(parsed);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Check the shape of a parsed manifest (enough that the runtime never meets a raw TypeError). */
export function checkManifest(v: unknown): Manifest {
  const bad = (what: string): LoadError => new LoadError('AOT_BAD_MODULE', `manifest: ${what}`);
  if (!isObj(v)) throw bad('not an object');
  if (v.format !== MANIFEST_FORMAT) {
    throw new LoadError(
      'AOT_MISMATCH',
      `manifest format ${String(v.format)}; this runtime reads format ${MANIFEST_FORMAT}`,
    );
  }
  const mem = v.memory;
  if (
    !isObj(mem) ||
    !['initialPages', 'dataCapacity', 'mapsBase', 'mapsEnd'].every((k) => isInt(mem[k]))
  ) {
    throw bad('memory');
  }
  if (!isObj(v.layout)) throw bad('layout');
  for (const k of ['cpus', 'perfBufferSize', 'programCount', 'runtimeFunctions']) {
    if (!isInt(v[k])) throw bad(k);
  }
  if (!Array.isArray(v.maps) || !Array.isArray(v.programs)) throw bad('maps or programs');
  v.maps.forEach((m: unknown, i) => {
    if (
      !isObj(m) ||
      typeof m.name !== 'string' ||
      !['type', 'keySize', 'valueSize', 'maxEntries', 'flags', 'dataSize', 'address'].every((k) =>
        isInt(m[k]),
      )
    ) {
      throw bad(`map ${i}`);
    }
  });
  v.programs.forEach((p: unknown, i) => {
    if (
      !isObj(p) ||
      !['name', 'section', 'type', 'export'].every((k) => typeof p[k] === 'string') ||
      !isInt(p.id) ||
      !isInt(p.insns) ||
      !Array.isArray(p.helpers) ||
      !Array.isArray(p.wasmHelpers) ||
      !Array.isArray(p.functions) ||
      !Array.isArray(p.packetLoads) ||
      !isObj(p.pcMap) ||
      !Array.isArray(p.pcMap.offsets) ||
      !Array.isArray(p.pcMap.pcs)
    ) {
      throw bad(`program ${i}`);
    }
  });
  return v as unknown as Manifest;
}
