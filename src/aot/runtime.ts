// ebpf-wasm/runtime: the light runtime. It runs modules compiled ahead of time
// (`ebpf-wasm compile OBJ.o -o out.wasm`, or compileAot from 'ebpf-wasm/jit') with the same host
// API as objects opened for the JIT (`obj.run(name, { packet })`, `obj.map(name).lookup(...)`,
// helpers, ring buffer and perf readers), and imports neither binaryen nor wabt, nor the ELF
// loader or the verifier: what it loads is this folder's AotObject, the runtime (memory, maps,
// helpers, contexts) and the binaryen-free half of the JIT that runs Wasm code
// (test/aot/runtime-imports.test.ts checks the import graph).

import { LoadError } from '../errors.js';
import { AotObject, type AotOpenOptions } from './object.js';

export { AotObject, type AotOpenOptions, type AotProgram } from './object.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_SECTION,
  readManifest,
  type Manifest,
  type ManifestHelper,
  type ManifestLayout,
  type ManifestMap,
  type ManifestProgram,
} from './manifest.js';
export {
  BpfError,
  ERROR_CODES,
  LoadError,
  RunError,
  type ErrorCode,
  type Stage,
} from '../errors.js';
export type { ObjectEngine, ObjectRunOptions, ObjectRunResult } from '../runtime/object/runtime.js';
export type { ProgramRunner, RunnerOptions } from '../runtime/object/runner.js';
export type { ContextFields, ContextInput } from '../runtime/context/index.js';
export { HelperCall, HelperRegistry, type HelperDef, type HelperFn } from '../runtime/helpers.js';
export { helperId, helperName } from '../runtime/helpers/ids.js';
export type { HostEnv } from '../runtime/helpers/host.js';
export { BpfMap } from '../runtime/maps/map.js';
export { MapSet } from '../runtime/maps/set.js';
export { PerfReader, type PerfSample } from '../runtime/maps/perf.js';
export { RingBufferReader } from '../runtime/maps/ringbuf.js';
export { UpdateFlag, MapType } from '../runtime/maps/types.js';
export { VmMemory } from '../runtime/memory.js';

/**
 * Load an AOT module: its bytes, a file path (Node), or a URL (fetched; browsers and Node).
 * @throws LoadError IO when it cannot be read, AOT_BAD_MODULE / AOT_MISMATCH when it is not a
 * module this runtime can run.
 */
export async function loadAot(
  source: Uint8Array | string | URL,
  opts: AotOpenOptions = {},
): Promise<AotObject> {
  return AotObject.fromBytes(await readSource(source), opts);
}

async function readSource(source: Uint8Array | string | URL): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const url = typeof source === 'string' ? undefined : source;
  let res: Response;
  try {
    if (url === undefined || url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return new Uint8Array(await readFile(source));
    }
    res = await fetch(url);
  } catch (cause) {
    throw new LoadError('IO', `cannot read ${String(source)}: ${String(cause)}`, { cause });
  }
  if (!res.ok) throw new LoadError('IO', `cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
