// BTF (the `.BTF` section): header, type section and string section, parsed into plain records
// indexed by type id, plus the few queries the loader needs (size of a type, skipping typedefs
// and qualifiers). The layout follows the kernel's Documentation/bpf/btf.rst.
//
// Validated eagerly: every record must fit the type section, every name must be a terminated
// string inside the string section, every referenced type id must exist. Queries that follow
// references are bounded by a depth limit, so a reference cycle cannot hang the loader.

import { LoadError } from '../errors.js';
import { decodeName } from './elf.js';

export const BTF_MAGIC = 0xeb9f;

/** BTF kinds, by their number in `info` bits 24-28. */
export const BTF_KINDS = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
] as const;
export type BtfKind = (typeof BTF_KINDS)[number];

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Bit offset (with kind_flag set, the low 24 bits; bitfield size is not needed here). */
  readonly bitOffset: number;
}

export interface BtfSecInfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface BtfType {
  readonly id: number;
  readonly kind: BtfKind;
  readonly name: string;
  /** The size for INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC; the referenced id for the rest. */
  readonly sizeOrType: number;
  readonly vlen: number;
  readonly kindFlag: boolean;
  /** STRUCT / UNION members. */
  readonly members?: readonly BtfMember[];
  /** ARRAY. */
  readonly array?: { readonly type: number; readonly indexType: number; readonly nelems: number };
  /** DATASEC variables. */
  readonly vars?: readonly BtfSecInfo[];
  /** FUNC_PROTO parameter types. */
  readonly params?: readonly number[];
  /** VAR linkage. */
  readonly linkage?: number;
}

export interface Btf {
  /** types[0] is void; types[id] for id >= 1. */
  readonly types: readonly BtfType[];
  readonly strings: Uint8Array;
}

/** How many typedef/qualifier/array links a query follows before giving up (libbpf uses 32). */
const MAX_RESOLVE_DEPTH = 32;
const HDR_MIN = 24;

export function btfFail(detail: string): never {
  throw new LoadError('BTF_CORRUPT', detail);
}

/** A string of the BTF string section. */
export function btfString(strings: Uint8Array, offset: number): string {
  if (offset === 0) return '';
  if (offset >= strings.length)
    btfFail(`string offset ${offset} outside the string section (${strings.length} bytes)`);
  const end = strings.indexOf(0, offset);
  if (end < 0) btfFail(`string at ${offset} is not terminated`);
  return decodeName(strings, offset, end);
}

/** Extra bytes after the 12-byte common header, per kind. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // int
    case 14: // var
    case 17: // decl_tag
      return 4;
    case 3: // array
      return 12;
    case 4: // struct
    case 5: // union
    case 15: // datasec
    case 19: // enum64
      return 12 * vlen;
    case 6: // enum
    case 13: // func_proto
      return 8 * vlen;
    default:
      return 0;
  }
}

/** Parse a `.BTF` section. */
export function parseBtf(data: Uint8Array): Btf {
  if (data.length < HDR_MIN)
    btfFail(`BTF header needs ${HDR_MIN} bytes, section has ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) btfFail(`bad BTF magic 0x${magic.toString(16)}`);
  const version = view.getUint8(2);
  if (version !== 1) btfFail(`BTF version ${version} is not 1`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HDR_MIN || hdrLen > data.length) btfFail(`BTF header length ${hdrLen} is invalid`);
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  const body = data.length - hdrLen;
  if (typeOff > body || typeLen > body - typeOff) btfFail('BTF type section extends past the end');
  if (strOff > body || strLen > body - strOff) btfFail('BTF string section extends past the end');
  if (typeLen % 4 !== 0) btfFail(`BTF type section length ${typeLen} is not a multiple of 4`);
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (strings.length > 0 && (strings[0] !== 0 || strings[strings.length - 1] !== 0)) {
    btfFail('BTF string section must start and end with NUL');
  }

  const types: BtfType[] = [
    { id: 0, kind: 'void', name: '', sizeOrType: 0, vlen: 0, kindFlag: false },
  ];
  const start = hdrLen + typeOff;
  const end = start + typeLen;
  let at = start;
  // Each record takes at least 12 bytes, so this loop runs at most typeLen/12 times.
  while (at < end) {
    if (end - at < 12) btfFail(`BTF type ${types.length} is truncated`);
    const id = types.length;
    const nameOff = view.getUint32(at, true);
    const info = view.getUint32(at + 4, true);
    const sizeOrType = view.getUint32(at + 8, true);
    const vlen = info & 0xffff;
    const kindNum = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const kind = BTF_KINDS[kindNum];
    if (kind === undefined || kindNum === 0) btfFail(`BTF type ${id} has unknown kind ${kindNum}`);
    const extra = extraSize(kindNum, vlen);
    if (extra > end - at - 12) btfFail(`BTF type ${id} (${kind}) is truncated`);
    const x = at + 12;
    const base = { id, kind, name: btfString(strings, nameOff), sizeOrType, vlen, kindFlag };
    let t: BtfType;
    switch (kind) {
      case 'array':
        t = {
          ...base,
          array: {
            type: view.getUint32(x, true),
            indexType: view.getUint32(x + 4, true),
            nelems: view.getUint32(x + 8, true),
          },
        };
        break;
      case 'struct':
      case 'union': {
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = x + i * 12;
          const off = view.getUint32(m + 8, true);
          members.push({
            name: btfString(strings, view.getUint32(m, true)),
            type: view.getUint32(m + 4, true),
            bitOffset: kindFlag ? off & 0xffffff : off,
          });
        }
        t = { ...base, members };
        break;
      }
      case 'datasec': {
        const vars: BtfSecInfo[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = x + i * 12;
          vars.push({
            type: view.getUint32(m, true),
            offset: view.getUint32(m + 4, true),
            size: view.getUint32(m + 8, true),
          });
        }
        t = { ...base, vars };
        break;
      }
      case 'func_proto': {
        const params: number[] = [];
        for (let i = 0; i < vlen; i++) {
          btfString(strings, view.getUint32(x + i * 8, true));
          params.push(view.getUint32(x + i * 8 + 4, true));
        }
        t = { ...base, params };
        break;
      }
      case 'var':
        t = { ...base, linkage: view.getUint32(x, true) };
        break;
      case 'enum':
      case 'enum64':
        for (let i = 0; i < vlen; i++)
          btfString(strings, view.getUint32(x + i * (kind === 'enum' ? 8 : 12), true));
        t = base;
        break;
      case 'void':
      case 'int':
      case 'ptr':
      case 'fwd':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'func':
      case 'float':
      case 'decl_tag':
      case 'type_tag':
        t = base;
        break;
    }
    types.push(t);
    at = x + extra;
  }
  checkRefs(types);
  return { types, strings };
}

/** Kinds whose third word is a type id rather than a size. */
const REF_KINDS: ReadonlySet<BtfKind> = new Set<BtfKind>([
  'ptr',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'decl_tag',
  'type_tag',
]);

/** Kinds that name another type without changing its layout. */
const MODIFIER_KINDS: ReadonlySet<BtfKind> = new Set<BtfKind>([
  'typedef',
  'volatile',
  'const',
  'restrict',
  'type_tag',
]);

/** Every type id a record refers to must exist. */
function checkRefs(types: readonly BtfType[]): void {
  const n = types.length;
  const check = (from: BtfType, id: number): void => {
    if (id >= n) btfFail(`BTF type ${from.id} (${from.kind}) refers to type ${id} of ${n}`);
  };
  for (const t of types) {
    if (REF_KINDS.has(t.kind)) check(t, t.sizeOrType);
    if (t.array !== undefined) {
      check(t, t.array.type);
      check(t, t.array.indexType);
    }
    for (const m of t.members ?? []) check(t, m.type);
    for (const v of t.vars ?? []) check(t, v.type);
    for (const p of t.params ?? []) check(t, p);
  }
}

export function typeById(btf: Btf, id: number): BtfType {
  const t = btf.types[id];
  if (t === undefined) btfFail(`no BTF type ${id}`);
  return t;
}

/** Follow typedefs and qualifiers (const, volatile, restrict, type_tag) to the real type. */
export function skipModifiers(btf: Btf, id: number): BtfType {
  let t = typeById(btf, id);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    if (!MODIFIER_KINDS.has(t.kind)) return t;
    t = typeById(btf, t.sizeOrType);
  }
  return btfFail(`BTF type ${id}: modifier chain deeper than ${MAX_RESOLVE_DEPTH}`);
}

/** Size in bytes of a type, as the kernel's btf_resolve_size computes it. */
export function sizeOfType(btf: Btf, id: number): number {
  let multiplier = 1;
  let t = typeById(btf, id);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    switch (t.kind) {
      case 'int':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'float':
      case 'datasec': {
        const size = t.sizeOrType * multiplier;
        if (size > 0xffffffff) btfFail(`BTF type ${id} is larger than 4 GiB`);
        return size;
      }
      case 'ptr':
        return 8 * multiplier;
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'var':
        t = typeById(btf, t.sizeOrType);
        break;
      case 'array': {
        const a = t.array as NonNullable<BtfType['array']>;
        multiplier *= a.nelems;
        if (multiplier > 0xffffffff) btfFail(`BTF type ${id} is larger than 4 GiB`);
        t = typeById(btf, a.type);
        break;
      }
      case 'void':
      case 'fwd':
      case 'func':
      case 'func_proto':
      case 'decl_tag':
        return btfFail(`BTF type ${id} (${t.kind}) has no size`);
    }
  }
  return btfFail(`BTF type ${id}: type chain deeper than ${MAX_RESOLVE_DEPTH}`);
}

/** The DATASEC for an ELF section name (`.maps`, `.data`...), if BTF describes it. */
export function datasecByName(btf: Btf, name: string): BtfType | undefined {
  return btf.types.find((t) => t.kind === 'datasec' && t.name === name);
}
