// ELF64 little-endian reader for BPF relocatable objects: the file header, section headers and
// names, the symbol table and SHT_REL relocation sections. Nothing here knows about BPF programs
// or maps; object.ts gives the sections their meaning.
//
// Every offset, size and index read from the file is checked before it is used, so a malformed
// file gives a LoadError with a code, never a RangeError from a DataView, and every loop runs over
// a count already bounded by the file size.

import { type ErrorCode, LoadError } from '../errors.js';

export const EM_BPF = 247;

/** Section types the loader distinguishes. */
export const ShType = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  NOBITS: 8,
  REL: 9,
  SYMTAB_SHNDX: 18,
} as const;

/** Section flags. */
export const ShFlag = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;

/** Symbol types (low nibble of st_info) and bindings (high nibble). */
export const SymType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const SymBind = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

/** Special section indices. */
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  /** sh_size; for NOBITS the size in memory. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** The section's bytes; for NOBITS (.bss) a zero-filled array of `size` bytes. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  readonly visibility: number;
  /** Section index (SHN_UNDEF for undefined symbols; SHN_ABS/SHN_COMMON as in the file). */
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

export interface ElfRel {
  /** Byte offset inside the target section. */
  readonly offset: number;
  readonly type: number;
  /** Symbol table index. */
  readonly sym: number;
}

export interface ElfFile {
  readonly machine: number;
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  /** Relocations per target section index (from SHT_REL sections). */
  readonly relocations: ReadonlyMap<number, readonly ElfRel[]>;
}

function fail(code: ErrorCode, detail: string): never {
  throw new LoadError(code, detail);
}

/** Read a u64 that must fit a JS number (offsets and sizes in a file held in memory do). */
function u64(view: DataView, at: number, code: ErrorCode, what: string): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  if (hi >= 0x200000)
    fail(code, `${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`);
  return hi * 0x1_0000_0000 + lo;
}

/** The range [offset, offset+size) must lie inside `length`. */
function checkRange(offset: number, size: number, length: number, what: string): void {
  if (offset > length || size > length - offset) {
    fail(
      'ELF_TRUNCATED',
      `${what} (offset ${offset}, size ${size}) extends past the end (${length} bytes)`,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Decode bytes [start, end) as text. Symbol and type names are ASCII; TextDecoder costs about a
 * microsecond per call in Node, so ASCII takes the direct path and only the rest goes through it.
 */
export function decodeName(table: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = table[i] as number;
    if (c >= 0x80) return utf8.decode(table.subarray(start, end));
    out += String.fromCharCode(c);
  }
  return out;
}

/** A NUL-terminated string at `offset` in a string table. */
export function readString(table: Uint8Array, offset: number, what: string): string {
  if (!Number.isInteger(offset) || offset < 0 || offset >= table.length) {
    if (offset === 0 && table.length === 0) return '';
    fail(
      'ELF_BAD_STRING',
      `${what}: string offset ${offset} outside its table (${table.length} bytes)`,
    );
  }
  const end = table.indexOf(0, offset);
  if (end < 0) fail('ELF_BAD_STRING', `${what}: string at ${offset} is not terminated`);
  return decodeName(table, offset, end);
}

interface RawShdr {
  name: number;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

function readShdr(view: DataView, at: number, index: number): RawShdr {
  const what = `section ${index}`;
  return {
    name: view.getUint32(at, true),
    type: view.getUint32(at + 4, true),
    // Flags above bit 31 are OS/processor specific; only the low bits matter here.
    flags: view.getUint32(at + 8, true),
    offset: u64(view, at + 24, 'ELF_BAD_SECTION', `${what} offset`),
    size: u64(view, at + 32, 'ELF_BAD_SECTION', `${what} size`),
    link: view.getUint32(at + 40, true),
    info: view.getUint32(at + 44, true),
    entsize: u64(view, at + 56, 'ELF_BAD_SECTION', `${what} entsize`),
  };
}

/** Parse the ELF container. Accepts e_machine 0 as BPF (old toolchains wrote it). */
export function parseElf(bytes: Uint8Array): ElfFile {
  const length = bytes.length;
  if (
    length < 4 ||
    bytes[0] !== 0x7f ||
    bytes[1] !== 0x45 ||
    bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    fail('ELF_BAD_MAGIC', 'missing the \\x7fELF magic');
  }
  if (length < EHDR_SIZE)
    fail('ELF_TRUNCATED', `ELF header needs ${EHDR_SIZE} bytes, file has ${length}`);
  if (bytes[4] !== 2) fail('ELF_BAD_CLASS', `EI_CLASS ${bytes[4]} is not ELFCLASS64`);
  if (bytes[5] !== 1) fail('ELF_BAD_CLASS', `EI_DATA ${bytes[5]} is not little-endian`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF && machine !== 0)
    fail('ELF_BAD_MACHINE', `e_machine ${machine} is not EM_BPF (247)`);

  const shoff = u64(view, 40, 'ELF_TRUNCATED', 'e_shoff');
  const shentsize = view.getUint16(58, true);
  let shnum = view.getUint16(60, true);
  let shstrndx = view.getUint16(62, true);
  if (shoff === 0) fail('ELF_BAD_SECTION', 'object has no section header table');
  if (shentsize !== SHDR_SIZE)
    fail('ELF_BAD_SECTION', `e_shentsize ${shentsize} is not ${SHDR_SIZE}`);
  checkRange(shoff, SHDR_SIZE, length, 'section header 0');
  // Extended numbering: counts that do not fit 16 bits live in section header 0.
  const sh0 = readShdr(view, shoff, 0);
  if (shnum === 0) shnum = sh0.size;
  if (shstrndx === SHN_XINDEX) shstrndx = sh0.link;
  if (shnum > Math.floor((length - shoff) / SHDR_SIZE)) {
    fail('ELF_TRUNCATED', `${shnum} section headers at ${shoff} extend past the end`);
  }
  if (shstrndx === 0 || shstrndx >= shnum)
    fail('ELF_BAD_SECTION', `e_shstrndx ${shstrndx} out of range`);

  const raws: RawShdr[] = [];
  for (let i = 0; i < shnum; i++) raws.push(readShdr(view, shoff + i * SHDR_SIZE, i));

  const dataOf = (raw: RawShdr, index: number): Uint8Array => {
    if (raw.type === ShType.NOBITS || raw.type === ShType.NULL) {
      // .bss takes no file space; cap it so a corrupt size cannot ask for gigabytes.
      if (raw.type === ShType.NOBITS && raw.size > 1 << 28) {
        fail('ELF_BAD_SECTION', `section ${index} NOBITS size ${raw.size} is too large`);
      }
      return new Uint8Array(raw.type === ShType.NOBITS ? raw.size : 0);
    }
    checkRange(raw.offset, raw.size, length, `section ${index}`);
    return bytes.subarray(raw.offset, raw.offset + raw.size);
  };

  const shstr = raws[shstrndx] as RawShdr;
  const shstrData = dataOf(shstr, shstrndx);
  const sections: ElfSection[] = raws.map((raw, index) => ({
    index,
    name: index === 0 ? '' : readString(shstrData, raw.name, `name of section ${index}`),
    type: raw.type,
    flags: raw.flags,
    offset: raw.offset,
    size: raw.size,
    link: raw.link,
    info: raw.info,
    entsize: raw.entsize,
    data: dataOf(raw, index),
  }));

  const symbols = readSymbols(sections);
  const relocations = readRelocations(sections, symbols.length);
  return { machine, sections, symbols, relocations };
}

function readSymbols(sections: readonly ElfSection[]): ElfSymbol[] {
  const symtabs = sections.filter((s) => s.type === ShType.SYMTAB);
  if (symtabs.length === 0) return [];
  if (symtabs.length > 1) fail('ELF_BAD_SECTION', 'more than one symbol table');
  const symtab = symtabs[0] as ElfSection;
  if (symtab.entsize !== SYM_SIZE && symtab.entsize !== 0) {
    fail('ELF_BAD_SECTION', `symbol table entsize ${symtab.entsize} is not ${SYM_SIZE}`);
  }
  if (symtab.size % SYM_SIZE !== 0)
    fail('ELF_BAD_SECTION', `symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`);
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.index === 0)
    fail('ELF_BAD_SECTION', `symbol table links to section ${symtab.link}`);
  const data = symtab.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = data.length / SYM_SIZE;
  const out: ElfSymbol[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * SYM_SIZE;
    const info = view.getUint8(at + 4);
    const shndx = view.getUint16(at + 6, true);
    const what = `symbol ${i}`;
    if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.length) {
      fail('ELF_BAD_SYMBOL', `${what} refers to section ${shndx} of ${sections.length}`);
    }
    out.push({
      index: i,
      name: readString(strtab.data, view.getUint32(at, true), what),
      type: info & 0x0f,
      bind: info >> 4,
      visibility: view.getUint8(at + 5) & 0x3,
      shndx,
      value: u64(view, at + 8, 'ELF_BAD_SYMBOL', `${what} value`),
      size: u64(view, at + 16, 'ELF_BAD_SYMBOL', `${what} size`),
    });
  }
  return out;
}

function readRelocations(
  sections: readonly ElfSection[],
  symbolCount: number,
): Map<number, ElfRel[]> {
  const out = new Map<number, ElfRel[]>();
  for (const sec of sections) {
    if (sec.type !== ShType.REL) continue;
    if (sec.size % REL_SIZE !== 0)
      fail(
        'ELF_BAD_SECTION',
        `relocation section ${sec.name} size ${sec.size} is not a multiple of ${REL_SIZE}`,
      );
    const target = sections[sec.info];
    if (target === undefined || sec.info === 0)
      fail('ELF_BAD_SECTION', `relocation section ${sec.name} applies to section ${sec.info}`);
    const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    const list = out.get(sec.info) ?? [];
    const count = sec.size / REL_SIZE;
    for (let i = 0; i < count; i++) {
      const at = i * REL_SIZE;
      const offset = u64(view, at, 'ELF_BAD_RELOC', `${sec.name}[${i}] offset`);
      const type = view.getUint32(at + 8, true);
      const sym = view.getUint32(at + 12, true);
      if (sym >= symbolCount)
        fail('ELF_BAD_RELOC', `${sec.name}[${i}] refers to symbol ${sym} of ${symbolCount}`);
      if (offset >= target.size)
        fail(
          'ELF_BAD_RELOC',
          `${sec.name}[${i}] offset ${offset} is outside ${target.name} (${target.size} bytes)`,
        );
      list.push({ offset, type, sym });
    }
    out.set(sec.info, list);
  }
  return out;
}

/** The first section with this name. */
export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}
