// The ELF container: header checks, section and symbol tables, strings; lenient e_machine 0.

import { describe, expect, it } from 'vitest';
import { parseElf, ShFlag, SymType } from '../../src/elf/elf.js';
import { loadObject } from '../../src/elf/index.js';
import { edit, errorOf, fixture, sectionIndex, shdrAt, symbolAt } from './util.js';

const obj = fixture('subprogs.o');

describe('parseElf', () => {
  it('reads sections, names, symbols and relocations', () => {
    const elf = parseElf(obj);
    const names = elf.sections.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '.text',
        'xdp',
        'tc',
        'kprobe/do_sys_open',
        '.data',
        '.rodata',
        '.bss',
        'license',
        '.BTF',
        '.BTF.ext',
      ]),
    );
    const xdp = elf.sections[sectionIndex(obj, 'xdp')];
    expect(xdp !== undefined && (xdp.flags & ShFlag.EXECINSTR) !== 0).toBe(true);
    const funcs = elf.symbols.filter((s) => s.type === SymType.FUNC).map((s) => s.name);
    expect(funcs).toEqual(
      expect.arrayContaining([
        'xdp_one',
        'xdp_two',
        'tc_main',
        'probe',
        'middle',
        'leaf',
        'loop_cb',
      ]),
    );
    expect(elf.relocations.get(sectionIndex(obj, 'xdp'))?.length).toBeGreaterThan(0);
    // .bss has no file bytes but a zero-filled view of its size.
    const bss = elf.sections[sectionIndex(obj, '.bss')];
    expect(bss?.data.length).toBe(4);
  });

  it('accepts e_machine 0 as BPF and gives the same object', () => {
    const zero = edit(obj, (v) => v.setUint16(18, 0, true));
    expect(loadObject(zero)).toEqual(loadObject(obj));
  });

  it.each([
    ['bad magic', edit(obj, (v) => v.setUint8(1, 0x46)), 'ELF_BAD_MAGIC'],
    ['not an ELF at all', new Uint8Array([1, 2]), 'ELF_BAD_MAGIC'],
    ['32-bit class', edit(obj, (v) => v.setUint8(4, 1)), 'ELF_BAD_CLASS'],
    ['big endian', edit(obj, (v) => v.setUint8(5, 2)), 'ELF_BAD_CLASS'],
    ['x86-64 machine', edit(obj, (v) => v.setUint16(18, 62, true)), 'ELF_BAD_MACHINE'],
    ['header truncated', obj.slice(0, 40), 'ELF_TRUNCATED'],
    ['section headers truncated', obj.slice(0, obj.length - 10), 'ELF_TRUNCATED'],
    [
      'section table past the end',
      edit(obj, (v) => v.setUint32(40, obj.length - 64, true)),
      'ELF_TRUNCATED',
    ],
    ['shoff beyond 2^53', edit(obj, (v) => v.setUint32(44, 0xffffffff, true)), 'ELF_TRUNCATED'],
    ['no section table', edit(obj, (v) => v.setBigUint64(40, 0n, true)), 'ELF_BAD_SECTION'],
    ['bad shentsize', edit(obj, (v) => v.setUint16(58, 40, true)), 'ELF_BAD_SECTION'],
    ['shstrndx out of range', edit(obj, (v) => v.setUint16(62, 999, true)), 'ELF_BAD_SECTION'],
  ])('%s -> %s', (_name, bytes, code) => {
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ stage: 'load', code });
  });

  it('rejects a section whose contents lie past the end of the file', () => {
    const at = shdrAt(obj, sectionIndex(obj, 'xdp'));
    const bytes = edit(obj, (v) => v.setUint32(at + 24, obj.length - 8, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ code: 'ELF_TRUNCATED' });
    const big = edit(obj, (v) => v.setUint32(at + 32, 0x7fffffff, true));
    expect(errorOf(() => loadObject(big))).toMatchObject({ code: 'ELF_TRUNCATED' });
  });

  it('rejects a section name outside the string table', () => {
    const at = shdrAt(obj, 3);
    const bytes = edit(obj, (v) => v.setUint32(at, 0x00ffffff, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ code: 'ELF_BAD_STRING' });
  });

  it('rejects an unterminated string table', () => {
    const strtab = parseElf(obj).sections.find((s) => s.type === 3 && s.name === '.strtab');
    if (strtab === undefined) throw new Error('no .strtab');
    const bytes = edit(obj, (_v, b) =>
      b.fill(0x41, strtab.offset + strtab.size - 8, strtab.offset + strtab.size),
    );
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ code: 'ELF_BAD_STRING' });
  });

  it('rejects a symbol in a section that does not exist', () => {
    const at = symbolAt(obj, 'middle');
    const bytes = edit(obj, (v) => v.setUint16(at + 6, 500, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ code: 'ELF_BAD_SYMBOL' });
  });

  it('rejects a function symbol that extends past its section', () => {
    const at = symbolAt(obj, 'xdp_one');
    const bytes = edit(obj, (v) => v.setUint32(at + 16, 0x10000, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({ code: 'ELF_BAD_SYMBOL' });
  });
});
