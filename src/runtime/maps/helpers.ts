// The map helpers as registry entries. Each one is the Wasm export itself (`wasm`, which JIT code
// calls without leaving Wasm) plus `fn`, a wrapper the interpreter calls that passes r1-r5 from
// ARGS_SLOT to the same export. Ids are those of __BPF_FUNC_MAPPER in linux/bpf.h.

import type { HelperCall, HelperRegistry } from '../helpers.js';
import type { MapExports, WasmHelper } from './module.js';
import type { MapSet } from './set.js';

type HelperExport = {
  [K in keyof MapExports]: MapExports[K] extends WasmHelper ? K : never;
}[keyof MapExports];

/** Helper id, kernel name (without `bpf_`), and the export implementing it. */
export const MAP_HELPERS: ReadonlyArray<readonly [number, string, HelperExport]> = [
  [1, 'map_lookup_elem', 'map_lookup_elem'],
  [2, 'map_update_elem', 'map_update_elem'],
  [3, 'map_delete_elem', 'map_delete_elem'],
  [25, 'perf_event_output', 'perf_event_output'],
  [87, 'map_push_elem', 'map_push_elem'],
  [88, 'map_pop_elem', 'map_pop_elem'],
  [89, 'map_peek_elem', 'map_peek_elem'],
  [130, 'ringbuf_output', 'ringbuf_output'],
  [131, 'ringbuf_reserve', 'ringbuf_reserve'],
  [132, 'ringbuf_submit', 'ringbuf_submit'],
  [133, 'ringbuf_discard', 'ringbuf_discard'],
  [134, 'ringbuf_query', 'ringbuf_query'],
  [195, 'map_lookup_percpu_elem', 'map_lookup_percpu_elem'],
];

/** Register the map helpers of `maps` (replacing any earlier ones with the same ids). */
export function registerMapHelpers(registry: HelperRegistry, maps: MapSet): HelperRegistry {
  for (const [id, name, exportName] of MAP_HELPERS) {
    const wasm = maps.exports[exportName];
    const fn = (call: HelperCall): bigint =>
      wasm(call.arg(1), call.arg(2), call.arg(3), call.arg(4), call.arg(5));
    registry.register(id, fn, name, wasm);
  }
  return registry;
}
