// Linking one program out of an object's executable sections, as libbpf does: copy the
// program's instructions, append every subprogram it calls (transitively, each once), fix the
// calls' immediates to the new layout, and turn relocated lddw instructions into map references.
//
// Encoding of the result (so the bytecode alone decodes and says what it needs):
// - lddw of a map: src = MAP_IDX (5), imm = index of the map in BpfObject.maps;
// - lddw of a pointer into a map value (global data): src = MAP_IDX_VALUE (6), imm = map index,
//   second imm = offset in the value;
// - lddw of a function address (callbacks): src = FUNC (4), imm = relative slot offset;
// - call of an undefined memset/memcpy/memmove/memcmp: call src = KFUNC (2), imm = BUILTINS id.
// Each map and built-in use is also listed as a relocation record.

import { LoadError } from '../errors.js';
import { CallSrc, LddwSrc } from '../isa/opcodes.js';
import {
  type ElfFile,
  type ElfRel,
  type ElfSection,
  type ElfSymbol,
  SHN_UNDEF,
  ShFlag,
} from './elf.js';

/** Relocation types of the LLVM BPF backend. */
export const R_BPF = {
  NONE: 0,
  R64_64: 1,
  ABS64: 2,
  ABS32: 3,
  NODYLD32: 4,
  R64_32: 10,
} as const;

/** Library functions clang may call that the runtime provides (with memory.fill/copy). */
export const BUILTINS = { memset: 1, memcpy: 2, memmove: 3, memcmp: 4 } as const;
export type BuiltinName = keyof typeof BUILTINS;

const OP_LDDW = 0x18;
const OP_CALL = 0x85;

export type ProgramReloc =
  | {
      readonly insn: number;
      readonly kind: 'map' | 'map_value';
      /** Name of the map (for global data: the section name). */
      readonly map: string;
      /** Index of the map in BpfObject.maps. */
      readonly mapIndex: number;
      /** Offset into the map value ('map_value'); 0 for 'map'. */
      readonly offset: number;
    }
  | { readonly insn: number; readonly kind: 'builtin'; readonly name: BuiltinName };

/** A function: a symbol's slot range in its section. */
export interface FuncRange {
  readonly name: string;
  readonly section: number;
  readonly start: number;
  readonly end: number;
  readonly global: boolean;
}

/** A copied range of a section inside the linked program: slots [start, end) at `base`. */
export interface Piece {
  readonly section: number;
  readonly sectionName: string;
  readonly start: number;
  readonly end: number;
  readonly base: number;
}

export interface DataTarget {
  readonly kind: 'map' | 'map_value';
  readonly map: string;
  readonly mapIndex: number;
  readonly offset: number;
}

export interface LinkContext {
  readonly elf: ElfFile;
  /** Relocations of each executable section, by byte offset. */
  readonly relocs: ReadonlyMap<number, ReadonlyMap<number, ElfRel>>;
  /** Functions of each executable section, sorted by start. */
  readonly funcs: ReadonlyMap<number, readonly FuncRange[]>;
  /** What an lddw relocated against a non-code symbol refers to. */
  resolveData(sym: ElfSymbol, addend: number, insn: number): DataTarget;
}

export interface LinkedProgram {
  readonly insns: Uint8Array;
  readonly relocations: readonly ProgramReloc[];
  readonly pieces: readonly Piece[];
}

function bad(detail: string, insn?: number): never {
  throw new LoadError('ELF_BAD_RELOC', detail, { insn });
}

function isExec(sec: ElfSection | undefined): sec is ElfSection {
  return sec !== undefined && (sec.flags & ShFlag.EXECINSTR) !== 0;
}

/**
 * Check every relocation of an executable section before any is used: it must sit on the first
 * slot of an lddw (types 0 or 1) or of a call (types 1 or 10), inside the section.
 */
export function checkCodeRelocs(sec: ElfSection, rels: readonly ElfRel[]): Map<number, ElfRel> {
  const byOffset = new Map<number, ElfRel>();
  for (const rel of rels) {
    const slot = Math.floor(rel.offset / 8);
    if (rel.offset % 8 !== 0)
      bad(`relocation at ${sec.name}+${rel.offset} is not on an instruction`);
    const opcode = sec.data[rel.offset];
    if (opcode === OP_LDDW) {
      if (rel.offset + 16 > sec.size)
        bad(`relocated lddw at ${sec.name} slot ${slot} is truncated`, slot);
      if (rel.type !== R_BPF.R64_64 && rel.type !== R_BPF.NONE) {
        bad(`relocation type ${rel.type} on the lddw at ${sec.name} slot ${slot}`, slot);
      }
    } else if (opcode === OP_CALL) {
      if (rel.type !== R_BPF.R64_32 && rel.type !== R_BPF.R64_64) {
        bad(`relocation type ${rel.type} on the call at ${sec.name} slot ${slot}`, slot);
      }
    } else {
      bad(`relocation at ${sec.name} slot ${slot} is on neither an lddw nor a call`, slot);
    }
    if (byOffset.has(rel.offset)) bad(`two relocations on ${sec.name} slot ${slot}`, slot);
    byOffset.set(rel.offset, rel);
  }
  return byOffset;
}

interface Patch {
  readonly pc: number;
  readonly src: number;
  readonly imm: number;
  /** Second-slot imm of an lddw. */
  readonly imm2?: number;
}

/** Link the program `main` (a function of a program section). */
export function linkProgram(ctx: LinkContext, main: FuncRange): LinkedProgram {
  const { elf } = ctx;
  const pieces: Piece[] = [];
  const patches: Patch[] = [];
  const relocations: ProgramReloc[] = [];
  let total = 0;

  const append = (fn: FuncRange): Piece => {
    const sec = elf.sections[fn.section] as ElfSection;
    const piece: Piece = {
      section: fn.section,
      sectionName: sec.name,
      start: fn.start,
      end: fn.end,
      base: total,
    };
    pieces.push(piece);
    total += fn.end - fn.start;
    return piece;
  };

  /** New slot index of `slot` of section `section`, appending its function if needed. */
  const locate = (section: number, slot: number, pc: number): number => {
    for (const p of pieces) {
      if (p.section === section && slot >= p.start && slot < p.end) return p.base + slot - p.start;
    }
    const fn = ctx.funcs.get(section)?.find((f) => slot >= f.start && slot < f.end);
    if (fn === undefined) {
      const name = elf.sections[section]?.name ?? String(section);
      bad(`call or function pointer into ${name} slot ${slot}, which is inside no function`, pc);
    }
    const piece = append(fn);
    return piece.base + slot - piece.start;
  };

  append(main);
  // Pieces are appended while this loop runs; each function at most once, so it terminates.
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p] as Piece;
    const sec = elf.sections[piece.section] as ElfSection;
    const view = new DataView(sec.data.buffer, sec.data.byteOffset, sec.data.byteLength);
    const relocs = ctx.relocs.get(piece.section);
    const secSlots = sec.size / 8;
    for (let slot = piece.start; slot < piece.end; slot++) {
      const at = slot * 8;
      const opcode = view.getUint8(at);
      const src = view.getUint8(at + 1) >> 4;
      const imm = view.getInt32(at + 4, true);
      const pc = piece.base + slot - piece.start;
      const rel = relocs?.get(at);
      if (opcode === OP_LDDW) {
        if (rel !== undefined) {
          if (slot + 1 >= piece.end) bad(`relocated lddw at the end of a function`, pc);
          const sym = elf.symbols[rel.sym] as ElfSymbol;
          const target = elf.sections[sym.shndx];
          if (sym.shndx !== SHN_UNDEF && isExec(target)) {
            const byteOff = sym.value + imm;
            if (byteOff % 8 !== 0 || byteOff < 0 || byteOff >= target.size) {
              bad(`function pointer to ${target.name}+${byteOff} is not an instruction`, pc);
            }
            const to = locate(sym.shndx, byteOff / 8, pc);
            patches.push({ pc, src: LddwSrc.FUNC, imm: to - pc - 1, imm2: 0 });
          } else {
            const t = ctx.resolveData(sym, imm, pc);
            patches.push({
              pc,
              src: t.kind === 'map' ? LddwSrc.MAP_IDX : LddwSrc.MAP_IDX_VALUE,
              imm: t.mapIndex,
              imm2: t.kind === 'map' ? 0 : t.offset,
            });
            relocations.push({
              insn: pc,
              kind: t.kind,
              map: t.map,
              mapIndex: t.mapIndex,
              offset: t.offset,
            });
          }
        }
        slot++; // the second half of the lddw
        continue;
      }
      if (opcode !== OP_CALL) continue;
      let toSection: number;
      let toSlot: number;
      if (rel !== undefined) {
        if (src !== CallSrc.LOCAL) bad(`relocated call has src ${src}, not a bpf-to-bpf call`, pc);
        const sym = elf.symbols[rel.sym] as ElfSymbol;
        if (sym.shndx === SHN_UNDEF) {
          if (!Object.hasOwn(BUILTINS, sym.name))
            bad(`call to undefined function '${sym.name}'`, pc);
          const name = sym.name as BuiltinName;
          patches.push({ pc, src: CallSrc.KFUNC, imm: BUILTINS[name] });
          relocations.push({ insn: pc, kind: 'builtin', name });
          continue;
        }
        const target = elf.sections[sym.shndx];
        if (!isExec(target))
          bad(`call to '${sym.name}', which is not in an executable section`, pc);
        if (sym.value % 8 !== 0) bad(`call to '${sym.name}' at a misaligned offset`, pc);
        toSection = sym.shndx;
        toSlot = sym.value / 8 + imm + 1;
        if (toSlot < 0 || toSlot >= target.size / 8)
          bad(`call target ${target.name} slot ${toSlot} is outside its section`, pc);
      } else {
        if (src !== CallSrc.LOCAL) continue; // helper or kfunc call: nothing to link
        toSection = piece.section;
        toSlot = slot + imm + 1;
        if (toSlot < 0 || toSlot >= secSlots) {
          throw new LoadError(
            'PROG_BAD_CODE',
            `call target slot ${toSlot} is outside ${sec.name}`,
            { insn: pc },
          );
        }
      }
      const to = locate(toSection, toSlot, pc);
      patches.push({ pc, src: CallSrc.LOCAL, imm: to - pc - 1 });
    }
  }

  const insns = new Uint8Array(total * 8);
  for (const piece of pieces) {
    const data = (elf.sections[piece.section] as ElfSection).data;
    insns.set(data.subarray(piece.start * 8, piece.end * 8), piece.base * 8);
  }
  const out = new DataView(insns.buffer);
  for (const patch of patches) {
    const at = patch.pc * 8;
    out.setUint8(at + 1, (out.getUint8(at + 1) & 0x0f) | (patch.src << 4));
    out.setInt32(at + 4, patch.imm, true);
    if (patch.imm2 !== undefined) out.setInt32(at + 12, patch.imm2, true);
  }
  relocations.sort((a, b) => a.insn - b.insn);
  return { insns, relocations, pieces };
}
