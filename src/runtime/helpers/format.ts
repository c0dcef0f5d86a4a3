// The kernel's BPF printf: the format check of bpf_bprintf_prepare (kernel/bpf/helpers.c) and
// the vsnprintf formatting it feeds, shared by bpf_trace_printk and bpf_snprintf.
//
// Accepted, as in the kernel: printable ASCII and white space only; `%%`; conversions
// `%[flags][width][l|ll](d|i|u|x|X)`, `%c`, `%s`, `%p`, `%pK %px %ps %pS %pB`, `%pks %pus`,
// `%pI4 %pi4 %pI6 %pi6`, with flags from `0 + - space`. No precision, no `#`. `%s` must be
// followed by the end, white space or punctuation. Anything else, or more conversions than
// arguments, is -EINVAL.
//
// Where the kernel's output depends on the kernel: every pointer form prints the raw value as 16
// hex digits (the kernel hashes %p and prints symbols for %ps/%pB); a string argument that is
// not readable prints as empty (the kernel's fault path). String arguments share one 512-byte
// buffer per call (MAX_BPRINTF_BUF_LEN): they are cut to what is left, -ENOSPC when none is.

import type { HelperCall } from '../helpers.js';
import { readableEnd } from './access.js';
import { EINVAL, ENOSPC } from './errno.js';

/** MAX_BPRINTF_BUF_LEN: room for the string arguments of one call. */
export const BPRINTF_STR_BUF = 512;

const enum Ch {
  NUL = 0,
  SPACE = 0x20,
  PLUS = 0x2b,
  MINUS = 0x2d,
  ZERO = 0x30,
  ONE = 0x31,
  NINE = 0x39,
  PERCENT = 0x25,
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
const isPunct = (c: number): boolean =>
  isPrint(c) &&
  c !== 0x20 &&
  !(c >= 0x30 && c <= 0x39) &&
  !(c >= 0x41 && c <= 0x5a) &&
  !(c >= 0x61 && c <= 0x7a);
const ch = (s: string): number => s.charCodeAt(0);

interface Spec {
  left: boolean;
  zero: boolean;
  plus: boolean;
  space: boolean;
  width: number;
}

/**
 * Format `fmt` (bytes up to, not including, its NUL) with `args` (raw u64 values, at most
 * `args.length` conversions). Returns the output bytes, or a negative errno.
 */
export function bprintf(
  call: HelperCall,
  fmt: Uint8Array,
  args: readonly bigint[],
): Uint8Array | number {
  const out: number[] = [];
  let strBudget = BPRINTF_STR_BUF;
  let spec = 0;
  const at = (k: number): number => (k < fmt.length ? fmt[k]! : Ch.NUL);
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (!isPrint(c) && !isSpace(c)) return -EINVAL;
    if (c !== Ch.PERCENT) {
      out.push(c);
      continue;
    }
    if (at(i + 1) === Ch.PERCENT) {
      out.push(Ch.PERCENT);
      i++;
      continue;
    }
    if (spec >= args.length) return -EINVAL;
    const arg = args[spec++]!;
    i++;
    const f: Spec = { left: false, zero: false, plus: false, space: false, width: 0 };
    for (;;) {
      const x = at(i);
      if (x === Ch.ZERO) f.zero = true;
      else if (x === Ch.PLUS) f.plus = true;
      else if (x === Ch.MINUS) f.left = true;
      else if (x === Ch.SPACE) f.space = true;
      else break;
      i++;
    }
    if (at(i) >= Ch.ONE && at(i) <= Ch.NINE) {
      while (at(i) >= Ch.ZERO && at(i) <= Ch.NINE) f.width = f.width * 10 + (at(i++) - Ch.ZERO);
    }
    const conv = at(i);
    if (conv === ch('p')) {
      const next = at(i + 1);
      if ((next === ch('k') || next === ch('u')) && at(i + 2) === ch('s')) {
        i += 2;
        if (!endsString(at(i + 1))) return -EINVAL;
        const s = stringArg(call, arg, strBudget);
        if (typeof s === 'number') return s;
        strBudget -= s.length + 1;
        pad(out, Array.from(s), f);
        continue;
      }
      if (
        next === Ch.NUL ||
        isSpace(next) ||
        isPunct(next) ||
        next === ch('K') ||
        next === ch('x') ||
        next === ch('s') ||
        next === ch('S') ||
        next === ch('B')
      ) {
        if (!(next === Ch.NUL || isSpace(next) || isPunct(next))) i++;
        pad(out, ascii(BigInt.asUintN(64, arg).toString(16).padStart(16, '0')), f);
        continue;
      }
      if (
        (next === ch('i') || next === ch('I')) &&
        (at(i + 2) === ch('4') || at(i + 2) === ch('6'))
      ) {
        const v6 = at(i + 2) === ch('6');
        const ip = ipArg(call, arg, v6 ? 16 : 4);
        pad(out, ascii(formatIp(ip, next === ch('I'), v6)), f);
        i += 2;
        continue;
      }
      return -EINVAL;
    }
    if (conv === ch('s')) {
      if (!endsString(at(i + 1))) return -EINVAL;
      const s = stringArg(call, arg, strBudget);
      if (typeof s === 'number') return s;
      strBudget -= s.length + 1;
      pad(out, Array.from(s), f);
      continue;
    }
    if (conv === ch('c')) {
      pad(out, [Number(arg & 0xffn)], f);
      continue;
    }
    let bits = 32;
    if (at(i) === ch('l')) {
      bits = 64;
      i++;
      if (at(i) === ch('l')) i++;
    }
    const k = at(i);
    if (k === ch('d') || k === ch('i')) {
      const v = BigInt.asIntN(bits, arg);
      const sign = v < 0n ? '-' : f.plus ? '+' : f.space ? ' ' : '';
      number(out, sign, (v < 0n ? -v : v).toString(10), f);
    } else if (k === ch('u')) {
      number(out, '', BigInt.asUintN(bits, arg).toString(10), f);
    } else if (k === ch('x') || k === ch('X')) {
      const hex = BigInt.asUintN(bits, arg).toString(16);
      number(out, '', k === ch('X') ? hex.toUpperCase() : hex, f);
    } else {
      return -EINVAL;
    }
  }
  return Uint8Array.from(out);
}

/** `%s` must be followed by the end, white space or punctuation (kernel rule). */
function endsString(next: number): boolean {
  return next === Ch.NUL || isSpace(next) || isPunct(next);
}

/** The string at `ptr`, cut to the budget left (including its NUL); empty when unreadable. */
function stringArg(call: HelperCall, ptr: bigint, budget: number): Uint8Array | number {
  if (budget <= 0) return -ENOSPC;
  const end = readableEnd(call, ptr, budget);
  const from = Number(ptr);
  if (end <= from) return new Uint8Array(0);
  const bytes = call.memory.bytes.subarray(from, end);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return bytes.slice(0, nul);
  // Cut at the budget (the last byte becomes the NUL), or at a fault: the kernel prints "".
  return end - from >= budget ? bytes.slice(0, budget - 1) : new Uint8Array(0);
}

/** The address bytes at `ptr`; zeros when unreadable (the kernel's fault path). */
function ipArg(call: HelperCall, ptr: bigint, len: number): Uint8Array {
  const from = Number(ptr);
  if (ptr > 0xffff_ffffn || call.memory.regionOf(from, len, false) === null) {
    return new Uint8Array(len);
  }
  return call.memory.bytes.slice(from, from + len);
}

/** %pI4 "1.2.3.4", %pi4 "001.002.003.004", %pI6 "0000:...:0001", %pi6 32 hex digits. */
function formatIp(ip: Uint8Array, dotted: boolean, v6: boolean): string {
  const parts = Array.from(ip);
  if (!v6) return parts.map((b) => (dotted ? String(b) : String(b).padStart(3, '0'))).join('.');
  const hex = parts.map((b) => b.toString(16).padStart(2, '0'));
  if (!dotted) return hex.join('');
  const groups: string[] = [];
  for (let k = 0; k < 16; k += 2) groups.push(hex[k]! + hex[k + 1]!);
  return groups.join(':');
}

function ascii(s: string): number[] {
  const a: number[] = [];
  for (let k = 0; k < s.length; k++) a.push(s.charCodeAt(k));
  return a;
}

/** Pad `body` to the field width with spaces (strings, chars, pointers). */
function pad(out: number[], body: readonly number[], f: Spec): void {
  const fill = Math.max(0, f.width - body.length);
  if (!f.left) for (let k = 0; k < fill; k++) out.push(Ch.SPACE);
  for (const b of body) out.push(b);
  if (f.left) for (let k = 0; k < fill; k++) out.push(Ch.SPACE);
}

/** A number with its sign, zero- or space-padded as vsnprintf does. */
function number(out: number[], sign: string, digits: string, f: Spec): void {
  const len = sign.length + digits.length;
  const fill = Math.max(0, f.width - len);
  if (f.left) {
    out.push(...ascii(sign + digits));
    for (let k = 0; k < fill; k++) out.push(Ch.SPACE);
  } else if (f.zero) {
    out.push(...ascii(sign + '0'.repeat(fill) + digits));
  } else {
    for (let k = 0; k < fill; k++) out.push(Ch.SPACE);
    out.push(...ascii(sign + digits));
  }
}
