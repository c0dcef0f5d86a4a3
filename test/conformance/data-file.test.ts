import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile } from '../../src/conformance/data-file.js';
import { BpfError } from '../../src/errors.js';

const SUITE = join(import.meta.dirname, '../../../shared/conformance/tests');

function parseError(text: string): BpfError {
  try {
    parseDataFile(text);
  } catch (e) {
    if (e instanceof BpfError) return e;
    throw e;
  }
  throw new Error('expected a BpfError');
}

describe('parseDataFile', () => {
  it('reads asm and a hex result, dropping comments', () => {
    const t = parseDataFile(
      '# Copyright\n# SPDX\n-- asm\nmov32 %r0, 0\nadd32 %r0, 1 # one\nexit\n-- result\n0x1\n',
    );
    expect(t.asm).toBe('mov32 %r0, 0\nadd32 %r0, 1\nexit\n');
    expect(t.asmLine).toBe(4);
    expect(t.result).toBe(1n);
    expect(t.raw).toBeUndefined();
    expect(t.error).toBeUndefined();
    expect(t.mem).toEqual(new Uint8Array(0));
  });

  it('reads a decimal result', () => {
    expect(parseDataFile('-- asm\nexit\n-- result\n0\n').result).toBe(0n);
    expect(parseDataFile('-- asm\nexit\n-- result\n42\n').result).toBe(42n);
    expect(parseDataFile('-- asm\nexit\n-- result\n0xFFFFFFFFFFFFFFF6\n').result).toBe(
      0xfffffffffffffff6n,
    );
  });

  it('reads raw 64-bit words as little-endian bytecode', () => {
    const t = parseDataFile(
      '-- asm\nlddw %r0, 0x1122334455667788\nexit\n-- raw\n0x5566778800000018\n' +
        '0x1122334400000000 0x0000000000000095\n-- result\n0x1122334455667788\n',
    );
    expect(t.asm).toBeDefined();
    expect([...(t.raw ?? [])]).toEqual([
      0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11, 0x95, 0, 0, 0, 0,
      0, 0, 0,
    ]);
  });

  it('reads mem with several bytes per line over several lines', () => {
    const t = parseDataFile('-- asm\nexit\n-- mem\n00 01 02\n03   04\n\nff\n-- result\n0x0\n');
    expect([...t.mem]).toEqual([0, 1, 2, 3, 4, 0xff]);
  });

  it('ignores unknown sections, including C with # lines', () => {
    const t = parseDataFile(
      '-- c\n#include <stdint.h>\nint x = 1;\n-- asm\nexit\n-- result\n0x2\n-- no register offset\ncall instruction\n',
    );
    expect(t.asm).toBe('exit\n');
    expect(t.result).toBe(2n);
  });

  it('reads an expected error verbatim', () => {
    const t = parseDataFile('-- asm\nldxb %r0, [%r1]\nexit\n-- error\nFailed to load code: x #1\n');
    expect(t.error).toBe('Failed to load code: x #1');
    expect(t.result).toBeUndefined();
  });

  it('accepts CRLF line ends', () => {
    const t = parseDataFile('-- asm\r\nexit\r\n-- mem\r\naa bb\r\n-- result\r\n0x3\r\n');
    expect(t.asm).toBe('exit\n');
    expect([...t.mem]).toEqual([0xaa, 0xbb]);
    expect(t.result).toBe(3n);
  });

  it.each([
    ['a bad mem byte', '-- asm\nexit\n-- mem\naa zz\n-- result\n0x0\n', 4],
    ['an odd mem token', '-- asm\nexit\n-- mem\naa\nabc\n-- result\n0x0\n', 5],
    ['a bad result', '-- asm\nexit\n-- result\nten\n', 4],
    ['a negative result', '-- asm\nexit\n-- result\n-1\n', 4],
    ['two results', '-- asm\nexit\n-- result\n0x1\n0x2\n', 5],
    ['a bad raw word', '-- raw\n0x95 nope\n-- result\n0x0\n', 2],
    ['a duplicate section', '-- asm\nexit\n-- asm\nexit\n-- result\n0\n', 3],
    ['text before any section', 'exit\n-- asm\nexit\n-- result\n0\n', 1],
  ])('rejects %s with BAD_INPUT at its line', (_what, text, line) => {
    expect(parseError(text)).toMatchObject({ code: 'BAD_INPUT', line });
  });

  it('rejects a file without result or error, and one without instructions', () => {
    expect(parseError('-- asm\nexit\n').code).toBe('BAD_INPUT');
    expect(parseError('-- asm\n# nothing\n-- result\n0x1\n').code).toBe('BAD_INPUT');
  });
});

describe.skipIf(!existsSync(SUITE))('the bpf_conformance suite', () => {
  const files = existsSync(SUITE) ? readdirSync(SUITE).filter((f) => f.endsWith('.data')) : [];

  it('has 313 files, every one parses with a result and instructions', () => {
    expect(files.length).toBe(313);
    for (const f of files) {
      const t = parseDataFile(readFileSync(join(SUITE, f), 'utf8'));
      expect(t.result, f).toBeTypeOf('bigint');
      expect(t.asm ?? t.raw, f).toBeDefined();
    }
  });

  it('finds the memory of the tests that have some', () => {
    const withMem = files.filter(
      (f) => parseDataFile(readFileSync(join(SUITE, f), 'utf8')).mem.length > 0,
    );
    expect(withMem.length).toBe(40);
    const ldxb = parseDataFile(readFileSync(join(SUITE, 'ldxb.data'), 'utf8'));
    expect([...ldxb.mem]).toEqual([0xaa, 0xbb, 0x11, 0xcc, 0xdd]);
  });
});
