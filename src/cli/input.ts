// Reads a program file in any form the CLI accepts and returns the decoded Program:
//   assembly text (.s, .asm, or any text that is nothing else),
//   raw bytecode (.bin, .o without ELF magic, or any binary: little-endian 8-byte slots),
//   hex instruction words, one 64-bit word per token (what `ebpf-wasm asm` prints),
//   a conformance .data file (its raw or asm, plus its mem).
// ELF objects are not programs of this kind: the commands that take them (info, run, compile,
// verify) check `isElf` first; the others refuse them here.

import { extname } from 'node:path';
import { BpfError } from '../errors.js';
import { assembleProgram } from '../isa/asm.js';
import { decode } from '../isa/decode.js';
import type { Program } from '../isa/insn.js';
import { type DataTest, parseDataFile } from '../conformance/data-file.js';
import { parseU64, wordsToBytes } from '../conformance/hex.js';
import { programOfTest } from '../conformance/runner.js';

export type InputKind = 'asm' | 'raw' | 'words' | 'data';

export interface LoadedProgram {
  readonly kind: InputKind;
  readonly program: Program;
  /** For a .data file: the parsed test (its mem, expected result). */
  readonly test?: DataTest;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export function isElf(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** Text when it decodes as UTF-8 and holds no NUL (bytecode almost always has zero bytes). */
function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const WORD = /^0x[0-9a-fA-F]{1,16}$/;

/** Text made only of `0x…` words (and `#` comments) is bytecode written as hex words. */
function hexWords(text: string): bigint[] | null {
  const words: bigint[] = [];
  for (const line of text.split('\n')) {
    const body = line.replace(/#.*/, '').trim();
    if (body === '') continue;
    for (const token of body.split(/\s+/)) {
      if (!WORD.test(token)) return null;
      words.push(parseU64(token) as bigint);
    }
  }
  return words.length > 0 ? words : null;
}

/** Guess the kind of `bytes` from the file name first, then from the content. */
export function detectKind(path: string, bytes: Uint8Array): InputKind {
  if (isElf(bytes)) {
    throw new BpfError(
      'load',
      'UNSUPPORTED',
      `${path} is an ELF object; this command takes raw bytecode, assembly or a .data file`,
    );
  }
  switch (extname(path).toLowerCase()) {
    case '.data':
      return 'data';
    case '.bin':
    case '.o':
      return 'raw';
    case '.s':
    case '.asm':
      return 'asm';
  }
  const text = asText(bytes);
  if (text === null) return 'raw';
  if (/^--\s*(asm|raw)\s*$/m.test(text)) return 'data';
  if (hexWords(text) !== null) return 'words';
  return 'asm';
}

function textOf(path: string, bytes: Uint8Array): string {
  const text = asText(bytes);
  if (text === null) throw new BpfError('load', 'BAD_INPUT', `${path} is not a text file`);
  return text;
}

/** Decode, assemble or parse `bytes` (the contents of `path`) into a program. */
export function loadProgram(path: string, bytes: Uint8Array): LoadedProgram {
  const kind = detectKind(path, bytes);
  switch (kind) {
    case 'raw':
      return { kind, program: decode(bytes) };
    case 'asm':
      return { kind, program: assembleProgram(textOf(path, bytes)) };
    case 'words': {
      const words = hexWords(textOf(path, bytes));
      if (words === null) throw new BpfError('load', 'BAD_INPUT', `${path} has no hex words`);
      return { kind, program: decode(wordsToBytes(words)) };
    }
    case 'data': {
      const test = parseDataFile(textOf(path, bytes));
      return { kind, program: programOfTest(test), test };
    }
  }
}
