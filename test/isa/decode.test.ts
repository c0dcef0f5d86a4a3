// Bad bytecode: each malformation is a DecodeError with its code and the slot index.
import { describe, expect, it } from 'vitest';
import { DecodeError, type ErrorCode } from '../../src/errors.js';
import { decode } from '../../src/isa/index.js';

/** One slot from its fields. */
function slot(opcode: number, dst = 0, src = 0, off = 0, imm = 0): number[] {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, opcode);
  v.setUint8(1, ((src & 0xf) << 4) | (dst & 0xf));
  v.setInt16(2, off, true);
  v.setInt32(4, imm, true);
  return [...b];
}
const EXIT = slot(0x95);
const MOV_R0_1 = slot(0xb7, 0, 0, 0, 1);

function decodeError(bytes: number[]): DecodeError {
  try {
    decode(Uint8Array.from(bytes));
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

describe('decode rejects malformed bytecode', () => {
  it.each<[string, number[], ErrorCode, number | undefined]>([
    ['empty program', [], 'EMPTY_PROGRAM', undefined],
    ['truncated program (12 bytes)', [...MOV_R0_1, 0x95, 0, 0, 0], 'TRUNCATED', 1],
    ['unknown opcode 0xff', [...MOV_R0_1, ...slot(0xff), ...EXIT], 'UNKNOWN_OPCODE', 1],
    ['unknown opcode 0x8f (ALU64 X NEG)', [...slot(0x8f), ...EXIT], 'UNKNOWN_OPCODE', 0],
    [
      'reserved src on an immediate ALU op',
      [...slot(0x07, 0, 3, 0, 1), ...EXIT],
      'RESERVED_FIELD',
      0,
    ],
    [
      'reserved imm on a register ALU op',
      [...slot(0x0f, 0, 1, 0, 5), ...EXIT],
      'RESERVED_FIELD',
      0,
    ],
    ['reserved fields on exit', [...MOV_R0_1, ...slot(0x95, 1)], 'RESERVED_FIELD', 1],
    ['bad dst register r11', [...slot(0xb7, 11, 0, 0, 1), ...EXIT], 'BAD_REGISTER', 0],
    ['bad src register r12', [...slot(0xbf, 0, 12), ...EXIT], 'BAD_REGISTER', 0],
    [
      'div with off 2 (neither udiv nor sdiv)',
      [...slot(0x37, 0, 0, 2, 3), ...EXIT],
      'BAD_FIELD',
      0,
    ],
    ['be with width 8', [...slot(0xdc, 0, 0, 0, 8), ...EXIT], 'BAD_FIELD', 0],
    ['lddw as the last slot', [...MOV_R0_1, ...slot(0x18, 0, 0, 0, 1)], 'LDDW_TRUNCATED', 1],
    [
      'lddw second half with an opcode',
      [...slot(0x18, 0, 0, 0, 1), ...slot(0x18), ...EXIT],
      'LDDW_BAD_SECOND',
      1,
    ],
    ['lddw with pseudo src 7', [...slot(0x18, 0, 7), ...slot(0), ...EXIT], 'BAD_FIELD', 0],
    ['jump past the end', [...slot(0x05, 0, 0, 5), ...EXIT], 'JUMP_OUT_OF_RANGE', 0],
    [
      'jump before the start',
      [...MOV_R0_1, ...slot(0x15, 0, 0, -3, 0), ...EXIT],
      'JUMP_OUT_OF_RANGE',
      1,
    ],
    [
      'jump into the second half of lddw',
      [...slot(0x05, 0, 0, 1), ...slot(0x18), ...slot(0), ...EXIT],
      'JUMP_INTO_LDDW',
      0,
    ],
    ['local call out of range', [...slot(0x85, 0, 1, 0, 9), ...EXIT], 'CALL_OUT_OF_RANGE', 0],
    ['write to r10', [...slot(0xb7, 10, 0, 0, 1), ...EXIT], 'WRITE_R10', 0],
    ['load into r10', [...slot(0x79, 10, 1), ...EXIT], 'WRITE_R10', 0],
  ])('%s', (_name, bytes, code, insn) => {
    const err = decodeError(bytes);
    expect(err.code).toBe(code);
    expect(err.insn).toBe(insn);
    expect(err.stage).toBe('decode');
  });

  it('accepts a well-formed program with lddw and merges the pair', () => {
    const p = decode(Uint8Array.from([...slot(0x18, 0, 0, 0, 1), ...slot(0, 0, 0, 0, 2), ...EXIT]));
    expect(p.slots).toBe(3);
    expect(p.insns.map((i) => i.pc)).toEqual([0, 2]);
    expect(p.insns[0]?.imm64).toBe(0x2_0000_0001n);
    expect(Array.from(p.indexOfPc)).toEqual([0, -1, 1]);
  });
});
