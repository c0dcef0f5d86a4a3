import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/errors.js';
import {
  bytesToWords,
  formatHexBytes,
  hex64,
  hexString,
  hexWord,
  parseHexBytes,
  parseU64,
  wordsToBytes,
} from '../../src/conformance/hex.js';

describe('parseHexBytes', () => {
  it.each([
    ['aa bb 11', [0xaa, 0xbb, 0x11]],
    ['aa  bb  11  ', [0xaa, 0xbb, 0x11]],
    ['  AA\tbb\n11', [0xaa, 0xbb, 0x11]],
    ['aabb11', [0xaa, 0xbb, 0x11]],
    ['', []],
    ['   ', []],
  ])('%j', (text, bytes) => {
    expect([...parseHexBytes(text)]).toEqual(bytes);
  });

  it.each(['a', 'abc', 'zz', '0x11', 'aa g1'])('rejects %j with BAD_INPUT', (text) => {
    const err = (() => {
      try {
        parseHexBytes(text, 'mem', 7);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(BpfError);
    expect(err).toMatchObject({ code: 'BAD_INPUT', line: 7 });
  });
});

describe('formats', () => {
  it('writes bytes as the upstream runner does', () => {
    expect(formatHexBytes(Uint8Array.of(0xaa, 0x0b, 0x11))).toBe('aa  0b  11  ');
    expect(formatHexBytes(new Uint8Array(0))).toBe('');
    expect(hexString(Uint8Array.of(0, 0xff))).toBe('00ff');
  });

  it('round-trips the runner format', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(parseHexBytes(formatHexBytes(bytes))).toEqual(bytes);
  });

  it('prints r0 and raw words', () => {
    expect(hex64(0n)).toBe('0x0');
    expect(hex64(-1n)).toBe('0xffffffffffffffff');
    expect(hex64(0x1122n)).toBe('0x1122');
    expect(hexWord(0x95n)).toBe('0x0000000000000095');
  });
});

describe('parseU64', () => {
  it.each([
    ['0x1', 1n],
    ['0XFFFFFFFFFFFFFFF6', 0xfffffffffffffff6n],
    ['0', 0n],
    ['18446744073709551615', 0xffffffffffffffffn],
    [' 42 ', 42n],
  ])('%j', (text, value) => {
    expect(parseU64(text)).toBe(value);
  });

  it.each(['', '-1', '0x', '1x', '0x10000000000000000', '18446744073709551616', 'abc'])(
    'rejects %j',
    (text) => {
      expect(parseU64(text)).toBeNull();
    },
  );
});

describe('instruction words', () => {
  it('are little-endian with the opcode in the low byte', () => {
    const bytes = wordsToBytes([0x5566778800000018n, 0x0000000000000095n]);
    expect([...bytes.slice(0, 8)]).toEqual([0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55]);
    expect([...bytes.slice(8)]).toEqual([0x95, 0, 0, 0, 0, 0, 0, 0]);
    expect(bytesToWords(bytes)).toEqual([0x5566778800000018n, 0x95n]);
  });
});
