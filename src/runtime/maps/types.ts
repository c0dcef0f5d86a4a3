// Map definitions as the loader hands them over, the kernel's map type numbers and flags, and the
// errno values map operations return. Plain data only; layout.ts turns a MapDef into storage.

/** enum bpf_map_type from linux/bpf.h (only the numbers; which ones are supported: KIND_OF). */
export const MapType = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  CPUMAP: 16,
  QUEUE: 22,
  STACK: 23,
  DEVMAP_HASH: 25,
  RINGBUF: 27,
} as const;
export type MapTypeName = keyof typeof MapType;

/** BPF_ANY / BPF_NOEXIST / BPF_EXIST for update and push. */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

/** map_flags bits the runtime looks at. */
export const MapFlag = {
  NO_PREALLOC: 1 << 0,
  /** The program may only read the map (libbpf sets it on `.rodata`). */
  RDONLY_PROG: 1 << 7,
  MMAPABLE: 1 << 10,
} as const;

/** bpf_ringbuf_query flags. */
export const RingQuery = { AVAIL_DATA: 0, RING_SIZE: 1, CONS_POS: 2, PROD_POS: 3 } as const;

/** perf_event_output flag: use the current CPU's buffer (BPF_F_CURRENT_CPU). */
export const BPF_F_CURRENT_CPU = 0xffffffffn;

/** The errno values map operations return negated (asm-generic/errno-base.h). */
export const Errno = {
  ENOENT: 2,
  E2BIG: 7,
  EAGAIN: 11,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
} as const;

export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(Errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

/**
 * One map as the loader describes it (legacy `maps` section, BTF `.maps`, or a global-data
 * section turned into a one-entry array as libbpf does). Extra fields are ignored.
 */
export interface MapDef {
  readonly name: string;
  /**
   * enum bpf_map_type: the number (MapType), or its name without the prefix in any case
   * (`hash`, `LRU_HASH`), as the ELF loader gives it next to `typeId`.
   */
  readonly type: number | string;
  /** The type number when `type` is a name (the ELF loader's MapDef); wins over `type`. */
  readonly typeId?: number | undefined;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number | undefined;
  /** Initial bytes of element 0 (global data: `.data`, `.rodata`, ...); at most valueSize. */
  readonly data?: Uint8Array | undefined;
  /**
   * `values` initialisers of a prog array or map of maps. Maps (kind 'map') are set by
   * createMaps; programs (kind 'prog') get ids only when loaded, so the runtime sets those.
   */
  readonly initialValues?:
    | ReadonlyArray<{
        readonly index: number;
        readonly kind: 'map' | 'prog';
        readonly name: string;
      }>
    | undefined;
}

/** The enum bpf_map_type number of a definition, or -1 for a name nobody knows. */
export function mapTypeOf(def: MapDef): number {
  if (def.typeId !== undefined) return def.typeId;
  if (typeof def.type === 'number') return def.type;
  const name = def.type.toUpperCase().replace(/^BPF_MAP_TYPE_/, '');
  return name in MapType ? MapType[name as MapTypeName] : -1;
}

/**
 * How the Wasm code handles a map type (descriptor field `kind`, the dispatch index in
 * maps.wat). Several kernel types share one implementation.
 */
export const Kind = {
  HASH: 1,
  ARRAY: 2,
  FD_ARRAY: 3,
  LPM: 4,
  QUEUE: 5,
  STACK: 6,
  RINGBUF: 7,
  PERF: 8,
  /** devmap, cpumap: array slots holding {ifindex or queue size, prog id}; 0 = empty. */
  DEV_ARRAY: 9,
  /** devmap_hash: hash storage, devmap values. */
  DEV_HASH: 10,
} as const;
export type KindValue = (typeof Kind)[keyof typeof Kind];

/** The supported map types and their implementation. */
export const KIND_OF: ReadonlyMap<number, KindValue> = new Map<number, KindValue>([
  [MapType.HASH, Kind.HASH],
  [MapType.PERCPU_HASH, Kind.HASH],
  [MapType.LRU_HASH, Kind.HASH],
  [MapType.LRU_PERCPU_HASH, Kind.HASH],
  [MapType.HASH_OF_MAPS, Kind.HASH],
  [MapType.ARRAY, Kind.ARRAY],
  [MapType.PERCPU_ARRAY, Kind.ARRAY],
  [MapType.PROG_ARRAY, Kind.FD_ARRAY],
  [MapType.ARRAY_OF_MAPS, Kind.FD_ARRAY],
  [MapType.LPM_TRIE, Kind.LPM],
  [MapType.QUEUE, Kind.QUEUE],
  [MapType.STACK, Kind.STACK],
  [MapType.RINGBUF, Kind.RINGBUF],
  [MapType.PERF_EVENT_ARRAY, Kind.PERF],
  [MapType.DEVMAP, Kind.DEV_ARRAY],
  [MapType.CPUMAP, Kind.DEV_ARRAY],
  [MapType.DEVMAP_HASH, Kind.DEV_HASH],
]);

export const isPerCpu = (type: number): boolean =>
  type === MapType.PERCPU_ARRAY || type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;

export const isLru = (type: number): boolean =>
  type === MapType.LRU_HASH || type === MapType.LRU_PERCPU_HASH;

export const isMapInMap = (type: number): boolean =>
  type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;

/** Redirect targets of bpf_redirect_map: programs may look them up but never change them. */
export const isRedirectMap = (type: number): boolean =>
  type === MapType.DEVMAP || type === MapType.DEVMAP_HASH || type === MapType.CPUMAP;
