// Where each map lives in linear memory: the descriptor (the address `lddw rX, map` is patched
// with) and the storage behind it, all sized at creation so nothing is allocated at run time.
// The descriptor field offsets are the ones maps.wat reads; DESC names them for the host side.

import { BpfError } from '../../errors.js';
import {
  Kind,
  KIND_OF,
  MapFlag,
  isLru,
  isMapInMap,
  isPerCpu,
  isRedirectMap,
  MapType,
  mapTypeOf,
  type KindValue,
  type MapDef,
} from './types.js';

/** Descriptor field offsets (u32 unless marked), mirrored in the header of maps.wat. */
export const DESC = {
  TYPE: 0,
  KEY_SIZE: 4,
  VALUE_SIZE: 8,
  MAX_ENTRIES: 12,
  FLAGS: 16,
  STRIDE: 20,
  NCPUS: 24,
  COUNT: 28,
  DATA: 32,
  BUCKETS: 36,
  BUCKET_MASK: 40,
  FREE: 44,
  LRU_HEAD: 48,
  LRU_TAIL: 52,
  ELEM_SIZE: 56,
  KEY_STRIDE: 60,
  Q_HEAD: 64,
  Q_TAIL: 68,
  Q_SLOTS: 72,
  /** Hash/LPM: the next never-used element of the pool (the queue head field). */
  POOL_NEXT: 64,
  /** Hash/LPM: the end of the element pool (the queue tail field). */
  POOL_END: 68,
  RING_MASK: 76,
  /** u64 */
  CONSUMER_POS: 80,
  /** u64 */
  PRODUCER_POS: 88,
  RING_PAGE: 96,
  PERF_SLOTS: 100,
  /** cpumap: the virtual CPUs (a queue for another CPU is -ENODEV); the PERF_SLOTS field. */
  POSSIBLE_CPUS: 100,
  PERF_STRIDE: 104,
  SLOT_STRIDE: 108,
  KIND: 112,
  LRU: 116,
  INNER: 120,
  PERCPU: 124,
} as const;
export const DESC_SIZE = 128;

/** Hash/LPM element header: next, hash, LRU prev, LRU next; the key follows. */
export const ELEM_HEADER = 16;
/** Perf buffer slot header: u64 head, u64 tail, u64 lost, pad. */
export const PERF_SLOT_HEADER = 32;
export const RING_PAGE_SIZE = 4096;
/** Ring buffer record header flags (BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT). */
export const RINGBUF_BUSY = 0x80000000;
export const RINGBUF_DISCARD = 0x40000000;
export const RINGBUF_HDR_SIZE = 8;
/** LPM_DATA_SIZE_MAX in the kernel. */
const LPM_DATA_MAX = 256;

export const round8 = (n: number): number => (n + 7) & ~7;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const nextPow2 = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));
const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

export interface LayoutOptions {
  /** Virtual CPUs for per-CPU maps. */
  readonly cpus: number;
  /** Bytes of each perf event buffer (power of two, at least 4096). */
  readonly perfBufferSize: number;
}

/** The storage of one map once placed; every field is an address or a count. */
export interface MapPlacement {
  readonly def: MapDef;
  /** enum bpf_map_type number. */
  readonly type: number;
  readonly kind: KindValue;
  readonly desc: number;
  /** Values per element: the number of CPUs for per-CPU maps, else 1. */
  readonly ncpus: number;
  readonly stride: number;
  /** Region a program may access directly (values, records), or null. */
  readonly region: { start: number; end: number; writable: boolean } | null;
  /** Descriptor fields to write: [offset, value] (u32) and u64 ones. */
  readonly fields: ReadonlyArray<readonly [number, number]>;
  /** Ring buffer control page (its first u32 gets the descriptor address). */
  readonly ringPage: number;
  readonly data: number;
}

function bad(def: MapDef, why: string): BpfError {
  return new BpfError('load', 'BAD_MAP', `map ${def.name}: ${why}`);
}

/** A bump allocator over the map area. */
export class Arena {
  constructor(public next: number) {}
  alloc(size: number, align = 8): number {
    const at = alignUp(this.next, align);
    this.next = at + size;
    return at;
  }
}

/** Check a definition against the kernel's rules for its type and place its storage. */
export function placeMap(
  def: MapDef,
  desc: number,
  arena: Arena,
  opts: LayoutOptions,
): MapPlacement {
  const type = mapTypeOf(def);
  const kind = KIND_OF.get(type);
  if (kind === undefined) {
    throw new BpfError(
      'load',
      'MAP_UNSUPPORTED',
      `map ${def.name}: type ${def.type} is not supported`,
    );
  }
  const { keySize: ksz, valueSize: vsz } = def;
  let max = def.maxEntries;
  for (const [what, n] of [
    ['key size', ksz],
    ['value size', vsz],
    ['max_entries', max],
  ] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw bad(def, `${what} ${n} is invalid`);
  }
  const ncpus = isPerCpu(type) ? opts.cpus : 1;
  const stride = round8(vsz);
  const fields: Array<readonly [number, number]> = [];
  let region: MapPlacement['region'] = null;
  let ringPage = 0;
  let data = 0;
  // The kernel sets BPF_F_RDONLY_PROG on devmaps itself: a lookup points at the device entry.
  const writable = ((def.flags ?? 0) & MapFlag.RDONLY_PROG) === 0 && !isRedirectMap(type);
  if (isRedirectMap(type) && (ksz !== 4 || (vsz !== 4 && vsz !== 8))) {
    // value: u32 ifindex (devmap) or queue size (cpumap), optionally followed by a prog fd
    throw bad(def, 'devmap and cpumap keys are 4 bytes and values 4 or 8');
  }

  switch (kind) {
    case Kind.ARRAY: {
      if (ksz !== 4) throw bad(def, 'array keys are 4 bytes');
      if (vsz === 0 || max === 0) throw bad(def, 'value size and max_entries must be non-zero');
      const slot = stride * ncpus;
      data = arena.alloc(max * slot);
      if (def.data !== undefined) {
        if (def.data.length > vsz) throw bad(def, `initial data is larger than the value`);
        if (ncpus !== 1) throw bad(def, 'initial data on a per-CPU array');
      }
      fields.push([DESC.SLOT_STRIDE, slot]);
      region = { start: data, end: data + max * slot, writable };
      break;
    }
    case Kind.FD_ARRAY: {
      if (ksz !== 4 || vsz !== 4)
        throw bad(def, 'key and value of a prog array or array of maps are 4 bytes');
      if (max === 0) throw bad(def, 'max_entries must be non-zero');
      data = arena.alloc(max * 8);
      fields.push([DESC.SLOT_STRIDE, 8]);
      break;
    }
    case Kind.DEV_ARRAY: {
      if (max === 0) throw bad(def, 'max_entries must be non-zero');
      // 8-byte slots {ifindex or queue size, prog id} whatever the value size: an empty slot
      // is a 0 in the first word, as the kernel keeps no entry for ifindex/queue size 0.
      data = arena.alloc(max * 8);
      fields.push([DESC.SLOT_STRIDE, 8]);
      if (type === MapType.CPUMAP) fields.push([DESC.POSSIBLE_CPUS, opts.cpus]);
      region = { start: data, end: data + max * 8, writable };
      break;
    }
    case Kind.HASH:
    case Kind.LPM:
    case Kind.DEV_HASH: {
      if (ksz === 0 || vsz === 0 || max === 0)
        throw bad(def, 'key size, value size and max_entries must be non-zero');
      if (isMapInMap(type) && vsz !== 4) throw bad(def, 'values of a hash of maps are 4 bytes');
      if (kind === Kind.LPM && (ksz <= 4 || ksz > 4 + LPM_DATA_MAX)) {
        throw bad(def, 'LPM trie keys are a u32 prefix length and 1..256 data bytes');
      }
      const keyStride = round8(ksz);
      const elemSize = ELEM_HEADER + keyStride + stride * ncpus;
      // The LPM root is bucket 0; hashes are spread over a power of two of buckets.
      const nbuckets = kind === Kind.LPM ? 1 : nextPow2(max);
      const buckets = arena.alloc(nbuckets * 4);
      // An LPM trie needs up to max_entries - 1 intermediate nodes besides its entries.
      const elems = kind === Kind.LPM ? 2 * max : max;
      data = arena.alloc(elems * elemSize);
      // Elements are handed out from a bump pointer, then from the free list of deleted ones.
      fields.push(
        [DESC.POOL_NEXT, data],
        [DESC.POOL_END, data + elems * elemSize],
        [DESC.BUCKETS, buckets],
        [DESC.BUCKET_MASK, nbuckets - 1],
        [DESC.ELEM_SIZE, elemSize],
        [DESC.KEY_STRIDE, keyStride],
        [DESC.LRU, isLru(type) ? 1 : 0],
      );
      region = { start: data, end: data + elems * elemSize, writable };
      break;
    }
    case Kind.QUEUE:
    case Kind.STACK: {
      if (ksz !== 0 || vsz === 0 || max === 0)
        throw bad(def, 'queue/stack: key size 0, value size and max_entries non-zero');
      data = arena.alloc((max + 1) * vsz);
      fields.push([DESC.Q_SLOTS, max + 1]);
      break;
    }
    case Kind.RINGBUF: {
      if (ksz !== 0 || vsz !== 0) throw bad(def, 'ring buffer key and value sizes must be 0');
      if (!isPow2(max) || max % RING_PAGE_SIZE !== 0) {
        throw bad(def, 'ring buffer size must be a power of two and a multiple of 4096');
      }
      ringPage = arena.alloc(RING_PAGE_SIZE, RING_PAGE_SIZE);
      // data, then as many spare bytes, which a record wrapping around the end spills into
      data = arena.alloc(2 * max, RING_PAGE_SIZE);
      fields.push([DESC.RING_MASK, max - 1], [DESC.RING_PAGE, ringPage]);
      region = { start: data, end: data + 2 * max, writable: true };
      break;
    }
    case Kind.PERF: {
      if (ksz !== 4 || vsz !== 4) throw bad(def, 'perf event array key and value are 4 bytes');
      // libbpf sizes a perf event array with max_entries 0 to the number of CPUs
      if (max === 0) max = opts.cpus;
      const size = opts.perfBufferSize;
      if (!isPow2(size) || size < 4096)
        throw bad(def, 'perf buffer size must be a power of two >= 4096');
      const slots = Math.min(max, opts.cpus);
      data = arena.alloc(slots * (PERF_SLOT_HEADER + size));
      fields.push(
        [DESC.RING_MASK, size - 1],
        [DESC.PERF_SLOTS, slots],
        [DESC.PERF_STRIDE, PERF_SLOT_HEADER + size],
      );
      break;
    }
  }
  fields.push(
    [DESC.TYPE, type],
    [DESC.KEY_SIZE, ksz],
    [DESC.VALUE_SIZE, vsz],
    [DESC.MAX_ENTRIES, max],
    [DESC.FLAGS, def.flags ?? 0],
    [DESC.STRIDE, stride],
    [DESC.NCPUS, ncpus],
    [DESC.DATA, data],
    [DESC.KIND, kind],
    [DESC.INNER, isMapInMap(type) ? 1 : 0],
    [DESC.PERCPU, isPerCpu(type) ? 1 : 0],
  );
  return { def, type, kind, desc, ncpus, stride, region, fields, ringPage, data };
}
