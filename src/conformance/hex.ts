// Hex text <-> bytes, in the forms the conformance tooling uses: whitespace-separated byte pairs
// (`-- mem` sections, and the upstream plugin protocol, which writes every byte as `aa  `), and
// 64-bit little-endian instruction words (`-- raw` sections).

import { BpfError } from '../errors.js';

const HEX_TOKEN = /^[0-9a-fA-F]+$/;

/**
 * Parse whitespace-separated hex bytes ("aa bb 11", "aa  bb  11  ", "aabb11").
 * A token of more than two digits is read as consecutive byte pairs, so contiguous hex works too.
 * @throws BpfError BAD_INPUT naming the bad token (and `line` when given).
 */
export function parseHexBytes(text: string, what = 'hex bytes', line?: number): Uint8Array {
  const out: number[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    if (!HEX_TOKEN.test(token) || token.length % 2 !== 0) {
      throw new BpfError(
        'load',
        'BAD_INPUT',
        `${what}: '${token}' is not a sequence of hex byte pairs`,
        {
          line,
        },
      );
    }
    for (let i = 0; i < token.length; i += 2) out.push(parseInt(token.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** Bytes as the upstream runner writes them: each byte as two hex digits followed by two spaces. */
export function formatHexBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0') + '  ';
  return s;
}

/** Bytes as one run of hex digits ("aabb11"), for JSON output. */
export function hexString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const U64_MAX = (1n << 64n) - 1n;

/**
 * Parse an unsigned integer the way the suite writes them: hex when it contains `0x`, else
 * decimal. Returns null when the text is not such a number or does not fit in 64 bits.
 */
export function parseU64(text: string): bigint | null {
  const t = text.trim();
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = BigInt(t);
  else if (/^[0-9]+$/.test(t)) v = BigInt(t);
  else return null;
  return v <= U64_MAX ? v : null;
}

/** Instruction words (64-bit values, opcode in the low byte) to little-endian bytecode. */
export function wordsToBytes(words: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  return bytes;
}

/** Little-endian bytecode to instruction words; `bytes.length` must be a multiple of 8. */
export function bytesToWords(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words: bigint[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) words.push(view.getBigUint64(at, true));
  return words;
}

/** `0x` followed by the value in lower-case hex (no padding), as r0 is printed. */
export function hex64(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

/** A word as `0x` and 16 hex digits, the `-- raw` form. */
export function hexWord(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}
