// Maps in linear memory: the public surface of src/runtime/maps.

export { createMaps } from './create.js';
export {
  layoutMaps,
  mapSetOf,
  MapSet,
  writeMaps,
  type CreateMapsOptions,
  type MapsLayout,
} from './set.js';
export { BpfMap, type MapBytes } from './map.js';
export { MapError } from './error.js';
export { RingBufferReader } from './ringbuf.js';
export { PerfReader, type PerfSample } from './perf.js';
export type { PollOptions } from './poll.js';
export { registerMapHelpers, MAP_HELPERS } from './helpers.js';
export { currentCpu, setCurrentCpu } from './cpu.js';
export {
  mapsModule,
  mapsWasm,
  instantiateMaps,
  type MapExports,
  type WasmHelper,
} from './module.js';
export { DESC, DESC_SIZE, RINGBUF_BUSY, RINGBUF_DISCARD, RINGBUF_HDR_SIZE } from './layout.js';
export {
  BPF_F_CURRENT_CPU,
  Errno,
  MapFlag,
  MapType,
  RingQuery,
  UpdateFlag,
  type MapDef,
} from './types.js';
