// Compiles maps.wat (once per process, with wabt) and instantiates it against a VM memory.
// The compiled module is shared; each VmMemory gets its own instance.

import { BpfError } from '../../errors.js';
import { CPU_SLOT } from '../layout.js';
import type { VmMemory } from '../memory.js';

/** A helper with the eBPF ABI: (r1..r5) -> r0, as Wasm i64 (BigInt in JS). */
export type WasmHelper = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** What maps.wat exports. */
export interface MapExports {
  readonly map_lookup_elem: WasmHelper;
  readonly map_update_elem: WasmHelper;
  readonly map_delete_elem: WasmHelper;
  readonly perf_event_output: WasmHelper;
  readonly map_push_elem: WasmHelper;
  readonly map_pop_elem: WasmHelper;
  readonly map_peek_elem: WasmHelper;
  readonly ringbuf_output: WasmHelper;
  readonly ringbuf_reserve: WasmHelper;
  readonly ringbuf_submit: WasmHelper;
  readonly ringbuf_discard: WasmHelper;
  readonly ringbuf_query: WasmHelper;
  readonly map_lookup_percpu_elem: WasmHelper;
  host_lookup(map: number, key: number, cpu: number): number;
  host_update(map: number, key: number, values: number, flags: bigint): number;
  host_delete(map: number, key: number): number;
  host_next_key(map: number, key: number, next: number): number;
  tail_call_target(map: number, index: number): number;
}

/** A file next to this one: read from disk under Node, fetched in a browser; null if absent. */
async function readBeside(name: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const url = new URL(name, import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url).then(
      (b) => new Uint8Array(b),
      () => null,
    );
  }
  const res = await fetch(url);
  return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
}

/**
 * The built package ships maps.wasm (compiled from maps.wat by build-wasm.mjs at build time), so
 * it never loads wabt; from sources the WAT is compiled here with wabt.
 */
async function compile(): Promise<Uint8Array<ArrayBuffer>> {
  const wasm = await readBeside('./maps.wasm');
  if (wasm !== null) return wasm;
  const wat = await readBeside('./maps.wat');
  if (wat === null) {
    throw new BpfError(
      'load',
      'MAP_ERROR',
      'neither maps.wasm nor maps.wat is beside the maps module',
    );
  }
  const text = new TextDecoder().decode(wat);
  // wabt is CommonJS (`export =`): its function arrives as the namespace's default.
  const { default: initWabt } = (await import('wabt')) as unknown as {
    default: typeof import('wabt');
  };
  const wabt = await initWabt();
  const parsed = wabt.parseWat('maps.wat', text, { bulk_memory: true });
  try {
    parsed.validate();
    // copy: wabt hands out a view typed over ArrayBufferLike
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

// Compiled at import (top-level await) so createMaps can stay synchronous. A failure is kept and
// reported as a BpfError on first use rather than breaking every importer.
let compileFailure: unknown;
const binary: Uint8Array<ArrayBuffer> | undefined = await compile().catch((cause: unknown) => {
  compileFailure = cause;
  return undefined;
});
let compiled: WebAssembly.Module | undefined;

/** The binary of the maps module (the AOT compiler links it into its output). */
export function mapsWasm(): Uint8Array<ArrayBuffer> {
  if (binary === undefined) {
    throw new BpfError('load', 'MAP_ERROR', 'maps.wat does not compile', { cause: compileFailure });
  }
  return binary;
}

/** The compiled maps module (compiled on first use, then shared). */
export function mapsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(mapsWasm());
  return compiled;
}

/** Instantiate the map operations over `memory`. */
export function instantiateMaps(memory: VmMemory): MapExports {
  const instance = new WebAssembly.Instance(mapsModule(), {
    env: { memory: memory.memory, cpu_slot: CPU_SLOT },
  });
  return instance.exports as unknown as MapExports;
}
