import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import {
  ALL_INSNS,
  decode,
  Alu,
  AtomicOp,
  Cls,
  Code,
  Jmp,
  Mode,
  Size,
  Src,
  variantsOf,
} from '../../src/isa/index.js';

// Rebuild each code's opcode byte from the named field constants and compare with the literal.
function expectedOpcode(name: string): number {
  const m = /^(\w+?)(64|32)?_(K|X)$/.exec(name);
  if (m) {
    const [, op, w, s] = m as unknown as [string, string, string | undefined, 'K' | 'X'];
    if (op in Jmp) {
      const cls = w === '32' ? Cls.JMP32 : Cls.JMP;
      return cls | Src[s] | Jmp[op as keyof typeof Jmp];
    }
    const base = op === 'SDIV' ? 'DIV' : op === 'SMOD' ? 'MOD' : op;
    return (w === '32' ? Cls.ALU : Cls.ALU64) | Src[s] | Alu[base as keyof typeof Alu];
  }
  const fixed: Record<string, number> = {
    NEG64: Cls.ALU64 | Alu.NEG,
    NEG32: Cls.ALU | Alu.NEG,
    MOVSX8_64: Cls.ALU64 | Src.X | Alu.MOV,
    MOVSX16_64: Cls.ALU64 | Src.X | Alu.MOV,
    MOVSX32_64: Cls.ALU64 | Src.X | Alu.MOV,
    MOVSX8_32: Cls.ALU | Src.X | Alu.MOV,
    MOVSX16_32: Cls.ALU | Src.X | Alu.MOV,
    LE: Cls.ALU | Src.K | Alu.END,
    BE: Cls.ALU | Src.X | Alu.END,
    BSWAP: Cls.ALU64 | Src.K | Alu.END,
    JA: Cls.JMP | Jmp.JA,
    JA32: Cls.JMP32 | Jmp.JA,
    CALL_HELPER: Cls.JMP | Jmp.CALL,
    CALL_LOCAL: Cls.JMP | Jmp.CALL,
    CALL_KFUNC: Cls.JMP | Jmp.CALL,
    CALLX: Cls.JMP | Src.X | Jmp.CALL,
    EXIT: Cls.JMP | Jmp.EXIT,
    LDDW: Cls.LD | Mode.IMM | Size.DW,
  };
  if (name in fixed) return fixed[name] as number;
  const mem = /^(LDABS|LDIND|LDXS|LDX|STX|ST)(W|H|B|DW)$/.exec(name);
  if (mem) {
    const [, kind, sz] = mem as unknown as [string, string, keyof typeof Size];
    const clsMode: Record<string, number> = {
      LDABS: Cls.LD | Mode.ABS,
      LDIND: Cls.LD | Mode.IND,
      LDX: Cls.LDX | Mode.MEM,
      LDXS: Cls.LDX | Mode.MEMSX,
      ST: Cls.ST | Mode.MEM,
      STX: Cls.STX | Mode.MEM,
    };
    return (clsMode[kind] as number) | Size[sz];
  }
  const at = /^ATOMIC(32|64)_/.exec(name);
  if (at) return Cls.STX | Mode.ATOMIC | (at[1] === '32' ? Size.W : Size.DW);
  throw new Error(`no rule for ${name}`);
}

describe('opcode table', () => {
  it.each(ALL_INSNS.map((i) => [i.name, i] as const))(
    '%s matches its field constants',
    (name, info) => {
      expect(info.opcode).toBe(expectedOpcode(name));
      expect(info.code & 0xff).toBe(info.opcode);
      expect(variantsOf(info.opcode)).toContain(info);
    },
  );

  it('atomic variants carry the RFC 9669 imm values', () => {
    expect(ALL_INSNS.find((i) => i.code === Code.ATOMIC64_CMPXCHG)?.variant).toEqual({
      field: 'imm',
      value: AtomicOp.CMPXCHG,
    });
    expect(ALL_INSNS.find((i) => i.code === Code.ATOMIC32_FETCH_XOR)?.variant).toEqual({
      field: 'imm',
      value: AtomicOp.XOR | AtomicOp.FETCH,
    });
  });

  it('has one row per code and unique mnemonics per form', () => {
    expect(ALL_INSNS.length).toBe(Object.keys(Code).length);
    const seen = new Set<string>();
    for (const i of ALL_INSNS) {
      const key = `${i.mnemonic}/${i.form}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });
});

describe('r10 is read-only in the decoder', () => {
  it.each([
    ['lock fetch add', AtomicOp.ADD | AtomicOp.FETCH, 'WRITE_R10'],
    ['lock xchg', AtomicOp.XCHG, 'WRITE_R10'],
    ['lock add (no fetch)', AtomicOp.ADD, null],
    ['lock cmpxchg (writes r0)', AtomicOp.CMPXCHG, null],
  ])('%s with src r10', (_name, imm, code) => {
    const bytes = new Uint8Array(16);
    bytes.set([0xdb, 0xa1, 0xf8, 0xff]); // lock ... [r1-8], r10
    new DataView(bytes.buffer).setInt32(4, imm, true);
    bytes[8] = 0x95;
    if (code === null) {
      expect(decode(bytes).insns.length).toBe(2);
      return;
    }
    const err = (() => {
      try {
        decode(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).code).toBe(code);
    expect((err as DecodeError).insn).toBe(0);
  });
});
