// Metadata for every instruction code: its mnemonic and assembly form, which fields it uses and
// the values they may take, and a one-line description. Built from the field constants in
// opcodes.ts; indexed by code (INFO) and by opcode byte (BY_OPCODE, listing the variants).

import { Alu, AtomicOp, CallSrc, Code, type Code as CodeT, type CodeName, Jmp } from './opcodes.js';

/** How an instruction is written in assembly; the assembler and disassembler switch on it. */
export type Form =
  | 'alu_k' // add %r0, 1
  | 'alu_x' // add %r0, %r1
  | 'unary' // neg %r0
  | 'endian' // be16 %r0 (width from imm)
  | 'ja' // ja +off | ja label
  | 'ja32' // ja32 +imm | ja32 label
  | 'jmp_k' // jeq %r1, 1, +off
  | 'jmp_x' // jeq %r1, %r2, +off
  | 'call_helper' // call 5
  | 'call_local' // call local +imm | call local label
  | 'call_kfunc' // call runtime 5
  | 'callx' // call %r2
  | 'exit' // exit
  | 'lddw' // lddw %r0, 0x1122334455667788
  | 'ldabs' // ldabsw 12
  | 'ldind' // ldindw %r1, 12
  | 'ldx' // ldxw %r0, [%r1+2]
  | 'st' // stw [%r1+2], 5
  | 'stx' // stxw [%r1+2], %r0
  | 'atomic'; // lock fetch add [%r1+2], %r0

/** Rule for one field of the encoding. */
export type FieldRule =
  | 'zero' // must be 0
  | 'reg' // a register r0-r10
  | 'any' // any value
  | 'jump' // a jump offset (off or imm), checked against the program
  | 'variant'; // the value that selects this code among the opcode's variants

export type Semantic =
  'alu' | 'jmp' | 'call' | 'exit' | 'lddw' | 'ldabs' | 'ldind' | 'ldx' | 'st' | 'stx' | 'atomic';

export interface InsnInfo {
  readonly code: CodeT;
  readonly name: CodeName;
  readonly opcode: number;
  readonly cls: number;
  readonly kind: Semantic;
  /** The mnemonic as written in assembly ('add32', 'ldxsb', 'movsx832', 'jeq32'...). */
  readonly mnemonic: string;
  readonly form: Form;
  /** Which field selects this code among its opcode's variants, and the value it must hold. */
  readonly variant: { readonly field: 'off' | 'src' | 'imm'; readonly value: number } | null;
  readonly dst: FieldRule;
  readonly src: FieldRule;
  readonly off: FieldRule;
  readonly imm: FieldRule;
  /** Values `imm` may take when it is neither free nor the variant (endian widths). */
  readonly immValues: readonly number[] | null;
  /** True when the instruction writes its dst register (r10 may not be written). */
  readonly writesDst: boolean;
  /** True when it writes its src register: atomic fetch forms and xchg (cmpxchg writes r0). */
  readonly writesSrc: boolean;
  /** 8, 16, 32 or 64: operand width (ALU/JMP) or access size (memory). */
  readonly width: 8 | 16 | 32 | 64;
  /** One line: what it does. */
  readonly doc: string;
}

type Row = Omit<InsnInfo, 'code' | 'name' | 'opcode' | 'cls' | 'writesSrc'>;
const rows = new Map<CodeName, Row>();
const def = (name: CodeName, row: Row): void => {
  rows.set(name, row);
};

// ---- ALU and ALU64 ----
const aluOps: readonly [keyof typeof Alu, string, string][] = [
  ['ADD', 'add', '+='],
  ['SUB', 'sub', '-='],
  ['MUL', 'mul', '*='],
  ['DIV', 'div', '/= (unsigned; x/0 = 0)'],
  ['OR', 'or', '|='],
  ['AND', 'and', '&='],
  ['LSH', 'lsh', '<<='],
  ['RSH', 'rsh', '>>= (logical)'],
  ['MOD', 'mod', '%= (unsigned; x%0 = x)'],
  ['XOR', 'xor', '^='],
  ['MOV', 'mov', '='],
  ['ARSH', 'arsh', '>>= (arithmetic)'],
];
for (const w of [64, 32] as const) {
  const sfx = w === 64 ? '' : '32';
  for (const [op, mn, sym] of aluOps) {
    for (const s of ['K', 'X'] as const) {
      const name = `${op}${w}_${s}` as CodeName;
      const operand = s === 'K' ? 'imm' : 'src';
      def(name, {
        kind: 'alu',
        mnemonic: mn + sfx,
        form: s === 'K' ? 'alu_k' : 'alu_x',
        variant:
          op === 'DIV' || op === 'MOD' || (op === 'MOV' && s === 'X')
            ? { field: 'off', value: 0 }
            : null,
        dst: 'reg',
        src: s === 'K' ? 'zero' : 'reg',
        off: op === 'DIV' || op === 'MOD' || (op === 'MOV' && s === 'X') ? 'variant' : 'zero',
        imm: s === 'K' ? 'any' : 'zero',
        immValues: null,
        writesDst: true,
        width: w,
        doc: `${mn}${sfx} dst, ${operand}: dst ${sym} ${operand}${w === 32 ? ' (32-bit, zero-extended)' : ''}`,
      });
    }
  }
  for (const [op, mn, sym] of [
    ['SDIV', 'sdiv', '/= (signed; x/0 = 0)'],
    ['SMOD', 'smod', '%= (signed; x%0 = x)'],
  ] as const) {
    for (const s of ['K', 'X'] as const) {
      const operand = s === 'K' ? 'imm' : 'src';
      def(`${op}${w}_${s}` as CodeName, {
        kind: 'alu',
        mnemonic: mn + sfx,
        form: s === 'K' ? 'alu_k' : 'alu_x',
        variant: { field: 'off', value: 1 },
        dst: 'reg',
        src: s === 'K' ? 'zero' : 'reg',
        off: 'variant',
        imm: s === 'K' ? 'any' : 'zero',
        immValues: null,
        writesDst: true,
        width: w,
        doc: `${mn}${sfx} dst, ${operand}: dst ${sym} ${operand}${w === 32 ? ' (32-bit)' : ''}`,
      });
    }
  }
  def(`NEG${w}` as CodeName, {
    kind: 'alu',
    mnemonic: 'neg' + sfx,
    form: 'unary',
    variant: null,
    dst: 'reg',
    src: 'zero',
    off: 'zero',
    imm: 'zero',
    immValues: null,
    writesDst: true,
    width: w,
    doc: `neg${sfx} dst: dst = -dst`,
  });
}
for (const [name, from, to] of [
  ['MOVSX8_64', 8, 64],
  ['MOVSX16_64', 16, 64],
  ['MOVSX32_64', 32, 64],
  ['MOVSX8_32', 8, 32],
  ['MOVSX16_32', 16, 32],
] as const) {
  def(name, {
    kind: 'alu',
    mnemonic: `movsx${from}${to}`,
    form: 'alu_x',
    variant: { field: 'off', value: from },
    dst: 'reg',
    src: 'reg',
    off: 'variant',
    imm: 'zero',
    immValues: null,
    writesDst: true,
    width: to,
    doc: `movsx${from}${to} dst, src: dst = (s${from})src, sign-extended to ${to} bits`,
  });
}
for (const [name, mn, doc] of [
  ['LE', 'le', 'le{16,32,64} dst: dst = htole(dst), truncated to the width'],
  ['BE', 'be', 'be{16,32,64} dst: dst = htobe(dst), truncated to the width'],
  ['BSWAP', 'bswap', 'bswap{16,32,64} dst: dst = byte-swapped low bits of dst'],
] as const) {
  def(name, {
    kind: 'alu',
    mnemonic: mn,
    form: 'endian',
    variant: null,
    dst: 'reg',
    src: 'zero',
    off: 'zero',
    imm: 'any',
    immValues: [16, 32, 64],
    writesDst: true,
    width: 64,
    doc,
  });
}

// ---- JMP and JMP32 ----
const jmpOps: readonly [keyof typeof Jmp, string, string][] = [
  ['JEQ', 'jeq', '=='],
  ['JGT', 'jgt', '> (unsigned)'],
  ['JGE', 'jge', '>= (unsigned)'],
  ['JSET', 'jset', '& (any bit set)'],
  ['JNE', 'jne', '!='],
  ['JSGT', 'jsgt', '> (signed)'],
  ['JSGE', 'jsge', '>= (signed)'],
  ['JLT', 'jlt', '< (unsigned)'],
  ['JLE', 'jle', '<= (unsigned)'],
  ['JSLT', 'jslt', '< (signed)'],
  ['JSLE', 'jsle', '<= (signed)'],
];
for (const w of [64, 32] as const) {
  const sfx = w === 64 ? '' : '32';
  for (const [op, mn, sym] of jmpOps) {
    for (const s of ['K', 'X'] as const) {
      const operand = s === 'K' ? 'imm' : 'src';
      def(`${op}${sfx}_${s}` as CodeName, {
        kind: 'jmp',
        mnemonic: mn + sfx,
        form: s === 'K' ? 'jmp_k' : 'jmp_x',
        variant: null,
        dst: 'reg',
        src: s === 'K' ? 'zero' : 'reg',
        off: 'jump',
        imm: s === 'K' ? 'any' : 'zero',
        immValues: null,
        writesDst: false,
        width: w,
        doc: `${mn}${sfx} dst, ${operand}, +off: if dst ${sym} ${operand}${w === 32 ? ' (low 32 bits)' : ''} goto pc + 1 + off`,
      });
    }
  }
}
def('JA', {
  kind: 'jmp',
  mnemonic: 'ja',
  form: 'ja',
  variant: null,
  dst: 'zero',
  src: 'zero',
  off: 'jump',
  imm: 'zero',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'ja +off: goto pc + 1 + off',
});
def('JA32', {
  kind: 'jmp',
  mnemonic: 'ja32',
  form: 'ja32',
  variant: null,
  dst: 'zero',
  src: 'zero',
  off: 'zero',
  imm: 'jump',
  immValues: null,
  writesDst: false,
  width: 32,
  doc: 'ja32 +imm (gotol): goto pc + 1 + imm',
});
def('CALL_HELPER', {
  kind: 'call',
  mnemonic: 'call',
  form: 'call_helper',
  variant: { field: 'src', value: CallSrc.HELPER },
  dst: 'zero',
  src: 'variant',
  off: 'zero',
  imm: 'any',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'call imm: r0 = helper[imm](r1, ..., r5); r1-r5 clobbered',
});
def('CALL_LOCAL', {
  kind: 'call',
  mnemonic: 'call',
  form: 'call_local',
  variant: { field: 'src', value: CallSrc.LOCAL },
  dst: 'zero',
  src: 'variant',
  off: 'zero',
  imm: 'jump',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'call local +imm: call the subprogram at pc + 1 + imm with a new frame; r6-r9 preserved',
});
def('CALL_KFUNC', {
  kind: 'call',
  mnemonic: 'call',
  form: 'call_kfunc',
  variant: { field: 'src', value: CallSrc.KFUNC },
  dst: 'zero',
  src: 'variant',
  off: 'any',
  imm: 'any',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'call runtime imm: call the kernel function with BTF id imm',
});
def('CALLX', {
  kind: 'call',
  mnemonic: 'call',
  form: 'callx',
  variant: null,
  dst: 'reg',
  src: 'zero',
  off: 'zero',
  imm: 'zero',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'call %dst (callx): r0 = helper[dst](r1, ..., r5)',
});
def('EXIT', {
  kind: 'exit',
  mnemonic: 'exit',
  form: 'exit',
  variant: null,
  dst: 'zero',
  src: 'zero',
  off: 'zero',
  imm: 'zero',
  immValues: null,
  writesDst: false,
  width: 64,
  doc: 'exit: return r0 to the caller (or end the program)',
});

// ---- loads and stores ----
const sizes = [
  ['W', 'w', 32],
  ['H', 'h', 16],
  ['B', 'b', 8],
  ['DW', 'dw', 64],
] as const;
def('LDDW', {
  kind: 'lddw',
  mnemonic: 'lddw',
  form: 'lddw',
  variant: null,
  dst: 'reg',
  src: 'any', // 0-6: the LddwSrc pseudo sources, checked by the decoder
  off: 'zero',
  imm: 'any',
  immValues: null,
  writesDst: true,
  width: 64,
  doc: 'lddw dst, imm64: dst = imm64 (two slots; src 1-6 are map/BTF/function references)',
});
for (const [sz, s, bits] of sizes) {
  if (sz !== 'DW') {
    def(`LDABS${sz}` as CodeName, {
      kind: 'ldabs',
      mnemonic: `ldabs${s}`,
      form: 'ldabs',
      variant: null,
      dst: 'zero',
      src: 'zero',
      off: 'zero',
      imm: 'any',
      immValues: null,
      writesDst: false,
      width: bits,
      doc: `ldabs${s} imm: r0 = ntoh(*(u${bits} *)(packet + imm)) (legacy)`,
    });
    def(`LDIND${sz}` as CodeName, {
      kind: 'ldind',
      mnemonic: `ldind${s}`,
      form: 'ldind',
      variant: null,
      dst: 'zero',
      src: 'reg',
      off: 'zero',
      imm: 'any',
      immValues: null,
      writesDst: false,
      width: bits,
      doc: `ldind${s} src, imm: r0 = ntoh(*(u${bits} *)(packet + src + imm)) (legacy)`,
    });
    def(`LDXS${sz}` as CodeName, {
      kind: 'ldx',
      mnemonic: `ldxs${s}`,
      form: 'ldx',
      variant: null,
      dst: 'reg',
      src: 'reg',
      off: 'any',
      imm: 'zero',
      immValues: null,
      writesDst: true,
      width: bits,
      doc: `ldxs${s} dst, [src+off]: dst = *(s${bits} *)(src + off), sign-extended`,
    });
  }
  def(`LDX${sz}` as CodeName, {
    kind: 'ldx',
    mnemonic: `ldx${s}`,
    form: 'ldx',
    variant: null,
    dst: 'reg',
    src: 'reg',
    off: 'any',
    imm: 'zero',
    immValues: null,
    writesDst: true,
    width: bits,
    doc: `ldx${s} dst, [src+off]: dst = *(u${bits} *)(src + off)`,
  });
  def(`ST${sz}` as CodeName, {
    kind: 'st',
    mnemonic: `st${s}`,
    form: 'st',
    variant: null,
    dst: 'reg',
    src: 'zero',
    off: 'any',
    imm: 'any',
    immValues: null,
    writesDst: false,
    width: bits,
    doc: `st${s} [dst+off], imm: *(u${bits} *)(dst + off) = imm`,
  });
  def(`STX${sz}` as CodeName, {
    kind: 'stx',
    mnemonic: `stx${s}`,
    form: 'stx',
    variant: null,
    dst: 'reg',
    src: 'reg',
    off: 'any',
    imm: 'zero',
    immValues: null,
    writesDst: false,
    width: bits,
    doc: `stx${s} [dst+off], src: *(u${bits} *)(dst + off) = src`,
  });
}

// ---- atomics ----
const atomicOps = [
  ['ADD', AtomicOp.ADD, 'add', '+= src'],
  ['FETCH_ADD', AtomicOp.ADD | AtomicOp.FETCH, 'fetch add', '+= src; src = old value'],
  ['OR', AtomicOp.OR, 'or', '|= src'],
  ['FETCH_OR', AtomicOp.OR | AtomicOp.FETCH, 'fetch or', '|= src; src = old value'],
  ['AND', AtomicOp.AND, 'and', '&= src'],
  ['FETCH_AND', AtomicOp.AND | AtomicOp.FETCH, 'fetch and', '&= src; src = old value'],
  ['XOR', AtomicOp.XOR, 'xor', '^= src'],
  ['FETCH_XOR', AtomicOp.XOR | AtomicOp.FETCH, 'fetch xor', '^= src; src = old value'],
  ['XCHG', AtomicOp.XCHG, 'xchg', '= src; src = old value'],
  ['CMPXCHG', AtomicOp.CMPXCHG, 'cmpxchg', '= src if it equals r0; r0 = old value'],
] as const;
for (const w of [32, 64] as const) {
  for (const [op, imm, mn, what] of atomicOps) {
    const sfx = w === 64 ? '' : '32';
    def(`ATOMIC${w}_${op}` as CodeName, {
      kind: 'atomic',
      mnemonic: `lock ${mn}${sfx}`,
      form: 'atomic',
      variant: { field: 'imm', value: imm },
      dst: 'reg',
      src: 'reg',
      off: 'any',
      imm: 'variant',
      immValues: null,
      writesDst: false,
      width: w,
      doc: `lock ${mn}${sfx} [dst+off], src: *(u${w} *)(dst + off) ${what}`,
    });
  }
}

// ---- indexes ----
const info = new Map<number, InsnInfo>();
const byOpcode: InsnInfo[][] = Array.from({ length: 256 }, () => []);
for (const name of Object.keys(Code) as CodeName[]) {
  const row = rows.get(name);
  if (row === undefined) throw new TypeError(`opcode table: no row for ${name}`);
  const code = Code[name];
  const opcode = code & 0xff;
  const writesSrc =
    row.kind === 'atomic' &&
    row.variant !== null &&
    (row.variant.value & AtomicOp.FETCH) !== 0 &&
    row.variant.value !== AtomicOp.CMPXCHG;
  const entry: InsnInfo = Object.freeze({
    code,
    name,
    opcode,
    cls: opcode & 0x07,
    ...row,
    writesSrc,
  });
  info.set(code, entry);
  byOpcode[opcode]?.push(entry);
}
if (rows.size !== info.size) throw new TypeError('opcode table: a row has no Code');

/** Metadata of an instruction code. */
export function infoOf(code: CodeT): InsnInfo {
  return info.get(code) as InsnInfo;
}

/** Every instruction code's metadata, in Code order. */
export const ALL_INSNS: readonly InsnInfo[] = [...info.values()];

/** The instruction codes sharing one opcode byte (one entry unless the opcode has variants). */
export function variantsOf(opcode: number): readonly InsnInfo[] {
  return byOpcode[opcode & 0xff] ?? [];
}
