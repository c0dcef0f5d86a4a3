// Malformed objects: thousands of mutants of real objects (bit flips, truncations, header fields
// and offsets set past the end, relocations pointing anywhere, unknown map types, corrupt BTF,
// wrong machine). loadObject must either succeed or throw a BpfError with a code; never another
// exception, never a hang. Seeded: set ELF_MUTATION_SEED to replay; the seed is in every failure.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ElfFile, parseElf } from '../../src/elf/elf.js';
import { helpersUsed, lineOf, loadObject } from '../../src/elf/index.js';
import { BpfError, ERROR_CODES } from '../../src/errors.js';
import { CORPUS_OBJ, FIXTURES } from './util.js';

const MUTANTS = 2000;
const SEED = Number(process.env['ELF_MUTATION_SEED'] ?? 0x5eed_e1f);

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function objects(): { name: string; bytes: Uint8Array }[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.o'))
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  return [...list(FIXTURES), ...list(CORPUS_OBJ)].map((path) => ({
    name: path,
    bytes: new Uint8Array(readFileSync(path)),
  }));
}

interface Source {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly elf: ElfFile;
  readonly shoff: number;
}

type Mutation = (src: Source, out: Uint8Array, v: DataView, r: () => number) => string;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: () => number, n: number): number => Math.floor(r() * n);
/** Values that tend to break parsers: zero, small, around the file size, huge. */
const nasty = (r: () => number, size: number): number =>
  pick(r, [
    0,
    1,
    7,
    8,
    0xff,
    0xffff,
    size - 1,
    size,
    size + 1,
    size * 2,
    0x7fffffff,
    0xffffffff,
    int(r, size),
    int(r, 0x100000000),
  ]) >>> 0;

function sectionNamed(src: Source, test: (name: string, type: number) => boolean) {
  const secs = src.elf.sections.filter(
    (s) => s.index !== 0 && test(s.name, s.type) && s.size > 0 && s.type !== 8,
  );
  return secs.length === 0 ? undefined : secs;
}

const MUTATIONS: readonly Mutation[] = [
  (_src, out, _v, r) => {
    const n = 1 + int(r, 8);
    for (let i = 0; i < n; i++) {
      const at = int(r, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << int(r, 8));
    }
    return `flip ${n} bits`;
  },
  (src, out, _v, r) => {
    // Flips in the headers, where a flip changes structure rather than data.
    const at = r() < 0.3 ? int(r, 64) : src.shoff + int(r, Math.max(1, out.length - src.shoff));
    out[at] = (out[at] ?? 0) ^ (1 << int(r, 8));
    return `flip header bit at ${at}`;
  },
  // Index 2 is truncation, done by the caller since it changes the length.
  () => 'truncate',
  (src, out, v, r) => {
    const index = int(r, src.elf.sections.length);
    const field = pick(r, [0, 4, 8, 24, 32, 40, 44, 56]);
    const at = src.shoff + index * 64 + field;
    const value = nasty(r, out.length);
    if (at + 4 <= out.length) v.setUint32(at, value, true);
    return `section ${index} field ${field} = ${value}`;
  },
  (src, out, v, r) => {
    const symtab = src.elf.sections.find((s) => s.type === 2);
    if (symtab === undefined || symtab.size === 0) return 'no symtab';
    const at = symtab.offset + int(r, symtab.size / 24) * 24 + pick(r, [0, 4, 6, 8, 16]);
    if (r() < 0.5) v.setUint16(at, nasty(r, out.length) & 0xffff, true);
    else v.setUint32(at, nasty(r, out.length), true);
    return `symbol field at ${at}`;
  },
  (src, out, v, r) => {
    const rels = sectionNamed(src, (_n, t) => t === 9);
    if (rels === undefined) return 'no rel';
    const sec = pick(r, rels);
    const at = sec.offset + int(r, sec.size / 16) * 16 + pick(r, [0, 8, 12]);
    v.setUint32(at, nasty(r, out.length), true);
    return `rel field at ${at} in ${sec.name}`;
  },
  (src, _out, v, r) => {
    const maps = sectionNamed(src, (n) => n === 'maps' || n === '.maps');
    const btf = sectionNamed(src, (n) => n === '.BTF');
    const target = maps !== undefined && r() < 0.5 ? maps : btf;
    if (target === undefined) return 'no maps';
    const sec = pick(r, target);
    const at = sec.offset + int(r, Math.floor(sec.size / 4)) * 4;
    v.setUint32(at, pick(r, [0, 1, 2, 12, 27, 33, 34, 99, 0xffff, 0xffffffff, int(r, 64)]), true);
    return `word at ${at} in ${sec.name}`;
  },
  (src, _out, v, r) => {
    const btf = sectionNamed(src, (n) => n === '.BTF' || n === '.BTF.ext');
    if (btf === undefined) return 'no btf';
    const sec = pick(r, btf);
    const at = sec.offset + int(r, Math.min(sec.size, 32) / 4) * 4;
    v.setUint32(at, nasty(r, sec.size), true);
    return `BTF header word at ${at} in ${sec.name}`;
  },
  (src, out, v, r) => {
    const code = sectionNamed(
      src,
      (n) => n !== '.text' && src.elf.sections.some((s) => s.name === n && (s.flags & 4) !== 0),
    );
    if (code === undefined) return 'no code';
    const sec = pick(r, code);
    const at = sec.offset + int(r, sec.size / 8) * 8 + pick(r, [0, 1, 4]);
    if (at + 4 <= out.length) v.setUint32(at, nasty(r, sec.size), true);
    return `instruction word at ${at}`;
  },
  (_src, _out, v, r) => {
    const m = pick(r, [0, 1, 3, 62, 183, 246, 248, 0xffff]);
    v.setUint16(18, m, true);
    return `machine ${m}`;
  },
];

describe('malformed objects', () => {
  const sources: Source[] = objects().map(({ name, bytes }) => ({
    name,
    bytes,
    elf: parseElf(bytes),
    shoff: Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true)),
  }));

  it(`${MUTANTS} mutants either load or fail with a load error code (seed ${SEED})`, () => {
    expect(sources.length).toBeGreaterThan(0);
    const r = rng(SEED);
    const codes = new Map<string, number>();
    let loaded = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const src = pick(r, sources);
      const kind = int(r, MUTATIONS.length);
      let out = new Uint8Array(src.bytes);
      let what: string;
      if (kind === 2) {
        const len = int(r, src.bytes.length);
        out = out.slice(0, len);
        what = `truncate to ${len}`;
      } else {
        what = (MUTATIONS[kind] as Mutation)(src, out, new DataView(out.buffer), r);
      }
      const where = `seed ${SEED}, mutant ${i}: ${src.name}: ${what}`;
      try {
        const obj = loadObject(out);
        for (const p of obj.programs) {
          helpersUsed(p);
          lineOf(p, p.insns.length / 8 - 1);
        }
        loaded++;
      } catch (e) {
        if (!(e instanceof BpfError)) {
          throw new Error(`${where}: raw exception ${String(e)}`, { cause: e });
        }
        expect(e.stage, where).toBe('load');
        expect(Object.hasOwn(ERROR_CODES, e.code), where).toBe(true);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    // Both outcomes occur, and the errors are spread over many codes (the mutations reach deep).
    expect(loaded).toBeGreaterThan(0);
    expect(codes.size).toBeGreaterThanOrEqual(8);
  });
});
