// The loader's entry: an ELF object (as clang -target bpf writes it) -> BpfObject, plain read-only
// data: linked programs with their map relocations and line info, map definitions (legacy, BTF,
// global data), license and version. The runtime lays the maps out and patches the lddw
// instructions (see reloc.ts for how they are encoded); nothing here touches memory or runs code.

import { LoadError } from '../errors.js';
import { type Btf, parseBtf } from './btf.js';
import { type BtfExt, type LineRecord, parseBtfExt } from './btf-ext.js';
import {
  type ElfFile,
  type ElfRel,
  type ElfSection,
  type ElfSymbol,
  parseElf,
  SHN_UNDEF,
  ShFlag,
  ShType,
  SymBind,
  SymType,
} from './elf.js';
import {
  btfMaps,
  globalDataMap,
  isGlobalDataSection,
  legacyMaps,
  type MapDef,
  type MapInitialValue,
  MapTypeId,
  type PlacedMap,
} from './maps-def.js';
import { type ProgType, progTypeId, progTypeOfSection } from './prog-type.js';
import {
  checkCodeRelocs,
  type DataTarget,
  type FuncRange,
  linkProgram,
  type ProgramReloc,
  R_BPF,
} from './reloc.js';

export interface BpfProgram {
  /** The function's symbol name (or the section name for old objects without symbols). */
  readonly name: string;
  readonly section: string;
  readonly type: ProgType;
  /** `enum bpf_prog_type` number. */
  readonly typeId: number;
  /** Linked bytecode: the program followed by the subprograms it calls. */
  readonly insns: Uint8Array;
  readonly relocations: readonly ProgramReloc[];
  /** Line records by linked instruction index, sorted; absent without .BTF.ext. */
  readonly lineInfo?: readonly LineRecord[];
}

export interface BpfObject {
  readonly programs: readonly BpfProgram[];
  /** Every map; relocation records and lddw immediates index into this array. */
  readonly maps: readonly MapDef[];
  readonly license: string;
  readonly version: number;
  readonly btf?: Btf;
}

export interface LoadOptions {
  /**
   * Program type override: one type for every program, or a table keyed by program name or
   * section name (program name wins). Programs not in the table get the type of their section.
   */
  readonly programType?: ProgType | Readonly<Record<string, ProgType>>;
}

/** Parse and link a BPF ELF object. Throws LoadError (stage 'load') on anything malformed. */
export function loadObject(bytes: Uint8Array, opts: LoadOptions = {}): BpfObject {
  const elf = parseElf(bytes);
  const btfSec = elf.sections.find((s) => s.name === '.BTF');
  const btf = btfSec !== undefined ? parseBtf(btfSec.data) : undefined;
  const extSec = elf.sections.find((s) => s.name === '.BTF.ext');
  const ext = extSec !== undefined && btf !== undefined ? parseBtfExt(extSec.data, btf) : undefined;

  for (const sec of elf.sections) {
    if (sec.type === ShType.RELA && isExec(elf.sections[sec.info])) {
      throw new LoadError(
        'ELF_BAD_RELOC',
        `RELA section ${sec.name} on program code (BPF uses REL)`,
      );
    }
  }

  const { maps, placed, valuesOffsets } = collectMaps(elf, btf);
  const resolveData = makeResolver(elf, maps, placed);

  const funcs = new Map<number, FuncRange[]>();
  const relocs = new Map<number, Map<number, ElfRel>>();
  for (const sec of elf.sections) {
    if (!isExec(sec) || sec.type !== ShType.PROGBITS) continue;
    if (sec.size % 8 !== 0) {
      throw new LoadError(
        'PROG_BAD_CODE',
        `section ${sec.name} size ${sec.size} is not a multiple of 8`,
      );
    }
    funcs.set(sec.index, functionsOf(elf, sec));
    relocs.set(sec.index, checkCodeRelocs(sec, elf.relocations.get(sec.index) ?? []));
  }
  const ctx = { elf, relocs, funcs, resolveData };

  const programs: BpfProgram[] = [];
  for (const [secIndex, list] of funcs) {
    const sec = elf.sections[secIndex] as ElfSection;
    if (sec.name === '.text') continue;
    for (const fn of list) {
      if (!fn.global) continue;
      const linked = linkProgram(ctx, fn);
      const type = programTypeFor(opts, fn.name, sec.name);
      const lineInfo = ext !== undefined ? linesOf(ext, linked.pieces) : undefined;
      programs.push({
        name: fn.name,
        section: sec.name,
        type,
        typeId: progTypeId(type),
        insns: linked.insns,
        relocations: linked.relocations,
        ...(lineInfo !== undefined && lineInfo.length > 0 ? { lineInfo } : {}),
      });
    }
  }

  const finalMaps = addInitialValues(elf, maps, placed, valuesOffsets, programs);
  return {
    programs,
    maps: finalMaps,
    license: readLicense(elf),
    version: readVersion(elf),
    ...(btf !== undefined ? { btf } : {}),
  };
}

function isExec(sec: ElfSection | undefined): boolean {
  return sec !== undefined && sec.index !== 0 && (sec.flags & ShFlag.EXECINSTR) !== 0;
}

function programTypeFor(opts: LoadOptions, name: string, section: string): ProgType {
  const o = opts.programType;
  if (typeof o === 'string') return o;
  if (o !== undefined) {
    if (Object.hasOwn(o, name)) return o[name] as ProgType;
    if (Object.hasOwn(o, section)) return o[section] as ProgType;
  }
  return progTypeOfSection(section);
}

/**
 * The functions of an executable section from its STT_FUNC symbols. A symbol of size 0 (old
 * toolchains) extends to the next function. A program section without any function symbol is
 * one program named after the section (old objects, iproute2 style).
 */
function functionsOf(elf: ElfFile, sec: ElfSection): FuncRange[] {
  const slots = sec.size / 8;
  const syms = elf.symbols
    .filter((s) => s.shndx === sec.index && s.type === SymType.FUNC)
    .sort((a, b) => a.value - b.value);
  if (syms.length === 0) {
    if (sec.name === '.text' || slots === 0) return [];
    return [{ name: sec.name, section: sec.index, start: 0, end: slots, global: true }];
  }
  const out: FuncRange[] = [];
  syms.forEach((sym, i) => {
    if (
      sym.value % 8 !== 0 ||
      sym.size % 8 !== 0 ||
      sym.value >= sec.size ||
      sym.size > sec.size - sym.value
    ) {
      throw new LoadError(
        'ELF_BAD_SYMBOL',
        `function '${sym.name}' (${sym.value}+${sym.size}) is outside ${sec.name} or misaligned`,
      );
    }
    const start = sym.value / 8;
    const next = syms[i + 1];
    const end =
      sym.size > 0
        ? start + sym.size / 8
        : next !== undefined && next.value > sym.value
          ? next.value / 8
          : slots;
    if (end <= start) throw new LoadError('ELF_BAD_SYMBOL', `function '${sym.name}' is empty`);
    out.push({
      name: sym.name,
      section: sec.index,
      start,
      end,
      global: sym.bind === SymBind.GLOBAL || sym.bind === SymBind.WEAK,
    });
  });
  return out;
}

interface Placement {
  readonly section: number;
  readonly offset: number;
  readonly mapIndex: number;
}

interface CollectedMaps {
  readonly maps: MapDef[];
  readonly placed: Placement[];
  /** Offset of `values` in each BTF map struct that has one. */
  readonly valuesOffsets: ReadonlyMap<string, number>;
}

function collectMaps(elf: ElfFile, btf: Btf | undefined): CollectedMaps {
  const maps: MapDef[] = [];
  const placed: Placement[] = [];
  let valuesOffsets: ReadonlyMap<string, number> = new Map();
  const add = (sec: ElfSection, list: readonly PlacedMap[]): void => {
    for (const p of list) {
      placed.push({ section: sec.index, offset: p.offset, mapIndex: maps.length });
      maps.push(p.def);
    }
  };
  for (const sec of elf.sections) {
    if (sec.index === 0 || isExec(sec)) continue;
    if (sec.name === 'maps') add(sec, legacyMaps(elf, sec));
    else if (sec.name === '.maps') {
      const result = btfMaps(elf, sec, btf);
      add(sec, result.maps);
      valuesOffsets = result.valuesOffsets;
    }
  }
  for (const sec of elf.sections) {
    if (sec.index === 0 || isExec(sec) || !isGlobalDataSection(sec.name)) continue;
    if ((sec.flags & ShFlag.ALLOC) === 0 || sec.size === 0) continue; // libbpf skips empty ones
    add(sec, [{ def: globalDataMap(sec), offset: 0 }]);
  }
  const names = new Set<string>();
  for (const m of maps) {
    if (names.has(m.name)) throw new LoadError('MAP_BAD_DEF', `map '${m.name}' defined twice`);
    names.add(m.name);
  }
  return { maps, placed, valuesOffsets };
}

function makeResolver(
  elf: ElfFile,
  maps: readonly MapDef[],
  placed: readonly Placement[],
): (sym: ElfSymbol, addend: number, insn: number) => DataTarget {
  return (sym, addend, insn) => {
    const bad: (detail: string) => never = (detail) => {
      throw new LoadError('ELF_BAD_RELOC', detail, { insn });
    };
    if (sym.shndx === SHN_UNDEF) bad(`lddw refers to the undefined symbol '${sym.name}'`);
    const sec = elf.sections[sym.shndx];
    if (sec === undefined)
      bad(`lddw refers to symbol '${sym.name}' in special section ${sym.shndx}`);
    const inSec = placed.filter((p) => p.section === sym.shndx);
    if (inSec.length === 0)
      bad(`lddw refers to '${sym.name}' in ${sec.name}, which holds no map or data`);
    const def = maps[(inSec[0] as Placement).mapIndex] as MapDef;
    if (def.data !== undefined) {
      const offset = sym.value + addend;
      if (offset < 0 || offset > sec.size)
        bad(`lddw points to ${sec.name}+${offset}, outside the section`);
      return {
        kind: 'map_value',
        map: def.name,
        mapIndex: (inSec[0] as Placement).mapIndex,
        offset,
      };
    }
    // A map reference: the symbol names the map; a section symbol plus addend also does.
    const at = sym.type === SymType.SECTION ? sym.value + addend : sym.value;
    const hit = inSec.find((p) => p.offset === at);
    if (hit === undefined) bad(`lddw refers to ${sec.name}+${at}, where no map starts`);
    return {
      kind: 'map',
      map: (maps[hit.mapIndex] as MapDef).name,
      mapIndex: hit.mapIndex,
      offset: 0,
    };
  };
}

/**
 * `values = { [1] = &inner, [2] = &prog }` in a BTF map: clang leaves zeros in `.maps` and
 * an R_BPF_64_ABS64 relocation per initialised slot.
 */
function addInitialValues(
  elf: ElfFile,
  maps: readonly MapDef[],
  placed: readonly Placement[],
  valuesOffsets: ReadonlyMap<string, number>,
  programs: readonly BpfProgram[],
): MapDef[] {
  const out = [...maps];
  const sec = elf.sections.find((s) => s.name === '.maps' && !isExec(s));
  if (sec === undefined) return out;
  const rels = elf.relocations.get(sec.index) ?? [];
  if (rels.length === 0) return out;
  const inSec = placed.filter((p) => p.section === sec.index).sort((a, b) => a.offset - b.offset);
  const inits = new Map<number, MapInitialValue[]>();
  const bad: (detail: string) => never = (detail) => {
    throw new LoadError('MAP_BAD_DEF', detail);
  };
  for (const rel of rels) {
    if (rel.type !== R_BPF.ABS64 && rel.type !== R_BPF.R64_64)
      bad(`relocation type ${rel.type} in ${sec.name}`);
    let owner: Placement | undefined;
    for (const p of inSec) if (p.offset <= rel.offset) owner = p;
    if (owner === undefined) bad(`relocation at ${sec.name}+${rel.offset} is before every map`);
    const def = out[owner.mapIndex] as MapDef;
    const valuesAt = valuesOffsets.get(def.name);
    if (valuesAt === undefined) bad(`map '${def.name}' has a relocation but no 'values' field`);
    const rest = rel.offset - owner.offset - valuesAt;
    if (rest < 0 || rest % 8 !== 0)
      bad(`relocation at ${sec.name}+${rel.offset} is not a 'values' slot of '${def.name}'`);
    const index = rest / 8;
    if (index >= def.maxEntries)
      bad(`map '${def.name}' initialises slot ${index} of ${def.maxEntries}`);
    const sym = elf.symbols[rel.sym] as ElfSymbol;
    let value: MapInitialValue;
    if (def.typeId === MapTypeId.PROG_ARRAY) {
      const prog = programs.find((p) => p.name === sym.name);
      if (prog === undefined || !isExec(elf.sections[sym.shndx]))
        bad(`prog array '${def.name}' slot ${index} is not a program`);
      value = { index, kind: 'prog', name: sym.name };
    } else {
      const target = inSec.find((p) => sym.shndx === sec.index && p.offset === sym.value);
      if (target === undefined) bad(`map '${def.name}' slot ${index} is not a map`);
      value = { index, kind: 'map', name: (out[target.mapIndex] as MapDef).name };
    }
    const list = inits.get(owner.mapIndex) ?? [];
    if (list.some((v) => v.index === index))
      bad(`map '${def.name}' slot ${index} initialised twice`);
    list.push(value);
    inits.set(owner.mapIndex, list);
  }
  for (const [index, list] of inits) {
    const def = out[index] as MapDef;
    out[index] = { ...def, initialValues: list.sort((a, b) => a.index - b.index) };
  }
  return out;
}

/** Line records of the linked program, re-indexed to its instruction slots. */
function linesOf(ext: BtfExt, pieces: ReturnType<typeof linkProgram>['pieces']): LineRecord[] {
  const out: LineRecord[] = [];
  for (const piece of pieces) {
    for (const rec of ext.lines.get(piece.sectionName) ?? []) {
      if (rec.insn >= piece.start && rec.insn < piece.end)
        out.push({ ...rec, insn: piece.base + rec.insn - piece.start });
    }
  }
  return out.sort((a, b) => a.insn - b.insn);
}

function readLicense(elf: ElfFile): string {
  const sec = elf.sections.find((s) => s.name === 'license');
  if (sec === undefined) return '';
  const end = sec.data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? sec.data : sec.data.subarray(0, end));
}

function readVersion(elf: ElfFile): number {
  const sec = elf.sections.find((s) => s.name === 'version');
  if (sec === undefined) return 0;
  if (sec.data.length !== 4)
    throw new LoadError('ELF_BAD_SECTION', `version section has ${sec.data.length} bytes, not 4`);
  return new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(0, true);
}

/** The program named `name`; PROG_NOT_FOUND when the object has none. */
export function findProgram(obj: BpfObject, name: string): BpfProgram {
  const prog =
    obj.programs.find((p) => p.name === name) ?? obj.programs.find((p) => p.section === name);
  if (prog === undefined) {
    throw new LoadError(
      'PROG_NOT_FOUND',
      `no program '${name}' (have: ${obj.programs.map((p) => p.name).join(', ')})`,
    );
  }
  return prog;
}

/** Source position of a linked instruction: the last line record at or before it. */
export function lineOf(program: BpfProgram, insn: number): LineRecord | undefined {
  const lines = program.lineInfo;
  if (lines === undefined) return undefined;
  let lo = 0;
  let hi = lines.length - 1;
  let found: LineRecord | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const rec = lines[mid] as LineRecord;
    if (rec.insn <= insn) {
      found = rec;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Helper ids a program calls (`call` with src 0), sorted, each once. */
export function helpersUsed(program: BpfProgram): number[] {
  const ids = new Set<number>();
  const bytes = program.insns;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 8 <= bytes.length; at += 8) {
    const opcode = bytes[at];
    if (opcode === 0x18) {
      at += 8;
      continue;
    }
    if (opcode === 0x85 && (bytes[at + 1] ?? 0) >> 4 === 0) ids.add(view.getInt32(at + 4, true));
  }
  return [...ids].sort((a, b) => a - b);
}
