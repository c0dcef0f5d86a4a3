// Assembly text -> bytecode, in the syntax of the bpf_conformance `.data` files (whose upstream
// assembler is the de-facto spec). Mnemonics and operand shapes come from the opcode table
// (`InsnInfo.mnemonic` and `.form`); this file only knows how each form is written.
//
//   add %r0, 1            mov32 %r1, %r2          neg %r0             be16 %r0 (swap16 = bswap16)
//   ja +2 | ja label      ja32 label              jeq %r1, 5, +2      jne32 %r1, %r2, label
//   call 5 | call helper 5 | call local label | call runtime 7 [, off] | call %r2
//   lddw %r0, 0x1122334455667788     lddw %r1, map_fd 3 (pseudo source, a LddwSrc name)
//   ldabsw 12   ldindb %r1, 12   ldxdw %r0, [%r10-8]   stb [%r1+2], 5   stxw [%r1], %r0
//   lock add [%r10-8], %r1       lock fetch add32 [%r10-4], %r1        exit
//
// `#` starts a comment; `name:` defines a label (alone or before an instruction); jump and call
// targets are `+N`/`-N` slots or a label; the first `exit` defines the label `exit` unless the
// text defines it. A 64-bit suffix (`add64`) is accepted as the unsuffixed mnemonic.

import { AsmError, DecodeError, type ErrorCode, assertNever } from '../errors.js';
import { decode } from './decode.js';
import { encode, makeInsn } from './encode.js';
import type { Insn, Program } from './insn.js';
import { AtomicOp, LddwSrc } from './opcodes.js';
import { ALL_INSNS, type Form, type InsnInfo } from './table.js';

// ---- mnemonic lookup, built from the table ----

const byMnemonic = new Map<string, InsnInfo[]>();
for (const info of ALL_INSNS) {
  const list = byMnemonic.get(info.mnemonic);
  if (list === undefined) byMnemonic.set(info.mnemonic, [info]);
  else list.push(info);
}

/** Spellings of the upstream assembler that name a table mnemonic differently. */
const ENDIAN_ALIASES: ReadonlyMap<string, string> = new Map([['swap', 'bswap']]);

/** Forms where a `64` suffix may stand for the (unsuffixed) 64-bit mnemonic. */
const SUFFIX64_FORMS: ReadonlySet<Form> = new Set([
  'alu_k',
  'alu_x',
  'unary',
  'jmp_k',
  'jmp_x',
  'atomic',
]);

/** Pseudo-source keywords of lddw (`lddw %r1, map_fd 3`): LddwSrc names in lower case. */
export const LDDW_SRC_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(LddwSrc).map(([name, value]) => [value, name.toLowerCase()]),
);
const lddwSrcByName = new Map([...LDDW_SRC_NAMES].map(([v, n]) => [n, v]));

interface Resolved {
  readonly candidates: readonly InsnInfo[];
  /** The width named by an endian mnemonic (`be16` -> 16), else null. */
  readonly width: number | null;
}

function resolveMnemonic(name: string): Resolved | null {
  const exact = byMnemonic.get(name);
  if (exact !== undefined && exact.every((i) => i.form !== 'endian')) {
    return { candidates: exact, width: null };
  }
  const endian = /^([a-z]+?)(\d+)$/.exec(name);
  if (endian !== null) {
    const base = ENDIAN_ALIASES.get(endian[1] as string) ?? (endian[1] as string);
    const width = Number(endian[2]);
    const info = byMnemonic.get(base)?.find((i) => i.form === 'endian');
    if (info !== undefined && info.immValues?.includes(width) === true) {
      return { candidates: [info], width };
    }
  }
  if (name.endsWith('64')) {
    const plain = byMnemonic.get(name.slice(0, -2));
    if (plain?.every((i) => i.width === 64 && SUFFIX64_FORMS.has(i.form)) === true) {
      return { candidates: plain, width: null };
    }
  }
  // xchg and cmpxchg always fetch; accept the redundant `fetch` the way `lock fetch add` is written.
  if (name.startsWith('lock fetch ')) {
    const plain = byMnemonic.get(`lock ${name.slice('lock fetch '.length)}`);
    const first = plain?.[0];
    if (first?.form === 'atomic' && ((first.variant?.value ?? 0) & AtomicOp.FETCH) !== 0) {
      return { candidates: [first], width: null };
    }
  }
  return null;
}

// ---- lexing ----

interface Where {
  readonly line: number;
  readonly insn: number;
}

function fail(code: ErrorCode, detail: string, at: Where): never {
  throw new AsmError(code, detail, { line: at.line, insn: at.insn });
}

interface Token {
  readonly text: string;
  /** True when a comma separates this token from the previous one. */
  readonly afterComma: boolean;
}

/** Split an instruction into tokens: `[...]` groups, else runs of non-space, non-comma text. */
function tokenize(s: string, at: Where): Token[] {
  const out: Token[] = [];
  let i = 0;
  let comma = false;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ',') {
      if (comma || out.length === 0) fail('ASM_SYNTAX', 'unexpected ","', at);
      comma = true;
      i++;
    } else {
      let end: number;
      if (c === '[') {
        end = s.indexOf(']', i);
        if (end < 0) fail('ASM_SYNTAX', 'missing "]"', at);
        end++;
      } else {
        end = i;
        while (end < s.length && !' \t\r,['.includes(s[end] as string)) end++;
      }
      out.push({ text: s.slice(i, end), afterComma: comma });
      comma = false;
      i = end;
    }
  }
  if (comma) fail('ASM_SYNTAX', 'trailing ","', at);
  return out;
}

// ---- operands ----

const REG_RE = /^%?r(\d+)$/i;
const NUM_RE = /^([+-]?)(0x[0-9a-f]+|[0-9]+)$/i;
const MEM_RE = /^\[\s*(%?r\d+)\s*(?:([+-])\s*(0x[0-9a-f]+|[0-9]+)\s*)?\]$/i;
const LABEL_RE = /^[A-Za-z_.$][\w.$]*$/;

const isReg = (tok: string): boolean => REG_RE.test(tok);

function parseReg(tok: string, at: Where): number {
  const m = REG_RE.exec(tok);
  const n = m === null ? NaN : Number(m[1]);
  if (!(n <= 10)) fail('ASM_BAD_OPERAND', `expected a register %r0-%r10, got "${tok}"`, at);
  return n;
}

function parseNum(tok: string, at: Where): bigint {
  const m = NUM_RE.exec(tok);
  if (m === null) fail('ASM_BAD_OPERAND', `expected a number, got "${tok}"`, at);
  const v = BigInt(m[2] as string);
  return m[1] === '-' ? -v : v;
}

/** Check `v` is in [lo, hi] and wrap it to a signed field of `bits` bits. */
function wrap(v: bigint, lo: bigint, hi: bigint, bits: number, what: string, at: Where): number {
  if (v < lo || v > hi) fail('ASM_OUT_OF_RANGE', `${what} ${v} outside ${lo}..${hi}`, at);
  return Number(BigInt.asIntN(bits, v));
}

// A 32-bit field takes -2^31..2^32-1 and a 16-bit one -2^15..2^16-1: hex such as 0xffffffff is
// written for -1, as the upstream assembler (which parses into an unsigned type) allows.
const imm32 = (v: bigint, at: Where): number =>
  wrap(v, -(1n << 31n), (1n << 32n) - 1n, 32, 'immediate', at);
const off16 = (v: bigint, at: Where): number =>
  wrap(v, -(1n << 15n), (1n << 16n) - 1n, 16, 'offset', at);

function parseMem(tok: string, at: Where): { reg: number; off: number } {
  const m = MEM_RE.exec(tok);
  if (m === null) fail('ASM_BAD_OPERAND', `expected [%rN+off], got "${tok}"`, at);
  const reg = parseReg(m[1] as string, at);
  if (m[3] === undefined) return { reg, off: 0 };
  const v = BigInt(m[3]);
  return { reg, off: off16(m[2] === '-' ? -v : v, at) };
}

// ---- instructions ----

interface Pending {
  readonly info: InsnInfo;
  readonly at: Where;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm64: bigint | undefined;
  /** A label the `off` or `imm` field jumps to, resolved once every label is known. */
  label: { readonly name: string; readonly field: 'off' | 'imm' } | null;
}

/** How many operands each form takes (the call forms count their keyword). */
function arity(form: Form): readonly number[] {
  switch (form) {
    case 'exit':
      return [0];
    case 'unary':
    case 'endian':
    case 'ja':
    case 'ja32':
    case 'callx':
    case 'ldabs':
      return [1];
    case 'call_helper':
      return [1, 2];
    case 'alu_k':
    case 'alu_x':
    case 'call_local':
    case 'ldind':
    case 'ldx':
    case 'st':
    case 'stx':
    case 'atomic':
      return [2];
    case 'lddw':
    case 'call_kfunc':
      return [2, 3];
    case 'jmp_k':
    case 'jmp_x':
      return [3];
    default:
      return assertNever(form, 'form');
  }
}

/** Whether the operands have the shape of `form`, to choose among a mnemonic's forms. */
function shapeFits(form: Form, ops: readonly string[]): boolean {
  if (!arity(form).includes(ops.length)) return false;
  switch (form) {
    case 'alu_k':
    case 'jmp_k':
      return !isReg(ops[1] as string);
    case 'alu_x':
    case 'jmp_x':
      return isReg(ops[1] as string);
    case 'call_helper':
      return ops.length === 1 ? NUM_RE.test(ops[0] as string) : ops[0] === 'helper';
    case 'call_local':
      return ops[0] === 'local';
    case 'call_kfunc':
      return ops[0] === 'runtime';
    case 'callx':
      return isReg(ops[0] as string);
    // The other forms never share a mnemonic with another form: the arity check suffices.
    case 'unary':
    case 'endian':
    case 'ja':
    case 'ja32':
    case 'exit':
    case 'lddw':
    case 'ldabs':
    case 'ldind':
    case 'ldx':
    case 'st':
    case 'stx':
    case 'atomic':
      return true;
    default:
      return assertNever(form, 'form');
  }
}

function pickForm(
  name: string,
  candidates: readonly InsnInfo[],
  ops: readonly string[],
  at: Where,
): InsnInfo {
  if (candidates.length === 1) {
    const only = candidates[0] as InsnInfo;
    if (!arity(only.form).includes(ops.length)) {
      fail(
        'ASM_SYNTAX',
        `${name} takes ${arity(only.form).join(' or ')} operands, not ${ops.length}`,
        at,
      );
    }
    return only;
  }
  const fit = candidates.find((c) => shapeFits(c.form, ops));
  if (fit !== undefined) return fit;
  if (candidates.some((c) => arity(c.form).includes(ops.length))) {
    fail('ASM_BAD_OPERAND', `operands do not fit any form of ${name}`, at);
  }
  fail('ASM_SYNTAX', `wrong number of operands (${ops.length}) for ${name}`, at);
}

function parseInsn(tokens: readonly Token[], at: Where): Pending {
  // The mnemonic is one word, or `lock [fetch] op` for atomics.
  let n = 1;
  let name = (tokens[0] as Token).text.toLowerCase();
  if (name === 'lock') {
    const words = ['lock'];
    while (n < tokens.length && words.length < 3) {
      const w = (tokens[n] as Token).text.toLowerCase();
      if (!/^[a-z][a-z0-9]*$/.test(w)) break;
      words.push(w);
      n++;
      if (w !== 'fetch') break;
    }
    name = words.join(' ');
  }
  for (let i = 0; i < n; i++) {
    if ((tokens[i] as Token).afterComma) fail('ASM_SYNTAX', 'unexpected "," in the mnemonic', at);
  }
  if (tokens[n]?.afterComma === true) fail('ASM_SYNTAX', 'unexpected "," before the operands', at);
  const resolved = resolveMnemonic(name);
  if (resolved === null) fail('ASM_UNKNOWN_MNEMONIC', `unknown mnemonic "${name}"`, at);
  const ops = tokens.slice(n).map((t) => t.text);
  const info = pickForm(name, resolved.candidates, ops, at);
  const p: Pending = { info, at, dst: 0, src: 0, off: 0, imm: 0, imm64: undefined, label: null };
  const op = (i: number): string => ops[i] as string;
  const target = (tok: string, field: 'off' | 'imm'): number => {
    if (tok.startsWith('+') || tok.startsWith('-')) {
      const v = parseNum(tok, at);
      return field === 'off' ? off16(v, at) : imm32(v, at);
    }
    if (!LABEL_RE.test(tok))
      fail('ASM_BAD_OPERAND', `expected +N, -N or a label, got "${tok}"`, at);
    p.label = { name: tok, field };
    return 0;
  };
  const form = info.form;
  switch (form) {
    case 'alu_k':
      p.dst = parseReg(op(0), at);
      p.imm = imm32(parseNum(op(1), at), at);
      break;
    case 'alu_x':
      p.dst = parseReg(op(0), at);
      p.src = parseReg(op(1), at);
      break;
    case 'unary':
      p.dst = parseReg(op(0), at);
      break;
    case 'endian':
      p.dst = parseReg(op(0), at);
      p.imm = resolved.width ?? 0;
      break;
    case 'ja':
      p.off = target(op(0), 'off');
      break;
    case 'ja32':
      p.imm = target(op(0), 'imm');
      break;
    case 'jmp_k':
      p.dst = parseReg(op(0), at);
      p.imm = imm32(parseNum(op(1), at), at);
      p.off = target(op(2), 'off');
      break;
    case 'jmp_x':
      p.dst = parseReg(op(0), at);
      p.src = parseReg(op(1), at);
      p.off = target(op(2), 'off');
      break;
    case 'call_helper':
      p.imm = imm32(parseNum(op(ops.length - 1), at), at);
      break;
    case 'call_local':
      p.imm = target(op(1), 'imm');
      break;
    case 'call_kfunc':
      p.imm = imm32(parseNum(op(1), at), at);
      if (ops.length === 3) p.off = off16(parseNum(op(2), at), at);
      break;
    case 'callx':
      p.dst = parseReg(op(0), at);
      break;
    case 'exit':
      break;
    case 'lddw': {
      p.dst = parseReg(op(0), at);
      if (ops.length === 3) {
        const src = lddwSrcByName.get(op(1).toLowerCase());
        if (src === undefined) fail('ASM_BAD_OPERAND', `unknown lddw pseudo source "${op(1)}"`, at);
        p.src = src;
      }
      const v = parseNum(op(ops.length - 1), at);
      if (v < -(1n << 63n) || v > (1n << 64n) - 1n) {
        fail('ASM_OUT_OF_RANGE', `64-bit immediate ${v} out of range`, at);
      }
      p.imm64 = BigInt.asUintN(64, v);
      break;
    }
    case 'ldabs':
      p.imm = imm32(parseNum(op(0), at), at);
      break;
    case 'ldind':
      p.src = parseReg(op(0), at);
      p.imm = imm32(parseNum(op(1), at), at);
      break;
    case 'ldx': {
      p.dst = parseReg(op(0), at);
      const m = parseMem(op(1), at);
      p.src = m.reg;
      p.off = m.off;
      break;
    }
    case 'st': {
      const m = parseMem(op(0), at);
      p.dst = m.reg;
      p.off = m.off;
      p.imm = imm32(parseNum(op(1), at), at);
      break;
    }
    case 'stx':
    case 'atomic': {
      const m = parseMem(op(0), at);
      p.dst = m.reg;
      p.off = m.off;
      p.src = parseReg(op(1), at);
      break;
    }
    default:
      assertNever(form, 'form');
  }
  return p;
}

// ---- the assembler ----

interface Assembled {
  readonly insns: readonly Insn[];
  /** Source line of each slot (both slots of an lddw name its line). */
  readonly lineOfPc: readonly number[];
}

function assembleInsns(text: string): Assembled {
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  const lineOfPc: number[] = [];
  let pc = 0;
  let firstExit = -1;
  const lines = text.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const at: Where = { line: l + 1, insn: pc };
    const hash = (lines[l] as string).indexOf('#');
    let rest = (hash < 0 ? (lines[l] as string) : (lines[l] as string).slice(0, hash)).trim();
    // Leading `name:` labels; the first token before a colon must be a label then.
    for (let m = /^([^\s,[\]:]+)\s*:/.exec(rest); m !== null; m = /^([^\s,[\]:]+)\s*:/.exec(rest)) {
      const name = m[1] as string;
      if (!LABEL_RE.test(name)) fail('ASM_SYNTAX', `bad label name "${name}"`, at);
      if (labels.has(name)) fail('ASM_DUPLICATE_LABEL', `label "${name}" defined twice`, at);
      labels.set(name, pc);
      rest = rest.slice(m[0].length).trim();
    }
    if (rest === '') continue;
    if (rest.includes(':')) fail('ASM_SYNTAX', 'unexpected ":"', at);
    const p = parseInsn(tokenize(rest, at), at);
    if (p.info.form === 'exit' && firstExit < 0) firstExit = pc;
    pending.push(p);
    const slots = p.info.form === 'lddw' ? 2 : 1;
    for (let s = 0; s < slots; s++) lineOfPc.push(l + 1);
    pc += slots;
  }
  // The conformance tests jump to `exit` without defining it: it names the first exit.
  if (!labels.has('exit') && firstExit >= 0) labels.set('exit', firstExit);

  const insns = pending.map((p) => {
    if (p.label !== null) {
      const dest = labels.get(p.label.name);
      if (dest === undefined)
        fail('ASM_UNDEFINED_LABEL', `undefined label "${p.label.name}"`, p.at);
      const rel = dest - p.at.insn - 1;
      const limit = p.label.field === 'off' ? 1 << 15 : 2 ** 31;
      if (rel < -limit || rel >= limit) {
        fail('ASM_OUT_OF_RANGE', `label "${p.label.name}" is ${rel} slots away`, p.at);
      }
      p[p.label.field] = rel;
    }
    return makeInsn(p.info.code, p.at.insn, {
      dst: p.dst,
      src: p.src,
      off: p.off,
      imm: p.imm,
      ...(p.imm64 !== undefined ? { imm64: p.imm64 } : {}),
    });
  });
  return { insns, lineOfPc };
}

/**
 * Assemble text into bytecode (8 bytes per slot, little-endian). The bytes are not validated
 * beyond what the syntax implies: `assembleProgram` also decodes them.
 * @throws AsmError with the source `line` and the slot index `insn`.
 */
export function assemble(text: string): Uint8Array {
  return encode(assembleInsns(text).insns);
}

/**
 * Assemble text and decode the result, so the program is checked as any bytecode would be.
 * @throws AsmError for bad text; DecodeError (with the source `line` added) for a bad program.
 */
export function assembleProgram(text: string): Program {
  const { insns, lineOfPc } = assembleInsns(text);
  try {
    return decode(encode(insns));
  } catch (err) {
    if (err instanceof DecodeError && err.insn !== undefined && err.line === undefined) {
      throw new DecodeError(err.code, err.detail, {
        insn: err.insn,
        line: lineOfPc[err.insn],
        cause: err,
      });
    }
    throw err;
  }
}
