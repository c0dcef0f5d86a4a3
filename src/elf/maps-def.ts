// Map definitions read from an object, as plain data: the legacy `maps` section
// (struct bpf_map_def), BTF-defined maps in `.maps` (read from the .BTF description of each
// variable, as libbpf does), and global data sections (`.data`, `.rodata`, `.bss`, `.data.*`,
// `.rodata.*`), which become one-entry array maps. The runtime lays the maps out in memory;
// nothing here allocates map storage.

import { LoadError } from '../errors.js';
import {
  type Btf,
  type BtfType,
  datasecByName,
  sizeOfType,
  skipModifiers,
  typeById,
} from './btf.js';
import { type ElfFile, type ElfSection, type ElfSymbol, SymType } from './elf.js';

/** `enum bpf_map_type` from linux/bpf.h, in order (the index is the kernel's number). */
export const MAP_TYPES = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage',
  'reuseport_sockarray',
  'percpu_cgroup_storage',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
] as const;
export type MapTypeName = (typeof MAP_TYPES)[number];

export const MapTypeId = {
  ARRAY: 2,
  PROG_ARRAY: 3,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
} as const;

/** BPF_F_RDONLY_PROG: the program may only read the map (libbpf sets it on .rodata). */
export const BPF_F_RDONLY_PROG = 0x80;

/** One `values` initialiser of a prog array or map-in-map: slot `index` holds `name`. */
export interface MapInitialValue {
  readonly index: number;
  readonly kind: 'map' | 'prog';
  readonly name: string;
}

export interface MapDef {
  readonly name: string;
  /** Where it was defined: `maps`, `.maps`, or the global data section's name. */
  readonly section: string;
  readonly type: MapTypeName;
  readonly typeId: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly pinning: number;
  readonly numaNode: number;
  /** Inner map template of an array/hash of maps (BTF `__array(values, struct {...})`). */
  readonly inner?: MapDef;
  /** Legacy definitions: index (in this object's maps) of the inner map template. */
  readonly innerMapIndex?: number;
  readonly initialValues?: readonly MapInitialValue[];
  /** Initial bytes of a global data map (zeros for .bss). */
  readonly data?: Uint8Array;
  /** BTF type ids of key and value, when the map is BTF-defined. */
  readonly btfKeyTypeId?: number;
  readonly btfValueTypeId?: number;
}

/** The map's type name; MAP_UNKNOWN_TYPE for numbers the kernel does not define. */
export function mapTypeName(typeId: number, mapName: string): MapTypeName {
  const name = MAP_TYPES[typeId];
  if (name === undefined || typeId === 0) {
    throw new LoadError('MAP_UNKNOWN_TYPE', `map '${mapName}' has unknown type ${typeId}`);
  }
  return name;
}

function badDef(detail: string): never {
  throw new LoadError('MAP_BAD_DEF', detail);
}

/** Symbols that name objects in section `sec`, in file order. */
function objectSymbols(elf: ElfFile, sec: ElfSection): ElfSymbol[] {
  return elf.symbols.filter(
    (s) =>
      s.shndx === sec.index &&
      s.type !== SymType.SECTION &&
      s.type !== SymType.FILE &&
      s.name !== '',
  );
}

/** A map and where its definition starts in its section (to resolve relocations against it). */
export interface PlacedMap {
  readonly def: MapDef;
  readonly offset: number;
}

/**
 * Legacy `maps` section. The entry size is the section size divided by the number of symbols in
 * it (libbpf's rule). 20 and 28 bytes are libbpf's struct bpf_map_def (the latter with
 * inner_map_idx and numa_node); 36 bytes is iproute2's struct bpf_elf_map (id, pinning, inner_id,
 * inner_idx after the flags), of which pinning is kept.
 */
export function legacyMaps(elf: ElfFile, sec: ElfSection): PlacedMap[] {
  // In definition order (symbol table order is the compiler's business).
  const syms = objectSymbols(elf, sec).sort((a, b) => a.value - b.value);
  if (syms.length === 0) {
    if (sec.size === 0) return [];
    badDef(`section ${sec.name} has ${sec.size} bytes but no map symbols`);
  }
  if (sec.size === 0 || sec.size % syms.length !== 0) {
    badDef(`section ${sec.name} size ${sec.size} is not a multiple of its ${syms.length} maps`);
  }
  const entry = sec.size / syms.length;
  if (entry < 16 || entry % 4 !== 0)
    badDef(`map definitions of ${entry} bytes are not struct bpf_map_def`);
  const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
  const placed = syms.map((sym): PlacedMap => {
    if (sym.value > sec.size - entry || sym.value % 4 !== 0) {
      badDef(`map '${sym.name}' at offset ${sym.value} is outside ${sec.name} or misaligned`);
    }
    const field = (i: number): number =>
      i * 4 + 4 <= entry ? view.getUint32(sym.value + i * 4, true) : 0;
    const typeId = field(0);
    const iproute2 = entry >= 36;
    const def: MapDef = {
      name: sym.name,
      section: sec.name,
      type: mapTypeName(typeId, sym.name),
      typeId,
      keySize: field(1),
      valueSize: field(2),
      maxEntries: field(3),
      flags: field(4),
      pinning: iproute2 ? field(6) : 0,
      numaNode: iproute2 ? 0 : field(6),
      ...(!iproute2 && entry >= 28 && isMapOfMaps(typeId) ? { innerMapIndex: field(5) } : {}),
    };
    return { def, offset: sym.value };
  });
  for (const p of placed) {
    const idx = p.def.innerMapIndex;
    if (idx !== undefined && idx >= placed.length)
      badDef(`map '${p.def.name}' inner_map_idx ${idx} out of range`);
  }
  return placed;
}

function isMapOfMaps(typeId: number): boolean {
  return typeId === MapTypeId.ARRAY_OF_MAPS || typeId === MapTypeId.HASH_OF_MAPS;
}

/** `__uint(name, val)` is `int (*name)[val]`: the value is the array's element count. */
function uintField(btf: Btf, mapName: string, field: string, typeId: number): number {
  const ptr = skipModifiers(btf, typeId);
  if (ptr.kind !== 'ptr')
    badDef(`map '${mapName}' field '${field}' is not __uint() (a pointer to an array)`);
  const arr = skipModifiers(btf, ptr.sizeOrType);
  if (arr.array === undefined)
    badDef(`map '${mapName}' field '${field}' is not __uint() (a pointer to an array)`);
  return arr.array.nelems;
}

/** `__type(name, T)` is `T *name`: the referenced type id. */
function typeField(btf: Btf, mapName: string, field: string, typeId: number): number {
  const ptr = skipModifiers(btf, typeId);
  if (ptr.kind !== 'ptr') badDef(`map '${mapName}' field '${field}' is not __type() (a pointer)`);
  return ptr.sizeOrType;
}

interface BtfMapParse {
  readonly def: MapDef;
  /** Byte offset of the `values` member inside the map's struct, when present. */
  readonly valuesOffset?: number;
}

/** Read one BTF map definition struct (`struct { __uint(type, ...); ... }`). */
function parseBtfMapStruct(
  btf: Btf,
  name: string,
  structType: BtfType,
  isInner: boolean,
): BtfMapParse {
  if (structType.kind !== 'struct' || structType.members === undefined) {
    badDef(`map '${name}' is not defined by a struct`);
  }
  let typeId = 0;
  let keySize: number | undefined;
  let valueSize: number | undefined;
  let keyType: number | undefined;
  let valueType: number | undefined;
  let maxEntries = 0;
  let flags = 0;
  let pinning = 0;
  let numaNode = 0;
  let inner: MapDef | undefined;
  let valuesOffset: number | undefined;
  let valuesIsProg = false;
  for (const m of structType.members) {
    switch (m.name) {
      case 'type':
        typeId = uintField(btf, name, m.name, m.type);
        break;
      case 'max_entries':
        maxEntries = uintField(btf, name, m.name, m.type);
        break;
      case 'map_flags':
        flags = uintField(btf, name, m.name, m.type);
        break;
      case 'numa_node':
        numaNode = uintField(btf, name, m.name, m.type);
        break;
      case 'pinning':
        pinning = uintField(btf, name, m.name, m.type);
        break;
      case 'map_extra':
        // Bloom filter hash count / arena address: no meaning for the runtime yet.
        uintField(btf, name, m.name, m.type);
        break;
      case 'key_size':
      case 'value_size': {
        const size = uintField(btf, name, m.name, m.type);
        const prev = m.name === 'key_size' ? keySize : valueSize;
        if (prev !== undefined && prev !== size)
          badDef(`map '${name}' ${m.name} ${size} conflicts with ${prev}`);
        if (m.name === 'key_size') keySize = size;
        else valueSize = size;
        break;
      }
      case 'key':
      case 'value': {
        const t = typeField(btf, name, m.name, m.type);
        const size = sizeOfType(btf, t);
        const prev = m.name === 'key' ? keySize : valueSize;
        if (prev !== undefined && prev !== size)
          badDef(`map '${name}' ${m.name} size ${size} conflicts with ${prev}`);
        if (m.name === 'key') {
          keySize = size;
          keyType = t;
        } else {
          valueSize = size;
          valueType = t;
        }
        break;
      }
      case 'values': {
        if (isInner) badDef(`inner map of '${name}' has its own values`);
        // `__array(values, T)` is `typeof(T) *values[]`: an array of pointers to T.
        const arr = skipModifiers(btf, m.type);
        if (arr.array === undefined) badDef(`map '${name}' field 'values' is not an array`);
        const ptr = skipModifiers(btf, arr.array.type);
        if (ptr.kind !== 'ptr') badDef(`map '${name}' field 'values' is not an array of pointers`);
        const target = skipModifiers(btf, ptr.sizeOrType);
        if (target.kind === 'struct') {
          inner = parseBtfMapStruct(btf, `${name}.inner`, target, true).def;
        } else if (target.kind === 'func_proto') {
          valuesIsProg = true;
        } else {
          badDef(`map '${name}' values are neither maps nor programs`);
        }
        if (m.bitOffset % 8 !== 0) badDef(`map '${name}' field 'values' is not byte-aligned`);
        valuesOffset = m.bitOffset / 8;
        break;
      }
      default:
        badDef(`map '${name}' has unknown field '${m.name}'`);
    }
  }
  const type = mapTypeName(typeId, name);
  if (inner !== undefined && !isMapOfMaps(typeId))
    badDef(`map '${name}' of type ${type} has an inner map`);
  if (valuesIsProg && typeId !== MapTypeId.PROG_ARRAY)
    badDef(`map '${name}' of type ${type} has program values`);
  if (inner !== undefined) {
    // The value of a map-in-map is the inner map's id: 4 bytes (libbpf sets it when omitted).
    if (valueSize !== undefined && valueSize !== 4)
      badDef(`map-in-map '${name}' value size ${valueSize} is not 4`);
    valueSize = 4;
  }
  if (valuesIsProg) {
    if (valueSize !== undefined && valueSize !== 4)
      badDef(`prog array '${name}' value size ${valueSize} is not 4`);
    valueSize = 4;
  }
  const def: MapDef = {
    name,
    section: '.maps',
    type,
    typeId,
    keySize: keySize ?? 0,
    valueSize: valueSize ?? 0,
    maxEntries,
    flags,
    pinning,
    numaNode,
    ...(inner !== undefined ? { inner } : {}),
    ...(keyType !== undefined ? { btfKeyTypeId: keyType } : {}),
    ...(valueType !== undefined ? { btfValueTypeId: valueType } : {}),
  };
  return valuesOffset !== undefined ? { def, valuesOffset } : { def };
}

export interface BtfMapsResult {
  readonly maps: PlacedMap[];
  /** Per map name: offset of `values` in the map struct, for relocation-defined initialisers. */
  readonly valuesOffsets: ReadonlyMap<string, number>;
}

/** BTF-defined maps: every variable of the `.maps` DATASEC. */
export function btfMaps(elf: ElfFile, sec: ElfSection, btf: Btf | undefined): BtfMapsResult {
  const maps: PlacedMap[] = [];
  const valuesOffsets = new Map<string, number>();
  const datasec = btf === undefined ? undefined : datasecByName(btf, sec.name);
  if (btf === undefined || datasec === undefined) {
    if (objectSymbols(elf, sec).length === 0) return { maps, valuesOffsets };
    badDef(`section ${sec.name} defines maps but the object has no BTF description of it`);
  }
  const seen = new Set<string>();
  const symbols = objectSymbols(elf, sec);
  for (const v of datasec.vars ?? []) {
    const variable = typeById(btf, v.type);
    if (variable.kind !== 'var')
      badDef(`${sec.name} entry of kind ${variable.kind} is not a variable`);
    const name = variable.name;
    if (seen.has(name)) badDef(`map '${name}' defined twice`);
    seen.add(name);
    // clang leaves DATASEC offsets at 0; like libbpf, take each variable's place from its symbol.
    const sym = symbols.find((s) => s.name === name);
    if (sym === undefined) badDef(`map '${name}' has no symbol in ${sec.name}`);
    const size = sym.size > 0 ? sym.size : v.size;
    if (sym.value > sec.size || size > sec.size - sym.value) {
      badDef(`map '${name}' at ${sym.value}+${size} is outside ${sec.name} (${sec.size} bytes)`);
    }
    const parsed = parseBtfMapStruct(btf, name, skipModifiers(btf, variable.sizeOrType), false);
    maps.push({ def: parsed.def, offset: sym.value });
    if (parsed.valuesOffset !== undefined) valuesOffsets.set(name, parsed.valuesOffset);
  }
  return { maps, valuesOffsets };
}

/** Global data sections that libbpf turns into maps. */
export function isGlobalDataSection(name: string): boolean {
  return (
    name === '.data' ||
    name === '.rodata' ||
    name === '.bss' ||
    name.startsWith('.data.') ||
    name.startsWith('.rodata.') ||
    name.startsWith('.bss.')
  );
}

/** A one-entry ARRAY map holding a global data section's initial bytes. */
export function globalDataMap(sec: ElfSection): MapDef {
  const readonly = sec.name === '.rodata' || sec.name.startsWith('.rodata.');
  return {
    name: sec.name,
    section: sec.name,
    type: 'array',
    typeId: MapTypeId.ARRAY,
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    flags: readonly ? BPF_F_RDONLY_PROG : 0,
    pinning: 0,
    numaNode: 0,
    // A copy: the object must not alias (or keep alive) the caller's file buffer.
    data: sec.data.slice(),
  };
}
