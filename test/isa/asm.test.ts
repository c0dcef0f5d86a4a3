import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AsmError, BpfError, DecodeError, type ErrorCode } from '../../src/errors.js';
import {
  Code,
  type Insn,
  assemble,
  assembleProgram,
  decode,
  disassemble,
  encode,
  makeInsn,
} from '../../src/isa/index.js';

/** The fields of the one instruction `text` assembles to (read back without any checks). */
function one(text: string): Omit<Insn, 'pc' | 'code'> {
  const bytes = assemble(text);
  const view = new DataView(bytes.buffer);
  const lddw = bytes[0] === 0x18;
  expect(bytes.length).toBe(lddw ? 16 : 8);
  return {
    dst: (bytes[1] as number) & 0xf,
    src: (bytes[1] as number) >> 4,
    off: view.getInt16(2, true),
    imm: view.getInt32(4, true),
    imm64: lddw
      ? (BigInt(view.getUint32(12, true)) << 32n) | BigInt(view.getUint32(4, true))
      : BigInt.asUintN(64, BigInt(view.getInt32(4, true))),
  };
}

function expectBytes(text: string, insns: readonly Insn[]): void {
  expect([...assemble(text)]).toEqual([...encode(insns)]);
}

describe('assemble: syntax', () => {
  it.each([
    ['add %r1, 2', makeInsn(Code.ADD64_K, 0, { dst: 1, imm: 2 })],
    ['add64 %r1, 2', makeInsn(Code.ADD64_K, 0, { dst: 1, imm: 2 })],
    ['add32 r1, r2', makeInsn(Code.ADD32_X, 0, { dst: 1, src: 2 })],
    ['ADD32 %R1 %r2', makeInsn(Code.ADD32_X, 0, { dst: 1, src: 2 })],
    ['mov %r0, 0xffffffff', makeInsn(Code.MOV64_K, 0, { imm: -1 })],
    ['mov32 %r0, -0x80000000', makeInsn(Code.MOV32_K, 0, { imm: -0x80000000 })],
    ['neg64 %r3', makeInsn(Code.NEG64, 0, { dst: 3 })],
    ['sdiv32 %r3, -7', makeInsn(Code.SDIV32_K, 0, { dst: 3, imm: -7 })],
    ['smod %r3, %r4', makeInsn(Code.SMOD64_X, 0, { dst: 3, src: 4 })],
    ['movsx1632 %r1, %r2', makeInsn(Code.MOVSX16_32, 0, { dst: 1, src: 2 })],
    ['movsx3264 %r1, %r2', makeInsn(Code.MOVSX32_64, 0, { dst: 1, src: 2 })],
    ['be16 %r1', makeInsn(Code.BE, 0, { dst: 1, imm: 16 })],
    ['le64 %r1', makeInsn(Code.LE, 0, { dst: 1, imm: 64 })],
    ['swap32 %r1', makeInsn(Code.BSWAP, 0, { dst: 1, imm: 32 })],
    ['bswap16 %r1', makeInsn(Code.BSWAP, 0, { dst: 1, imm: 16 })],
    ['ja -1', makeInsn(Code.JA, 0, { off: -1 })],
    ['ja32 +70000', makeInsn(Code.JA32, 0, { imm: 70000 })],
    [
      'jeq %r1, 0x80000000, +1 # comment',
      makeInsn(Code.JEQ_K, 0, { dst: 1, imm: -0x80000000, off: 1 }),
    ],
    ['jsle32 %r1, %r9, -4', makeInsn(Code.JSLE32_X, 0, { dst: 1, src: 9, off: -4 })],
    ['call 5', makeInsn(Code.CALL_HELPER, 0, { imm: 5 })],
    ['call helper -1', makeInsn(Code.CALL_HELPER, 0, { imm: -1 })],
    ['call local +3', makeInsn(Code.CALL_LOCAL, 0, { imm: 3 })],
    ['call runtime 77', makeInsn(Code.CALL_KFUNC, 0, { imm: 77 })],
    ['call runtime 77, 2', makeInsn(Code.CALL_KFUNC, 0, { imm: 77, off: 2 })],
    ['call %r2', makeInsn(Code.CALLX, 0, { dst: 2 })],
    ['exit', makeInsn(Code.EXIT, 0)],
    ['lddw %r0, 0x1122334455667788', makeInsn(Code.LDDW, 0, { imm64: 0x1122334455667788n })],
    ['lddw %r0, -2', makeInsn(Code.LDDW, 0, { imm64: BigInt.asUintN(64, -2n) })],
    ['lddw %r0, 18446744073709551615', makeInsn(Code.LDDW, 0, { imm64: (1n << 64n) - 1n })],
    ['lddw %r1, map_fd 3', makeInsn(Code.LDDW, 0, { dst: 1, src: 1, imm64: 3n })],
    [
      'lddw %r1, map_value 0x800000003',
      makeInsn(Code.LDDW, 0, { dst: 1, src: 2, imm64: 0x800000003n }),
    ],
    ['ldabsh 12', makeInsn(Code.LDABSH, 0, { imm: 12 })],
    ['ldindb %r1, -2', makeInsn(Code.LDINDB, 0, { src: 1, imm: -2 })],
    ['ldxb %r0, [%r1+2]', makeInsn(Code.LDXB, 0, { src: 1, off: 2 })],
    ['ldxdw %r0, [%r10-8]', makeInsn(Code.LDXDW, 0, { src: 10, off: -8 })],
    ['ldxh %r0, [%r1]', makeInsn(Code.LDXH, 0, { src: 1 })],
    ['ldxw %r0, [ r1 + 0x10 ]', makeInsn(Code.LDXW, 0, { src: 1, off: 16 })],
    ['ldxsw %r0, [%r1+0xffff]', makeInsn(Code.LDXSW, 0, { src: 1, off: -1 })],
    ['stb [%r1+2], 5', makeInsn(Code.STB, 0, { dst: 1, off: 2, imm: 5 })],
    ['stdw [%r10-8], -1', makeInsn(Code.STDW, 0, { dst: 10, off: -8, imm: -1 })],
    ['stxw [%r1+2], %r0', makeInsn(Code.STXW, 0, { dst: 1, off: 2 })],
    ['lock add [%r10-8], %r1', makeInsn(Code.ATOMIC64_ADD, 0, { dst: 10, off: -8, src: 1 })],
    ['lock add64 [%r10-8], %r1', makeInsn(Code.ATOMIC64_ADD, 0, { dst: 10, off: -8, src: 1 })],
    [
      'lock fetch add32 [%r10-4], %r1',
      makeInsn(Code.ATOMIC32_FETCH_ADD, 0, { dst: 10, off: -4, src: 1 }),
    ],
    ['lock xor32 [%r1], %r2', makeInsn(Code.ATOMIC32_XOR, 0, { dst: 1, src: 2 })],
    ['lock xchg [%r1], %r2', makeInsn(Code.ATOMIC64_XCHG, 0, { dst: 1, src: 2 })],
    ['lock fetch xchg [%r1], %r2', makeInsn(Code.ATOMIC64_XCHG, 0, { dst: 1, src: 2 })],
    [
      'lock cmpxchg32 [%r1-2], %r2',
      makeInsn(Code.ATOMIC32_CMPXCHG, 0, { dst: 1, off: -2, src: 2 }),
    ],
  ] as const)('%s', (text, insn) => {
    expectBytes(text, [insn]);
  });

  it('resolves labels in slots, counting lddw as two', () => {
    const text = [
      'top: mov %r0, 0 # a label before an instruction',
      '',
      '  lddw %r1, 1',
      'again:',
      'jeq %r1, 0, done',
      'call local sub',
      'ja again',
      'ja32 top',
      'done:',
      'exit',
      'sub:',
      'exit',
    ].join('\n');
    const p = assembleProgram(text);
    expect(p.slots).toBe(9);
    expect(p.insns.map((i) => [i.pc, i.off, i.imm])).toEqual([
      [0, 0, 0],
      [1, 0, 1],
      [3, 3, 0], // jeq -> done (7)
      [4, 0, 3], // call local -> sub (8)
      [5, -3, 0], // ja -> again (3)
      [6, 0, -7], // ja32 -> top (0)
      [7, 0, 0],
      [8, 0, 0],
    ]);
  });

  it('defines `exit` at the first exit unless the text defines it', () => {
    const implicit = assembleProgram('jne %r0, 1, exit\nmov %r0, 2\nexit\nmov %r0, 3\nexit');
    expect(implicit.insns[0]?.off).toBe(1);
    const explicit = assembleProgram('jne %r0, 1, exit\nexit\nmov %r0, 3\nexit:\nexit');
    expect(explicit.insns[0]?.off).toBe(2);
  });

  it('accepts operands separated by spaces only, and tabs', () => {
    expect(one('add\t%r0 1')).toMatchObject({ dst: 0, imm: 1 });
    expect(one('jeq %r1 5 +2')).toMatchObject({ dst: 1, imm: 5, off: 2 });
  });

  it('assembles the empty text to no bytes; assembleProgram then rejects it', () => {
    expect(assemble('# nothing\n\n').length).toBe(0);
    expect(() => assembleProgram('')).toThrow(DecodeError);
  });
});

function asmError(text: string): AsmError {
  try {
    assemble(text);
  } catch (err) {
    if (err instanceof AsmError) return err;
    throw err;
  }
  throw new Error(`expected an AsmError for ${JSON.stringify(text)}`);
}

describe('assemble: errors carry code, line and slot', () => {
  const far = `ja far\n${'mov %r0, 0\n'.repeat(32768)}far: exit`;
  it.each<[string, ErrorCode, number, number]>([
    ['exit\nadd %r0', 'ASM_SYNTAX', 2, 1],
    ['exit\nexit %r0', 'ASM_SYNTAX', 2, 1],
    ['mov %r0,, 1', 'ASM_SYNTAX', 1, 0],
    ['mov %r0, 1,', 'ASM_SYNTAX', 1, 0],
    ['mov, %r0, 1', 'ASM_SYNTAX', 1, 0],
    ['lddw %r0, 1\nldxb %r0, [%r1+2', 'ASM_SYNTAX', 2, 2],
    ['1abc: exit', 'ASM_SYNTAX', 1, 0],
    ['mov %r0, 1 : 2', 'ASM_SYNTAX', 1, 0],
    ['mov %r0, 1\nfoo %r1', 'ASM_UNKNOWN_MNEMONIC', 2, 1],
    ['le8 %r1', 'ASM_UNKNOWN_MNEMONIC', 1, 0],
    ['le %r1', 'ASM_UNKNOWN_MNEMONIC', 1, 0],
    ['ldxdw64 %r0, [%r1]', 'ASM_UNKNOWN_MNEMONIC', 1, 0],
    ['lock nand [%r1], %r2', 'ASM_UNKNOWN_MNEMONIC', 1, 0],
    ['lock fetch [%r1], %r2', 'ASM_UNKNOWN_MNEMONIC', 1, 0],
    ['exit\nmov %r11, 1', 'ASM_BAD_OPERAND', 2, 1],
    ['mov %r1, foo', 'ASM_BAD_OPERAND', 1, 0],
    ['mov 1, %r1', 'ASM_BAD_OPERAND', 1, 0],
    ['ldxb %r0, %r1', 'ASM_BAD_OPERAND', 1, 0],
    ['stxb [%r1*2], %r0', 'ASM_BAD_OPERAND', 1, 0],
    ['movsx864 %r0, 5', 'ASM_BAD_OPERAND', 1, 0],
    ['ja 5', 'ASM_BAD_OPERAND', 1, 0],
    ['call foo', 'ASM_BAD_OPERAND', 1, 0],
    ['call local', 'ASM_BAD_OPERAND', 1, 0],
    ['lddw %r1, map 3', 'ASM_BAD_OPERAND', 1, 0],
    ['lddw %r0, 1\nja nowhere\nexit', 'ASM_UNDEFINED_LABEL', 2, 2],
    ['call local nowhere', 'ASM_UNDEFINED_LABEL', 1, 0],
    ['a:\nexit\na:\nexit', 'ASM_DUPLICATE_LABEL', 3, 1],
    ['mov %r0, 0x100000000', 'ASM_OUT_OF_RANGE', 1, 0],
    ['mov %r0, -2147483649', 'ASM_OUT_OF_RANGE', 1, 0],
    ['exit\nldxb %r0, [%r1+65536]', 'ASM_OUT_OF_RANGE', 2, 1],
    ['ldxb %r0, [%r1-32769]', 'ASM_OUT_OF_RANGE', 1, 0],
    ['ja +65536', 'ASM_OUT_OF_RANGE', 1, 0],
    ['lddw %r0, 0x10000000000000000', 'ASM_OUT_OF_RANGE', 1, 0],
    ['lddw %r0, -9223372036854775809', 'ASM_OUT_OF_RANGE', 1, 0],
    [far, 'ASM_OUT_OF_RANGE', 1, 0],
  ])('%j -> %s at line %i, insn %i', (text, code, line, insn) => {
    const err = asmError(text);
    expect(err).toBeInstanceOf(BpfError);
    expect(err.stage).toBe('asm');
    expect(err.code).toBe(code);
    expect(err.line).toBe(line);
    expect(err.insn).toBe(insn);
  });

  it('accepts the widest values of each field', () => {
    expect(one('mov %r0, 4294967295').imm).toBe(-1);
    expect(one('mov %r0, -2147483648').imm).toBe(-2147483648);
    expect(one('ldxb %r0, [%r1+65535]').off).toBe(-1);
    expect(one('ldxb %r0, [%r1-32768]').off).toBe(-32768);
    expect(one('lddw %r0, -9223372036854775808').imm64).toBe(1n << 63n);
  });

  it('assembleProgram reports decode errors with the source line', () => {
    for (const [text, code, line, insn] of [
      ['mov %r0, 1\n\nmov %r10, 1\nexit', 'WRITE_R10', 3, 1],
      ['lddw %r0, 1\nja +5\nexit', 'JUMP_OUT_OF_RANGE', 2, 2],
      ['lddw %r0, 1\nja -2\nexit', 'JUMP_INTO_LDDW', 2, 2],
    ] as const) {
      let caught: unknown;
      try {
        assembleProgram(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DecodeError);
      expect(caught).toMatchObject({ code, line, insn });
    }
  });
});

// ---- the bpf_conformance corpus ----

const CONFORMANCE = '/work/shared/conformance/tests';

interface DataSections {
  readonly name: string;
  readonly asm: string;
  readonly raw: string | undefined;
}

function sections(name: string): DataSections {
  const text = readFileSync(`${CONFORMANCE}/${name}`, 'utf8');
  const found = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    const head = /^-- (.+?)\s*$/.exec(line);
    if (head !== null) {
      current = [];
      found.set(head[1] as string, current);
    } else current?.push(line);
  }
  return { name, asm: found.get('asm')?.join('\n') ?? '', raw: found.get('raw')?.join('\n') };
}

function rawBytes(raw: string): Uint8Array {
  const words = raw
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .flatMap((l) => l.split(/\s+/));
  const out = new Uint8Array(words.length * 8);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt(w), true));
  return out;
}

describe('bpf_conformance corpus', () => {
  const files = readdirSync(CONFORMANCE)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map(sections);

  it('has the 313 files, each with an asm section', () => {
    expect(files.length).toBe(313);
    expect(files.filter((f) => f.asm.trim() === '')).toEqual([]);
  });

  it.each(files.filter((f) => f.raw !== undefined).map((f) => [f.name, f] as const))(
    '%s: asm assembles to the raw section',
    (_, f) => {
      expect([...assemble(f.asm)]).toEqual([...rawBytes(f.raw as string)]);
    },
  );

  it('every file assembles, decodes, and reassembles from its disassembly', () => {
    for (const f of files) {
      const bytes = assemble(f.asm);
      const program = decode(bytes);
      for (const labels of [false, true]) {
        const text = disassemble(program, { labels });
        expect([...assemble(text)], `${f.name} labels=${labels}`).toEqual([...bytes]);
      }
    }
  });
});
