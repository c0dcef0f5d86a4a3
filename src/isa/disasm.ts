// Instructions -> assembly text, in the canonical spelling of the syntax asm.ts reads: `%r`
// registers, hex for lddw constants, decimal for every other immediate, `+N`/`-N` for offsets and
// relative targets, `bswap` (not `swap`). Mnemonics and forms come from the opcode table, so
// what `disassemble` prints, `assemble` turns back into the same bytes.

import { assertNever } from '../errors.js';
import { LDDW_SRC_NAMES } from './asm.js';
import type { Insn, Program } from './insn.js';
import { infoOf } from './table.js';

export interface DisasmInsnOptions {
  /** Names for jump and call targets, by slot index; targets not in it are written `+N`/`-N`. */
  readonly labels?: ReadonlyMap<number, string>;
}

export interface DisasmOptions {
  /** Invent `L<pc>:` labels for jump and call targets, so the text reassembles after edits. */
  readonly labels?: boolean;
  /** Prefix each line with its slot index (for people; the result does not reassemble). */
  readonly pcs?: boolean;
}

const reg = (n: number): string => `%r${n}`;
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (r: number, off: number): string =>
  off === 0 ? `[${reg(r)}]` : `[${reg(r)}${signed(off)}]`;

/** Slot index a jump or local call goes to, or null for other instructions. */
export function targetOf(insn: Insn): number | null {
  const info = infoOf(insn.code);
  const field = info.off === 'jump' ? 'off' : info.imm === 'jump' ? 'imm' : null;
  return field === null ? null : insn.pc + 1 + insn[field];
}

/** One instruction as a line of assembly (no newline). */
export function disassembleInsn(insn: Insn, opts: DisasmInsnOptions = {}): string {
  const info = infoOf(insn.code);
  const mn = info.mnemonic;
  const target = (rel: number): string => opts.labels?.get(insn.pc + 1 + rel) ?? signed(rel);
  const form = info.form;
  switch (form) {
    case 'alu_k':
      return `${mn} ${reg(insn.dst)}, ${insn.imm}`;
    case 'alu_x':
      return `${mn} ${reg(insn.dst)}, ${reg(insn.src)}`;
    case 'unary':
      return `${mn} ${reg(insn.dst)}`;
    case 'endian':
      return `${mn}${insn.imm} ${reg(insn.dst)}`;
    case 'ja':
      return `${mn} ${target(insn.off)}`;
    case 'ja32':
      return `${mn} ${target(insn.imm)}`;
    case 'jmp_k':
      return `${mn} ${reg(insn.dst)}, ${insn.imm}, ${target(insn.off)}`;
    case 'jmp_x':
      return `${mn} ${reg(insn.dst)}, ${reg(insn.src)}, ${target(insn.off)}`;
    case 'call_helper':
      return `${mn} ${insn.imm}`;
    case 'call_local':
      return `${mn} local ${target(insn.imm)}`;
    case 'call_kfunc':
      return `${mn} runtime ${insn.imm}${insn.off === 0 ? '' : `, ${insn.off}`}`;
    case 'callx':
      return `${mn} ${reg(insn.dst)}`;
    case 'exit':
      return mn;
    case 'lddw': {
      const pseudo = insn.src === 0 ? '' : `${LDDW_SRC_NAMES.get(insn.src) ?? `src${insn.src}`} `;
      return `${mn} ${reg(insn.dst)}, ${pseudo}0x${insn.imm64.toString(16)}`;
    }
    case 'ldabs':
      return `${mn} ${insn.imm}`;
    case 'ldind':
      return `${mn} ${reg(insn.src)}, ${insn.imm}`;
    case 'ldx':
      return `${mn} ${reg(insn.dst)}, ${mem(insn.src, insn.off)}`;
    case 'st':
      return `${mn} ${mem(insn.dst, insn.off)}, ${insn.imm}`;
    case 'stx':
    case 'atomic':
      return `${mn} ${mem(insn.dst, insn.off)}, ${reg(insn.src)}`;
    default:
      return assertNever(form, 'form');
  }
}

/**
 * A whole program, one instruction per line, ending in a newline. With `labels`, every target
 * that starts an instruction (or is the end of the program) gets a label line `L<pc>:`.
 */
export function disassemble(program: Program, opts: DisasmOptions = {}): string {
  const labels = new Map<number, string>();
  if (opts.labels === true) {
    for (const insn of program.insns) {
      const t = targetOf(insn);
      if (t === null || t < 0 || t > program.slots) continue;
      if (t < program.slots && program.indexOfPc[t] === -1) continue;
      labels.set(t, `L${t}`);
    }
  }
  const width = String(Math.max(program.slots - 1, 0)).length;
  const prefix = (pc: number | null): string => {
    if (opts.pcs !== true) return '';
    return pc === null ? ' '.repeat(width + 2) : `${String(pc).padStart(width)}: `;
  };
  const out: string[] = [];
  for (const insn of program.insns) {
    const name = labels.get(insn.pc);
    if (name !== undefined) out.push(`${prefix(null)}${name}:`);
    out.push(prefix(insn.pc) + disassembleInsn(insn, { labels }));
  }
  const end = labels.get(program.slots);
  if (end !== undefined) out.push(`${prefix(null)}${end}:`);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
