// Test helpers for the ELF loader tests: fixtures, and byte-level edits of ELF64 objects (to
// build malformed objects precisely: which header field, which relocation, which symbol).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../../src/elf/elf.js';
import { BpfError } from '../../src/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, 'fixtures');
export const CORPUS_OBJ = join(here, '..', '..', 'corpus', 'obj');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** File offset of section header `index`. */
export function shdrAt(bytes: Uint8Array, index: number): number {
  const v = view(bytes);
  return Number(v.getBigUint64(40, true)) + index * 64;
}

export function sectionIndex(bytes: Uint8Array, name: string): number {
  const sec = parseElf(bytes).sections.find((s) => s.name === name);
  if (sec === undefined) throw new Error(`fixture has no section ${name}`);
  return sec.index;
}

/** File offset and size of a section's contents. */
export function sectionRange(bytes: Uint8Array, name: string): { offset: number; size: number } {
  const sec = parseElf(bytes).sections[sectionIndex(bytes, name)];
  if (sec === undefined) throw new Error(name);
  return { offset: sec.offset, size: sec.size };
}

/** File offset of symbol `name` in .symtab. */
export function symbolAt(bytes: Uint8Array, name: string): number {
  const elf = parseElf(bytes);
  const sym = elf.symbols.find((s) => s.name === name);
  const symtab = elf.sections.find((s) => s.type === 2);
  if (sym === undefined || symtab === undefined) throw new Error(`no symbol ${name}`);
  return symtab.offset + sym.index * 24;
}

export function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A copy with one edit applied. */
export function edit(bytes: Uint8Array, fn: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const out = copy(bytes);
  fn(view(out), out);
  return out;
}

/** Run `fn` and return the BpfError's stage, code and insn (fails the test on anything else). */
export function errorOf(fn: () => unknown): {
  stage: string;
  code: string;
  insn: number | undefined;
} {
  try {
    fn();
  } catch (e) {
    if (e instanceof BpfError) return { stage: e.stage, code: e.code, insn: e.insn };
    throw e;
  }
  throw new Error('expected a BpfError, nothing was thrown');
}
