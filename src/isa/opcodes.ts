// The one opcode table of the project (RFC 9669 plus the legacy packet loads and callx).
// The decoder, assembler, disassembler, interpreter, JIT and verifier all read it; nothing else
// restates which fields an opcode uses or what values they may hold.
//
// An instruction is 64 bits, little-endian:
//
//   bit 63         32 31      16 15   12 11    8 7        0
//      +-------------+----------+-------+-------+----------+
//      |   imm (s32) | off (s16)|  src  |  dst  |  opcode  |
//      +-------------+----------+-------+-------+----------+
//
// The opcode byte, for ALU/ALU64/JMP/JMP32:      for LD/LDX/ST/STX:
//
//   7      4   3    2    0                       7    5 4   3 2    0
//   +-------+------+------+                      +------+-----+------+
//   |  op   |source|class |                      | mode | size|class |
//   +-------+------+------+                      +------+-----+------+
//
// Some opcodes carry several instructions told apart by another field (the kernel's "variant"):
// `off` for sdiv/smod and movsx, `src` for the call kinds, `imm` for the atomic operations.
// Each such instruction gets its own `Code`: the opcode byte plus (variant index << 8).

/** Instruction classes (bits 0-2). */
export const Cls = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;

/** Source operand (bit 3) of ALU and JMP classes. For END, K means to-LE, X to-BE. */
export const Src = { K: 0x00, X: 0x08 } as const;

/** ALU operations (bits 4-7). */
export const Alu = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;

/** JMP operations (bits 4-7). */
export const Jmp = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
} as const;

/** Access size (bits 3-4) of load and store classes. */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Mode (bits 5-7) of load and store classes. */
export const Mode = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;

/** The `imm` of an atomic instruction. FETCH is a flag on ADD/OR/AND/XOR. */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  FETCH: 0x01,
  XCHG: 0xe0 | 0x01,
  CMPXCHG: 0xf0 | 0x01,
} as const;

/** `src` of lddw: what the 64-bit immediate means (libbpf/kernel pseudo sources). */
export const LddwSrc = {
  IMM: 0,
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
} as const;

/** `src` of call: helper by id, bpf-to-bpf call, kfunc by BTF id. */
export const CallSrc = { HELPER: 0, LOCAL: 1, KFUNC: 2 } as const;

/**
 * Every instruction, as a code: the opcode byte plus (variant << 8).
 * The hex is spelled out so that `Code` is a union of literals and a `switch` over it can be
 * checked for exhaustiveness; a test checks each against the field constants above.
 */
export const Code = {
  // ALU64: dst = dst OP src, 64 bits
  ADD64_K: 0x07,
  ADD64_X: 0x0f,
  SUB64_K: 0x17,
  SUB64_X: 0x1f,
  MUL64_K: 0x27,
  MUL64_X: 0x2f,
  DIV64_K: 0x37,
  DIV64_X: 0x3f,
  SDIV64_K: 0x137,
  SDIV64_X: 0x13f,
  OR64_K: 0x47,
  OR64_X: 0x4f,
  AND64_K: 0x57,
  AND64_X: 0x5f,
  LSH64_K: 0x67,
  LSH64_X: 0x6f,
  RSH64_K: 0x77,
  RSH64_X: 0x7f,
  NEG64: 0x87,
  MOD64_K: 0x97,
  MOD64_X: 0x9f,
  SMOD64_K: 0x197,
  SMOD64_X: 0x19f,
  XOR64_K: 0xa7,
  XOR64_X: 0xaf,
  MOV64_K: 0xb7,
  MOV64_X: 0xbf,
  MOVSX8_64: 0x1bf,
  MOVSX16_64: 0x2bf,
  MOVSX32_64: 0x3bf,
  ARSH64_K: 0xc7,
  ARSH64_X: 0xcf,
  BSWAP: 0xd7,
  // ALU: 32 bits, result zero-extended
  ADD32_K: 0x04,
  ADD32_X: 0x0c,
  SUB32_K: 0x14,
  SUB32_X: 0x1c,
  MUL32_K: 0x24,
  MUL32_X: 0x2c,
  DIV32_K: 0x34,
  DIV32_X: 0x3c,
  SDIV32_K: 0x134,
  SDIV32_X: 0x13c,
  OR32_K: 0x44,
  OR32_X: 0x4c,
  AND32_K: 0x54,
  AND32_X: 0x5c,
  LSH32_K: 0x64,
  LSH32_X: 0x6c,
  RSH32_K: 0x74,
  RSH32_X: 0x7c,
  NEG32: 0x84,
  MOD32_K: 0x94,
  MOD32_X: 0x9c,
  SMOD32_K: 0x194,
  SMOD32_X: 0x19c,
  XOR32_K: 0xa4,
  XOR32_X: 0xac,
  MOV32_K: 0xb4,
  MOV32_X: 0xbc,
  MOVSX8_32: 0x1bc,
  MOVSX16_32: 0x2bc,
  ARSH32_K: 0xc4,
  ARSH32_X: 0xcc,
  LE: 0xd4,
  BE: 0xdc,
  // JMP: compare 64 bits, pc += 1 + off
  JA: 0x05,
  JEQ_K: 0x15,
  JEQ_X: 0x1d,
  JGT_K: 0x25,
  JGT_X: 0x2d,
  JGE_K: 0x35,
  JGE_X: 0x3d,
  JSET_K: 0x45,
  JSET_X: 0x4d,
  JNE_K: 0x55,
  JNE_X: 0x5d,
  JSGT_K: 0x65,
  JSGT_X: 0x6d,
  JSGE_K: 0x75,
  JSGE_X: 0x7d,
  CALL_HELPER: 0x85,
  CALL_LOCAL: 0x185,
  CALL_KFUNC: 0x285,
  CALLX: 0x8d,
  EXIT: 0x95,
  JLT_K: 0xa5,
  JLT_X: 0xad,
  JLE_K: 0xb5,
  JLE_X: 0xbd,
  JSLT_K: 0xc5,
  JSLT_X: 0xcd,
  JSLE_K: 0xd5,
  JSLE_X: 0xdd,
  // JMP32: compare the low 32 bits; JA32 (gotol) jumps by imm
  JA32: 0x06,
  JEQ32_K: 0x16,
  JEQ32_X: 0x1e,
  JGT32_K: 0x26,
  JGT32_X: 0x2e,
  JGE32_K: 0x36,
  JGE32_X: 0x3e,
  JSET32_K: 0x46,
  JSET32_X: 0x4e,
  JNE32_K: 0x56,
  JNE32_X: 0x5e,
  JSGT32_K: 0x66,
  JSGT32_X: 0x6e,
  JSGE32_K: 0x76,
  JSGE32_X: 0x7e,
  JLT32_K: 0xa6,
  JLT32_X: 0xae,
  JLE32_K: 0xb6,
  JLE32_X: 0xbe,
  JSLT32_K: 0xc6,
  JSLT32_X: 0xce,
  JSLE32_K: 0xd6,
  JSLE32_X: 0xde,
  // LD: 64-bit immediate (two slots) and the legacy packet loads
  LDDW: 0x18,
  LDABSW: 0x20,
  LDABSH: 0x28,
  LDABSB: 0x30,
  LDINDW: 0x40,
  LDINDH: 0x48,
  LDINDB: 0x50,
  // LDX: dst = *(size *)(src + off), zero- or sign-extended
  LDXW: 0x61,
  LDXH: 0x69,
  LDXB: 0x71,
  LDXDW: 0x79,
  LDXSW: 0x81,
  LDXSH: 0x89,
  LDXSB: 0x91,
  // ST: *(size *)(dst + off) = imm
  STW: 0x62,
  STH: 0x6a,
  STB: 0x72,
  STDW: 0x7a,
  // STX: *(size *)(dst + off) = src
  STXW: 0x63,
  STXH: 0x6b,
  STXB: 0x73,
  STXDW: 0x7b,
  // ATOMIC: *(size *)(dst + off) OP= src
  ATOMIC32_ADD: 0xc3,
  ATOMIC32_FETCH_ADD: 0x1c3,
  ATOMIC32_OR: 0x2c3,
  ATOMIC32_FETCH_OR: 0x3c3,
  ATOMIC32_AND: 0x4c3,
  ATOMIC32_FETCH_AND: 0x5c3,
  ATOMIC32_XOR: 0x6c3,
  ATOMIC32_FETCH_XOR: 0x7c3,
  ATOMIC32_XCHG: 0x8c3,
  ATOMIC32_CMPXCHG: 0x9c3,
  ATOMIC64_ADD: 0xdb,
  ATOMIC64_FETCH_ADD: 0x1db,
  ATOMIC64_OR: 0x2db,
  ATOMIC64_FETCH_OR: 0x3db,
  ATOMIC64_AND: 0x4db,
  ATOMIC64_FETCH_AND: 0x5db,
  ATOMIC64_XOR: 0x6db,
  ATOMIC64_FETCH_XOR: 0x7db,
  ATOMIC64_XCHG: 0x8db,
  ATOMIC64_CMPXCHG: 0x9db,
} as const;
export type CodeName = keyof typeof Code;
export type Code = (typeof Code)[CodeName];

/** The opcode byte of a code. */
export const opcodeOf = (code: number): number => code & 0xff;
