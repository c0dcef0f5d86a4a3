import { describe, expect, it } from 'vitest';
import {
  ALL_INSNS,
  Code,
  type FieldRule,
  type Insn,
  type InsnFields,
  type InsnInfo,
  type Program,
  assemble,
  assembleProgram,
  disassemble,
  disassembleInsn,
  encode,
  makeInsn,
  programOf,
  targetOf,
} from '../../src/isa/index.js';

// Representative field values: small, extreme, and negative ones, per field rule.
interface Sample {
  readonly reg: readonly [number, number];
  readonly any: readonly [number, number];
  readonly imm: readonly [number, number];
}
const SAMPLES: readonly Sample[] = [
  { reg: [1, 2], any: [-8, 5], imm: [-123456, 7] },
  { reg: [10, 9], any: [32767, -32768], imm: [2147483647, -2147483648] },
  { reg: [0, 0], any: [0, -1], imm: [0, -1] },
];

function fieldsFor(info: InsnInfo, s: Sample): InsnFields[] {
  const pick = (rule: FieldRule, k: 0 | 1, wide: readonly [number, number]): number => {
    switch (rule) {
      case 'reg':
        return s.reg[k];
      case 'any':
      case 'jump':
        return wide[k];
      case 'zero':
      case 'variant':
        return 0;
    }
  };
  // r10 is not writable; the assembler does not care, but keep the samples valid.
  const dst = info.writesDst && s.reg[0] === 10 ? 9 : pick(info.dst, 0, s.any);
  const base = {
    dst,
    src: info.kind === 'lddw' ? 0 : pick(info.src, 1, s.any),
    off: pick(info.off, 0, s.any),
    imm: pick(info.imm, 1, s.imm),
  };
  if (info.immValues !== null) return info.immValues.map((imm) => ({ ...base, imm }));
  if (info.kind === 'lddw') {
    return [0, 1, 2, 3, 4, 5, 6].map((src) => ({
      ...base,
      src,
      imm64: BigInt.asUintN(64, BigInt(s.imm[0]) * 0x1_0000_0003n),
    }));
  }
  return [base];
}

describe('disassemble -> assemble round-trips every instruction code', () => {
  it.each(ALL_INSNS.map((info) => [info.name, info] as const))('%s', (_, info) => {
    let count = 0;
    for (const s of SAMPLES) {
      for (const fields of fieldsFor(info, s)) {
        const insn = makeInsn(info.code, 0, fields);
        const text = disassembleInsn(insn);
        expect([...assemble(text)], text).toEqual([...encode([insn])]);
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(SAMPLES.length);
  });
});

describe('disassembleInsn: canonical spelling', () => {
  it.each([
    ['mov %r0, 0xffffffff', 'mov %r0, -1'],
    ['add64 r1, 0x10', 'add %r1, 16'],
    ['swap32 %r1', 'bswap32 %r1'],
    ['le16 %r1', 'le16 %r1'],
    ['movsx864 %r1, %r2', 'movsx864 %r1, %r2'],
    ['lddw %r0, -1', 'lddw %r0, 0xffffffffffffffff'],
    ['lddw %r0, 10', 'lddw %r0, 0xa'],
    ['lddw %r2, map_value 0x100000004', 'lddw %r2, map_value 0x100000004'],
    ['ldxdw %r0, [%r10-8]', 'ldxdw %r0, [%r10-8]'],
    ['ldxb %r0, [%r1+0]', 'ldxb %r0, [%r1]'],
    ['ldxsh %r0, [%r1+0x7fff]', 'ldxsh %r0, [%r1+32767]'],
    ['stb [%r1+2], 0xff', 'stb [%r1+2], 255'],
    ['stxdw [%r1-2], %r3', 'stxdw [%r1-2], %r3'],
    ['ja +0', 'ja +0'],
    ['ja32 -1', 'ja32 -1'],
    ['jset32 %r1, 0x80000000, +1', 'jset32 %r1, -2147483648, +1'],
    ['jne %r1, %r2, -3', 'jne %r1, %r2, -3'],
    ['call helper 5', 'call 5'],
    ['call local +2', 'call local +2'],
    ['call runtime 9', 'call runtime 9'],
    ['call %r4', 'call %r4'],
    ['ldabsw 12', 'ldabsw 12'],
    ['ldindh %r3, -4', 'ldindh %r3, -4'],
    ['lock fetch add32 [%r10-4], %r1', 'lock fetch add32 [%r10-4], %r1'],
    ['lock fetch xchg [%r10-4], %r1', 'lock xchg [%r10-4], %r1'],
    ['lock cmpxchg [%r10-8], %r1', 'lock cmpxchg [%r10-8], %r1'],
    ['exit', 'exit'],
  ])('%s -> %s', (text, canonical) => {
    const insn = insnOf(text);
    expect(disassembleInsn(insn)).toBe(canonical);
  });

  it('names targets from the labels map and leaves other targets relative', () => {
    const insn = makeInsn(Code.JEQ_K, 10, { dst: 1, imm: 1, off: 4 });
    expect(targetOf(insn)).toBe(15);
    expect(disassembleInsn(insn, { labels: new Map([[15, 'out']]) })).toBe('jeq %r1, 1, out');
    expect(disassembleInsn(insn, { labels: new Map([[14, 'out']]) })).toBe('jeq %r1, 1, +4');
    expect(targetOf(makeInsn(Code.EXIT, 3))).toBeNull();
  });
});

/** The single instruction of `text`, without target checks (the targets may point anywhere). */
function insnOf(text: string): Insn {
  const bytes = assemble(text);
  const insns = ALL_INSNS.filter((i) => (i.code & 0xff) === bytes[0]);
  // Re-assembling through the disassembler of each candidate tells the variants apart.
  for (const info of insns) {
    const view = new DataView(bytes.buffer);
    const insn = makeInsn(info.code, 0, {
      dst: (bytes[1] as number) & 0xf,
      src: (bytes[1] as number) >> 4,
      off: view.getInt16(2, true),
      imm: view.getInt32(4, true),
      ...(info.kind === 'lddw'
        ? { imm64: (BigInt(view.getUint32(12, true)) << 32n) | BigInt(view.getUint32(4, true)) }
        : {}),
    });
    if ([...encode([insn])].join() === [...bytes].join()) return insn;
  }
  throw new Error(`no instruction code reproduces ${text}`);
}

describe('disassemble: whole programs', () => {
  const source = [
    'mov %r6, 3',
    'lddw %r1, 0x1122334455667788',
    'loop:',
    'call local f',
    'sub %r6, 1',
    'jne %r6, 0, loop',
    'ja32 end',
    'mov %r0, 1',
    'end:',
    'exit',
    'f:',
    'mov %r0, %r1',
    'jgt32 %r0, %r1, +0',
    'exit',
  ].join('\n');

  it('invents labels for forward and backward jumps and the local call', () => {
    const program = assembleProgram(source);
    const text = disassemble(program, { labels: true });
    expect(text.split('\n')).toEqual([
      'mov %r6, 3',
      'lddw %r1, 0x1122334455667788',
      'L3:',
      'call local L9',
      'sub %r6, 1',
      'jne %r6, 0, L3',
      'ja32 L8',
      'mov %r0, 1',
      'L8:',
      'exit',
      'L9:',
      'mov %r0, %r1',
      'jgt32 %r0, %r1, L11',
      'L11:',
      'exit',
      '',
    ]);
    expect([...assemble(text)]).toEqual([...encode(program.insns)]);
    const relative = disassemble(program);
    expect(relative).toContain('jne %r6, 0, -3\n');
    expect([...assemble(relative)]).toEqual([...encode(program.insns)]);
  });

  it('labelled output still reassembles to the same targets after an edit', () => {
    const program = assembleProgram(source);
    const lines = disassemble(program, { labels: true }).split('\n');
    // Insert an instruction before the loop body and one inside the subprogram.
    lines.splice(lines.indexOf('sub %r6, 1'), 0, 'mov %r2, 7');
    lines.splice(lines.indexOf('mov %r0, %r1'), 0, 'add %r0, 0');
    const edited = assembleProgram(lines.join('\n'));
    expect(edited.insns.length).toBe(program.insns.length + 2);
    // Map each edited instruction to the original one it stands for; an inserted one stands for
    // the original that follows it (a label above it now names it).
    const inserted = edited.insns.flatMap((insn, i) =>
      ['mov %r2, 7', 'add %r0, 0'].includes(disassembleInsn(insn)) ? [i] : [],
    );
    expect(inserted.length).toBe(2);
    const original = (i: number): number => i - inserted.filter((k) => k < i).length;
    const targetIndex = (p: Program, insn: Insn): number =>
      p.indexOfPc[targetOf(insn) as number] as number;
    const before = program.insns.flatMap((insn) =>
      targetOf(insn) === null ? [] : [targetIndex(program, insn)],
    );
    const after = edited.insns.flatMap((insn) =>
      targetOf(insn) === null ? [] : [original(targetIndex(edited, insn))],
    );
    expect(before.length).toBe(4);
    expect(after).toEqual(before);
  });

  it('labels a target just past the last instruction', () => {
    const program = programOf([makeInsn(Code.JA, 0)]);
    expect(disassemble(program, { labels: true })).toBe('ja L1\nL1:\n');
    expect([...assemble('ja L1\nL1:\n')]).toEqual([...encode(program.insns)]);
  });

  it('prefixes slot indexes with pcs: true', () => {
    const program = assembleProgram(source);
    const lines = disassemble(program, { pcs: true, labels: true }).trimEnd().split('\n');
    expect(lines[0]).toBe(' 0: mov %r6, 3');
    expect(lines[1]).toBe(' 1: lddw %r1, 0x1122334455667788');
    expect(lines[2]).toBe('    L3:');
    expect(lines[3]).toBe(' 3: call local L9');
    expect(lines.at(-1)).toBe('11: exit');
  });

  it('prints nothing for an empty program', () => {
    expect(disassemble(programOf([]))).toBe('');
  });
});
