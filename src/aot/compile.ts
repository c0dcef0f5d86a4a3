// Ahead-of-time compilation: every program of an ELF object (or the ones asked for) into ONE
// self-contained .wasm: the map operations (maps.wasm, read back into binaryen and linked in, so
// map helper calls are direct calls), the maps' initial memory image as active data segments
// (descriptors, global data, prog array and map-in-map slots), each program translated by the
// JIT's code generator under its own names, and the manifest (manifest.ts) as a custom section.
//
// The object is opened exactly as `Vm.open` does (same loader, relocation, map layout, helper
// registry), so a program's map addresses in the module are the ones the light runtime's layout
// gives again, and each program is verified as the Vm would verify it before it is translated.
// No binaryen optimization: function indexes and the source map must stay exact (trap locations).

import { CompileError } from '../errors.js';
import { type BpfObject, loadObject, type LoadOptions } from '../elf/object.js';
import { mapTypeName } from '../elf/maps-def.js';
import { interpEngine } from '../interp/interp.js';
import { infoOf } from '../isa/table.js';
import { IMPORT_ENV, IMPORT_MEMORY } from '../jit/abi.js';
import { watOf, WasmModule } from '../jit/binaryen.js';
import {
  addProgram,
  type CodegenStats,
  declareHelperImport,
  declareShared,
  finish,
} from '../jit/codegen.js';
import { parsePcMap, pcMapOfFile } from '../jit/pcmap.js';
import { appendCustomSection, withModuleName } from '../jit/wasm-binary.js';
import type { HelperRegistry } from '../runtime/helpers.js';
import { CPU_SLOT, WASM_PAGE } from '../runtime/layout.js';
import { MAP_HELPERS, mapsWasm } from '../runtime/maps/index.js';
import {
  nameOfHelper,
  type ObjectProgram,
  packetFaultExits,
  stackFramesOf,
  VmObject,
} from '../runtime/object/index.js';
import { throwIfRejected } from '../verifier/gate.js';
import {
  AOT_MODULE_NAME,
  encodeManifest,
  type Manifest,
  LAYOUT,
  type ManifestMap,
  type ManifestProgram,
  MANIFEST_FORMAT,
  MANIFEST_SECTION,
} from './manifest.js';

export { programObject } from './program-object.js';

export const GENERATOR = 'ebpf-wasm 0.1.0';

export interface AotOptions {
  /** Programs to compile, by name (default: all of them). */
  readonly programs?: readonly string[] | undefined;
  /** Verify each program first (default true); `false` is the explicit opt-out. */
  readonly verify?: boolean | undefined;
  /** Bytes of input memory the verifier may assume at r1 for unspec (raw) programs (default 0). */
  readonly memSize?: number | undefined;
  /** Validate the module with binaryen (tests turn it on). */
  readonly validate?: boolean | undefined;
  /** Bytes of the data area for packets and raw input (default 64 KiB). */
  readonly dataCapacity?: number | undefined;
  /** Virtual CPUs for per-CPU maps (default 1). */
  readonly cpus?: number | undefined;
  /** Bytes per perf event buffer (default 64 KiB). */
  readonly perfBufferSize?: number | undefined;
  /** Program type override (for sections outside libbpf's conventions). */
  readonly programType?: LoadOptions['programType'];
  /** Register the prototypes of your own helpers, so the verifier knows them. */
  readonly helpers?: ((registry: HelperRegistry) => void) | undefined;
  /** Name of the object file, recorded in the manifest. */
  readonly source?: string | undefined;
}

export interface AotModule {
  /** The module, manifest section included. */
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly manifest: Manifest;
  readonly stats: {
    readonly programs: number;
    readonly insns: number;
    readonly functions: number;
    readonly loops: number;
    readonly relooped: number;
    /** Load + verify + translate + emit, milliseconds. */
    readonly compileMs: number;
  };
  /** The module in text format (computed on demand). */
  wat(): string;
}

/** Bytes of zeros that end a data segment (shorter gaps are carried inside one). */
const SEGMENT_GAP = 32;

/**
 * Compile an ELF object (bytes, or already loaded) ahead of time.
 * @throws LoadError (bad object, unknown program), VerifyError (rejected program), CompileError.
 */
export function compileAot(input: Uint8Array | BpfObject, opts: AotOptions = {}): AotModule {
  const t0 = performance.now();
  const object =
    input instanceof Uint8Array
      ? loadObject(input, opts.programType !== undefined ? { programType: opts.programType } : {})
      : input;
  const obj = new VmObject(object, () => interpEngine, {
    dataCapacity: opts.dataCapacity,
    cpus: opts.cpus,
    perfBufferSize: opts.perfBufferSize,
    verify: opts.verify,
    ...(opts.helpers !== undefined ? { helpers: opts.helpers } : {}),
  });
  const selected =
    opts.programs === undefined ? obj.programs : opts.programs.map((n) => obj.program(n));
  const verify = opts.verify ?? true;
  if (verify) {
    const vopts = opts.memSize !== undefined ? { memSize: opts.memSize } : {};
    for (const p of selected) throwIfRejected(obj.verify(p.name, vopts));
  }

  const w = WasmModule.fromBinary(mapsWasm());
  try {
    // The CPU slot is a layout constant: one import fewer for a host.
    if (!w.constantForImportedGlobal(IMPORT_ENV, 'cpu_slot', CPU_SLOT)) {
      throw new CompileError('COMPILE_FAILED', 'internal: maps.wasm does not import cpu_slot');
    }
    const pages = Math.ceil(obj.maps.end / WASM_PAGE);
    const image = segmentsOf(obj.memory.bytes, obj.maps.base, obj.maps.end);
    if (!w.initImportedMemory(IMPORT_ENV, IMPORT_MEMORY, pages, image)) {
      throw new CompileError('COMPILE_FAILED', 'internal: maps.wasm does not import env.memory');
    }
    declareHelperImport(w);
    // Map helpers the registry serves from Wasm are linked in (direct calls, as in the JIT);
    // ids it serves from JS (perf output with packet bytes) stay env.helper calls.
    const linked = new Map<number, string>();
    for (const [id, , exportName] of MAP_HELPERS) {
      if (obj.helpers.get(id)?.wasm === undefined) continue;
      const fn = w.exportedFunction(exportName);
      if (fn === undefined) {
        throw new CompileError('COMPILE_FAILED', `internal: maps.wasm lacks ${exportName}`);
      }
      linked.set(id, fn);
    }
    const runtimeFunctions = w.functionCount();
    declareShared(
      w,
      selected.map((p) => p.program),
    );
    const exportNames = exportNamesOf(selected);
    const units: Array<{
      p: ObjectProgram;
      file: number;
      functions: [number, number];
      callbacks: boolean;
    }> = [];
    const total = { insns: 0, functions: 0, loops: 0, relooped: 0 };
    for (const p of selected) {
      const file = w.addDebugFile(`prog${p.id}`);
      const first = w.functionCount();
      const wasmHelpers = new Map([...linked].filter(([id]) => p.helpers.includes(id)));
      const prefix = `p${p.id}_f`;
      let stats: CodegenStats & { readonly callbacks: boolean };
      try {
        stats = addProgram(w, {
          program: p.program,
          names: { fn: (pc) => `${prefix}${pc}`, run: exportNames.get(p.id) as string },
          wasmHelpers,
          file,
          packetFaultExits: packetFaultExits(p.type),
        });
      } catch (e) {
        if (e instanceof CompileError) {
          throw new CompileError(e.code, `program ${p.name}: ${e.detail ?? e.message}`, {
            insn: e.insn,
            cause: e,
          });
        }
        throw e;
      }
      total.insns += stats.insns;
      total.functions += stats.functions;
      total.loops += stats.loops;
      total.relooped += stats.relooped;
      units.push({ p, file, functions: [first, w.functionCount()], callbacks: stats.callbacks });
    }
    const out = finish(
      w,
      { optimize: false, validate: opts.validate ?? false },
      {
        insns: total.insns,
        functions: total.functions,
        loops: total.loops,
        relooped: total.relooped,
      },
    );
    const pcMap = parsePcMap(out.sourceMap);
    const programs = units.map(({ p, file, functions, callbacks }): ManifestProgram => {
      const own = pcMapOfFile(pcMap, file);
      return {
        name: p.name,
        section: p.section,
        type: p.type,
        id: p.id,
        insns: p.program.slots,
        export: exportNames.get(p.id) as string,
        ...(callbacks ? { callbackPrefix: `p${p.id}_f` } : {}),
        verified: verify,
        helpers: p.helpers
          .filter((id) => !linked.has(id))
          .map((id) => ({ id, name: nameOfHelper(id, obj.helpers) })),
        wasmHelpers: p.helpers.filter((id) => linked.has(id)),
        functions,
        stackFrames: stackFramesOf(p.program),
        pcMap: { offsets: Array.from(own.offsets), pcs: Array.from(own.pcs) },
        packetLoads: p.program.insns
          .filter((i) => {
            const kind = infoOf(i.code).kind;
            return kind === 'ldabs' || kind === 'ldind';
          })
          .map((i) => i.pc),
        ...(p.source.lineInfo !== undefined ? { lines: p.source.lineInfo } : {}),
      };
    });
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      generator: GENERATOR,
      source: opts.source ?? '',
      ...(object.license !== '' ? { license: object.license } : {}),
      memory: {
        initialPages: pages,
        dataCapacity: obj.dataCapacity,
        mapsBase: obj.maps.base,
        mapsEnd: obj.maps.end,
      },
      layout: LAYOUT,
      cpus: obj.maps.cpus,
      perfBufferSize: opts.perfBufferSize ?? 0x10000,
      programCount: obj.programs.length,
      runtimeFunctions,
      maps: object.maps.map((def): ManifestMap => {
        const map = obj.maps.get(def.name);
        return {
          name: def.name,
          type: map.type,
          typeName: mapTypeName(map.type, def.name),
          keySize: def.keySize,
          valueSize: def.valueSize,
          maxEntries: def.maxEntries,
          flags: def.flags ?? 0,
          dataSize: def.data?.length ?? 0,
          address: map.descriptorAddress,
          ...(def.initialValues !== undefined ? { initialValues: def.initialValues } : {}),
        };
      }),
      programs,
    };
    const wasm = appendCustomSection(
      withModuleName(out.binary, AOT_MODULE_NAME),
      MANIFEST_SECTION,
      encodeManifest(manifest),
    );
    let text: string | undefined;
    return {
      wasm,
      manifest,
      stats: { programs: programs.length, ...total, compileMs: performance.now() - t0 },
      wat: () => (text ??= watOf(wasm)),
    };
  } finally {
    w.dispose();
  }
}

/** Non-zero runs of memory [start, end) as data segments. */
function segmentsOf(bytes: Uint8Array, start: number, end: number): Array<[number, Uint8Array]> {
  const out: Array<[number, Uint8Array]> = [];
  let i = start;
  while (i < end) {
    while (i < end && bytes[i] === 0) i++;
    if (i >= end) break;
    const from = i;
    let last = i;
    while (i < end && i - last <= SEGMENT_GAP) {
      if (bytes[i] !== 0) last = i;
      i++;
    }
    out.push([from, bytes.slice(from, last + 1)]);
    i = last + 1;
  }
  return out;
}

/** `run_<name>` for C-identifier names (unique), else `run_<id>`. */
function exportNamesOf(programs: readonly ObjectProgram[]): Map<number, string> {
  const out = new Map<number, string>();
  const used = new Set<string>();
  for (const p of programs) {
    let name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name) ? `run_${p.name}` : `run_${p.id}`;
    if (used.has(name)) name = `run_${p.id}`;
    used.add(name);
    out.set(p.id, name);
  }
  return out;
}
