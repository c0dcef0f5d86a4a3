// Bytecode -> Program. Strict: every field is checked against the opcode table, lddw pairs are
// merged, and jump and local-call targets must land on the first slot of an instruction inside
// the program. Every error carries a code and the slot index.

import { DecodeError } from '../errors.js';
import { type Insn, INSN_SIZE, MAX_INSNS, NUM_REGS, FP_REG, type Program } from './insn.js';
import { LddwSrc } from './opcodes.js';
import { type FieldRule, type InsnInfo, infoOf, variantsOf } from './table.js';

export interface RawInsn {
  readonly opcode: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/** Read slot `pc` of `bytes` without any checks. */
export function readRaw(view: DataView, pc: number): RawInsn {
  const at = pc * INSN_SIZE;
  const regs = view.getUint8(at + 1);
  return {
    opcode: view.getUint8(at),
    dst: regs & 0x0f,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
}

const MAX_LDDW_SRC = LddwSrc.MAP_IDX_VALUE;

function pickVariant(raw: RawInsn, pc: number): InsnInfo {
  const variants = variantsOf(raw.opcode);
  if (variants.length === 0) {
    throw new DecodeError('UNKNOWN_OPCODE', `unknown opcode 0x${hex2(raw.opcode)}`, { insn: pc });
  }
  const first = variants[0] as InsnInfo;
  if (variants.length === 1 && first.variant === null) return first;
  for (const v of variants) {
    if (v.variant === null || raw[v.variant.field] === v.variant.value) return v;
  }
  const field = first.variant?.field ?? 'imm';
  throw new DecodeError(
    'BAD_FIELD',
    `opcode 0x${hex2(raw.opcode)} (${first.mnemonic}) does not allow ${field} ${raw[field]}`,
    { insn: pc },
  );
}

function checkField(
  info: InsnInfo,
  field: 'dst' | 'src' | 'off' | 'imm',
  rule: FieldRule,
  value: number,
  pc: number,
): void {
  switch (rule) {
    case 'zero':
      if (value !== 0) {
        throw new DecodeError(
          'RESERVED_FIELD',
          `${info.mnemonic}: reserved field ${field} is ${value}, must be 0`,
          {
            insn: pc,
          },
        );
      }
      return;
    case 'reg':
      if (value >= NUM_REGS) {
        throw new DecodeError(
          'BAD_REGISTER',
          `${info.mnemonic}: invalid ${field} register r${value}`,
          { insn: pc },
        );
      }
      return;
    case 'any':
    case 'jump':
    case 'variant':
      return;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Decode raw bytecode (little-endian, 8 bytes per slot) into a Program.
 * @throws DecodeError with the slot index of the first bad instruction.
 */
export function decode(bytes: Uint8Array): Program {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(
      'TRUNCATED',
      `program is ${bytes.length} bytes, not a multiple of ${INSN_SIZE}`,
      { insn: Math.floor(bytes.length / INSN_SIZE) },
    );
  }
  const slots = bytes.length / INSN_SIZE;
  if (slots === 0) throw new DecodeError('EMPTY_PROGRAM');
  if (slots > MAX_INSNS) {
    throw new DecodeError(
      'TOO_LARGE',
      `program has ${slots} instructions, the limit is ${MAX_INSNS}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: Insn[] = [];
  const indexOfPc = new Int32Array(slots).fill(-1);
  for (let pc = 0; pc < slots; pc++) {
    const raw = readRaw(view, pc);
    const info = pickVariant(raw, pc);
    checkField(info, 'dst', info.dst, raw.dst, pc);
    checkField(info, 'src', info.src, raw.src, pc);
    checkField(info, 'off', info.off, raw.off, pc);
    checkField(info, 'imm', info.imm, raw.imm, pc);
    if (info.immValues !== null && !info.immValues.includes(raw.imm)) {
      throw new DecodeError(
        'BAD_FIELD',
        `${info.mnemonic}: imm must be one of ${info.immValues.join(', ')}, not ${raw.imm}`,
        {
          insn: pc,
        },
      );
    }
    if (info.writesDst && raw.dst === FP_REG) {
      throw new DecodeError(
        'WRITE_R10',
        `${info.mnemonic} writes r10, the read-only frame pointer`,
        { insn: pc },
      );
    }
    if (info.writesSrc && raw.src === FP_REG) {
      throw new DecodeError(
        'WRITE_R10',
        `${info.mnemonic} writes its source r10, the read-only frame pointer`,
        {
          insn: pc,
        },
      );
    }
    let imm64: bigint;
    const start = pc;
    if (info.kind === 'lddw') {
      if (raw.src > MAX_LDDW_SRC) {
        throw new DecodeError(
          'BAD_FIELD',
          `lddw: src ${raw.src} is not a known pseudo source (0-${MAX_LDDW_SRC})`,
          {
            insn: pc,
          },
        );
      }
      if (pc + 1 >= slots) throw new DecodeError('LDDW_TRUNCATED', undefined, { insn: pc });
      const hi = readRaw(view, pc + 1);
      if (hi.opcode !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        throw new DecodeError(
          'LDDW_BAD_SECOND',
          'second half of lddw must have opcode, registers and offset 0',
          { insn: pc + 1 },
        );
      }
      imm64 = (BigInt(hi.imm >>> 0) << 32n) | BigInt(raw.imm >>> 0);
      pc++;
    } else {
      imm64 = BigInt.asUintN(64, BigInt(raw.imm));
    }
    indexOfPc[start] = insns.length;
    insns.push(
      Object.freeze({
        pc: start,
        code: info.code,
        dst: raw.dst,
        src: raw.src,
        off: raw.off,
        imm: raw.imm,
        imm64,
      }),
    );
  }
  const program: Program = { insns: Object.freeze(insns), slots, indexOfPc };
  checkTargets(program);
  return program;
}

/** Jumps and local calls must land on an instruction (not an lddw's second half) in the program. */
export function checkTargets(program: Program): void {
  for (const insn of program.insns) {
    const info = infoOf(insn.code);
    const field = info.off === 'jump' ? 'off' : info.imm === 'jump' ? 'imm' : null;
    if (field === null) continue;
    const target = insn.pc + 1 + insn[field];
    const isCall = info.kind === 'call';
    if (target < 0 || target >= program.slots) {
      throw new DecodeError(
        isCall ? 'CALL_OUT_OF_RANGE' : 'JUMP_OUT_OF_RANGE',
        `${info.mnemonic} to ${target} is outside the program (0-${program.slots - 1})`,
        { insn: insn.pc },
      );
    }
    if (program.indexOfPc[target] === -1) {
      throw new DecodeError(
        'JUMP_INTO_LDDW',
        `${info.mnemonic} to ${target} lands in the second half of an lddw`,
        {
          insn: insn.pc,
        },
      );
    }
  }
}
