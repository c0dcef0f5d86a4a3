// Instructions -> bytecode, and the constructor that fills in a code's variant field, so that
// the assembler, generators and tests build instructions without restating the table.

import { INSN_SIZE, type Insn, slotsOf } from './insn.js';
import type { Code } from './opcodes.js';
import { infoOf } from './table.js';

export interface InsnFields {
  readonly dst?: number;
  readonly src?: number;
  readonly off?: number;
  readonly imm?: number;
  /** lddw only: the 64-bit constant (its low half becomes `imm`). */
  readonly imm64?: bigint;
}

/** Build an instruction at slot `pc`, with the variant field the code requires. */
export function makeInsn(code: Code, pc: number, fields: InsnFields = {}): Insn {
  const info = infoOf(code);
  const f = {
    dst: fields.dst ?? 0,
    src: fields.src ?? 0,
    off: fields.off ?? 0,
    imm: fields.imm ?? 0,
  };
  if (info.variant !== null) f[info.variant.field] = info.variant.value;
  let imm64: bigint;
  if (info.kind === 'lddw') {
    imm64 = BigInt.asUintN(64, fields.imm64 ?? BigInt(f.imm));
    f.imm = Number(BigInt.asIntN(32, imm64));
  } else {
    f.imm |= 0;
    imm64 = BigInt.asUintN(64, BigInt(f.imm));
  }
  return Object.freeze({
    pc,
    code,
    dst: f.dst,
    src: f.src,
    off: (f.off << 16) >> 16,
    imm: f.imm,
    imm64,
  });
}

/** Encode instructions into little-endian bytecode. lddw emits two slots. */
export function encode(insns: readonly Insn[]): Uint8Array {
  let slots = 0;
  for (const insn of insns) slots += slotsOf(insn);
  const out = new Uint8Array(slots * INSN_SIZE);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const insn of insns) {
    view.setUint8(at, insn.code & 0xff);
    view.setUint8(at + 1, ((insn.src & 0x0f) << 4) | (insn.dst & 0x0f));
    view.setInt16(at + 2, insn.off, true);
    view.setInt32(at + 4, insn.imm, true);
    at += INSN_SIZE;
    if (slotsOf(insn) === 2) {
      view.setInt32(at + 4, Number(BigInt.asIntN(32, insn.imm64 >> 32n)), true);
      at += INSN_SIZE;
    }
  }
  return out;
}
