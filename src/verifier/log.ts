// What the verifier tells people: registers and stack in the kernel's spelling
// (`R1=ctx() R2=pkt(off=14,r=34) R10=fp0`), one line per processed instruction for the full log
// (`12: (61) ldxw %r2, [%r1]      ; R2_w=pkt(r=0)`), and the report of a rejection: the message,
// the instruction, the state there, the branch points that led there and the C source line.

import type { LineRecord } from '../elf/btf-ext.js';
import type { Insn } from '../isa/insn.js';
import { disassembleInsn } from '../isa/disasm.js';
import { scalarText } from './bounds.js';
import { type Frame, type Reg, Slot, STACK_SIZE, type VState } from './state.js';
import { isConst } from './bounds.js';

export function regText(r: Reg): string {
  const parts: string[] = [];
  const varPart = (): void => {
    if (!isConst(r.v)) parts.push(`var=${scalarText(r.v).replace(/^scalar\(|\)$/g, '')}`);
  };
  switch (r.type) {
    case 'not_init':
      return '?';
    case 'scalar':
      return scalarText(r.v);
    case 'stack':
      return `fp${r.off}${isConst(r.v) ? '' : `(${scalarText(r.v)})`}`;
    case 'func':
      return `func(insn=${r.frame})`;
    default:
      break;
  }
  if (r.id !== 0) parts.push(`id=${r.id}`);
  if (r.ref !== 0) parts.push(`ref_obj_id=${r.ref}`);
  if (r.map !== null)
    parts.push(`map=${r.map.name}`, `ks=${r.map.keySize}`, `vs=${r.map.valueSize}`);
  if (r.off !== 0) parts.push(`off=${r.off}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta') parts.push(`r=${r.range}`);
  if (r.type === 'mem' || r.type === 'mem_or_null') parts.push(`sz=${r.size}`);
  varPart();
  return `${r.type === 'map_ptr' ? 'map_ptr' : r.type}(${parts.join(',')})`;
}

/** Initialised registers of a frame and its stack slots holding something. */
export function frameText(f: Frame, only?: readonly number[]): string {
  const out: string[] = [];
  const list = only ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  for (const i of list) {
    const r = f.regs[i] as Reg;
    if (r.type === 'not_init') continue;
    out.push(`R${i}${only !== undefined ? '_w' : ''}=${regText(r)}`);
  }
  if (only !== undefined) return out.join(' ');
  for (let slot = 0; slot < STACK_SIZE / 8; slot++) {
    const spill = f.spills[slot];
    const off = slot * 8 - STACK_SIZE;
    if (spill !== undefined && f.bytes[slot * 8] === Slot.SPILL) {
      out.push(`fp${off}=${regText(spill)}`);
      continue;
    }
    let s = '';
    let any = false;
    for (let i = slot * 8 + 7; i >= slot * 8; i--) {
      const b = f.bytes[i] as number;
      if (b !== Slot.INVALID) any = true;
      s += b === Slot.MISC ? 'm' : b === Slot.ZERO ? '0' : b === Slot.SPILL ? 'r' : '?';
    }
    if (any) out.push(`fp${off}=${s}`);
  }
  return out.join(' ');
}

export function stateText(st: VState): string {
  return st.frames
    .map((f, i) => (st.frames.length > 1 ? `frame${i}: ` : '') + frameText(f))
    .join('\n');
}

export function insnText(insn: Insn): string {
  return `${insn.pc}: (${(insn.code & 0xff).toString(16).padStart(2, '0')}) ${disassembleInsn(insn)}`;
}

/** The line record covering instruction `pc` (the last one at or before it). */
export function lineOfInsn(
  lines: readonly LineRecord[] | undefined,
  pc: number,
): LineRecord | undefined {
  if (lines === undefined) return undefined;
  let best: LineRecord | undefined;
  for (const l of lines) {
    if (l.insn <= pc) best = l;
    else break;
  }
  return best;
}

export function sourceText(l: LineRecord): string {
  return `; ${l.text !== undefined ? l.text.trim() + ' ' : ''}@ ${l.file}:${l.line}`;
}

/** Branch decisions of one path, newest first, shared between paths (a cons list). */
export interface Trail {
  readonly from: number;
  readonly to: number;
  readonly prev: Trail | null;
}

export function trailText(t: Trail | null, max = 20): string {
  const items: string[] = [];
  for (let x = t; x !== null && items.length < max; x = x.prev) items.push(`${x.from}->${x.to}`);
  return items.reverse().join(' ');
}
