import { describe, expect, it } from 'vitest';
import type { EngineName } from '../../src/runtime/engine.js';
import { DATA_BASE } from '../../src/runtime/layout.js';
import { ENGINES, HOST, bytes, exec, makeVm, signed } from './helpers-util.js';

/**
 * trace_printk with the format at input+0 (its size includes the NUL unless `noNul`), a string
 * "str" at input+200 for %s, and up to three args; `s` in an arg means "address of the string".
 */
function printk(
  engine: EngineName,
  fmt: string,
  args: readonly (number | bigint | 's')[],
  opts: { noNul?: boolean } = {},
): { r0: bigint; messages: string[] } {
  const messages: string[] = [];
  const vm = makeVm(engine, { ...HOST, printk: (m) => messages.push(m) });
  const input = new Uint8Array(256);
  input.set(bytes(fmt), 0);
  input.set(bytes('str\0'), 200);
  const size = bytes(fmt).length + (opts.noNul === true ? 0 : 1);
  const setArgs = args
    .map((a, k) =>
      a === 's'
        ? `mov %r${k + 3}, %r1\nadd %r${k + 3}, 200`
        : `lddw %r${k + 3}, ${BigInt.asUintN(64, BigInt(a))}`,
    )
    .join('\n');
  const out = exec(vm, `${setArgs}\nmov %r2, ${size}\ncall 6\nexit`, input);
  if (out.r0 === undefined) throw new Error(JSON.stringify(out.trap));
  return { r0: signed(out.r0), messages };
}

describe.each(ENGINES)('trace_printk on %s', (engine) => {
  it.each([
    ['plain\n', [], 'plain\n'],
    ['%d %i %u', [-5, -5, -5], '-5 -5 4294967291'],
    ['%ld %lu', [-5, -5], '-5 18446744073709551611'],
    ['%lld %llu %llx', [-1, 7, 0xdeadbeefcafen], '-1 7 deadbeefcafe'],
    ['%x %X %lx', [0x1abcdef12n, 255, 0x1abcdef12n], 'abcdef12 FF 1abcdef12'],
    ['[%5d|%-5d|%05d]', [42, 42, -42], '[   42|42   |-0042]'],
    ['[%+d % d]', [7, 7], '[+7  7]'],
    ['%s, %c%c', ['s', 0x41, 0x142], 'str, AB'],
    ['[%6s|%-6s]', ['s', 's'], '[   str|str   ]'],
    ['100%% %d', [1], '100% 1'],
    ['%p', [0x1234], '0000000000001234'],
    ['%px %pK', [0xffff888000000000n, 1], 'ffff888000000000 0000000000000001'],
    ['%pks.', ['s'], 'str.'],
  ] as const)('"%s"', (fmt, args, want) => {
    const { r0, messages } = printk(engine, fmt, args);
    expect(messages).toEqual([want]);
    expect(r0).toBe(BigInt(want.length));
  });

  it('an unreadable %s prints as empty', () => {
    const { messages } = printk(engine, '<%s>', [0]);
    expect(messages).toEqual(['<>']);
  });

  it.each([
    ['more conversions than the 3 arguments', '%d %d %d %d', [1, 2, 3]],
    ['an unknown conversion', '%q', [1]],
    ['a precision', '%.3d', [1]],
    ['a # flag', '%#x', [1]],
    ['%s followed by a letter', '%sx', ['s']],
    ['%lf', '%lf', [1]],
    ['a control character', 'a\x01b', []],
    ['%p with an unknown extension', '%pQ', [1]],
  ] as const)('rejects %s with -EINVAL', (_what, fmt, args) => {
    const { r0, messages } = printk(engine, fmt, args);
    expect(r0).toBe(-22n);
    expect(messages).toEqual([]);
  });

  it('rejects a format without its NUL inside fmt_size', () => {
    expect(printk(engine, 'abc', [], { noNul: true }).r0).toBe(-22n);
  });

  it('cuts the message at 1023 bytes but returns the full length', () => {
    const { r0, messages } = printk(engine, `%1500d`, [1]);
    expect(r0).toBe(1500n);
    expect(messages[0]?.length).toBe(1023);
  });

  it('writes to stderr by default', () => {
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      writes.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const vm = makeVm(engine, { ...HOST, printk: undefined });
      const input = bytes('hi %d\n\0');
      exec(vm, 'mov %r2, 7\nmov %r3, 9\ncall 6\nexit', input);
    } finally {
      process.stderr.write = original;
    }
    expect(writes).toEqual(['hi 9\n']);
  });
});

/**
 * bpf_snprintf(out = input+0 [outSize], fmt = input+64, data = input+128 [args], data_len).
 * Strings for %s/%pI at input+256.
 */
function snprintf(
  engine: EngineName,
  fmt: string,
  args: readonly bigint[],
  opts: { outSize?: number; dataLen?: number; extra?: Uint8Array; nullOut?: boolean } = {},
): { r0: bigint; text: string; output: Uint8Array } {
  const input = new Uint8Array(512).fill(0xee);
  input.set(bytes(`${fmt}\0`), 64);
  const dv = new DataView(input.buffer);
  args.forEach((a, k) => dv.setBigUint64(128 + k * 8, BigInt.asUintN(64, a), true));
  if (opts.extra !== undefined) input.set(opts.extra, 256);
  const outSize = opts.outSize ?? 64;
  const dataLen = opts.dataLen ?? args.length * 8;
  const prog = `
    mov %r6, %r1
    mov %r2, ${outSize}
    mov %r3, %r6
    add %r3, 64
    mov %r4, %r6
    add %r4, 128
    mov %r5, ${dataLen}
    ${opts.nullOut === true ? 'mov %r1, 0' : ''}
    call 165
    exit`;
  const out = exec(makeVm(engine), prog, input);
  if (out.r0 === undefined) throw new Error(JSON.stringify(out.trap));
  const end = out.output.indexOf(0);
  const text = new TextDecoder('latin1').decode(out.output.subarray(0, end < 0 ? 0 : end));
  return { r0: signed(out.r0), text, output: out.output };
}

describe.each(ENGINES)('snprintf on %s', (engine) => {
  // The numbers of the kernel's selftest test_snprintf.c.
  it('formats integers as the kernel selftest expects', () => {
    const { r0, text } = snprintf(engine, '%d %u %x %li %llu %lX', [
      -8n,
      9n,
      150n,
      -424242n,
      1337n,
      0xdabbad00n,
    ]);
    expect(text).toBe('-8 9 96 -424242 1337 DABBAD00');
    expect(r0).toBe(BigInt(text.length + 1));
  });

  it('formats IPv4 and IPv6 addresses as the kernel selftest expects', () => {
    const ips = new Uint8Array(32);
    ips.set([127, 0, 0, 1], 0);
    ips[31] = 1; // ::1 at +16
    const base = DATA_BASE; // where the input is
    const { text } = snprintf(engine, '%pi4 %pI6', [BigInt(base + 256), BigInt(base + 256 + 16)], {
      extra: ips,
    });
    expect(text).toBe('127.000.000.001 0000:0000:0000:0000:0000:0000:0000:0001');
    const dotted = snprintf(engine, '%pI4 %pi6', [BigInt(base + 256), BigInt(base + 256 + 16)], {
      extra: ips,
    });
    expect(dotted.text).toBe('127.0.0.1 00000000000000000000000000000001');
  });

  it('formats strings and chars', () => {
    const base = DATA_BASE;
    const { text } = snprintf(engine, '%s-%c', [BigInt(base + 256), 0x7an], {
      extra: bytes('abc\0'),
    });
    expect(text).toBe('abc-z');
  });

  it('cuts the output to the buffer, NUL-terminated, and returns the full size', () => {
    const { r0, output } = snprintf(engine, 'hello %d', [12345n], { outSize: 6 });
    expect(r0).toBe(12n);
    expect(output.subarray(0, 7)).toEqual(Uint8Array.from([...bytes('hello'), 0, 0xee]));
  });

  it('with a NULL buffer of size 0 only returns the size needed', () => {
    const { r0, output } = snprintf(engine, 'x=%d', [7n], { outSize: 0, nullOut: true });
    expect(r0).toBe(4n);
    expect(output[0]).toBe(0xee);
  });

  it.each([
    ['data_len not a multiple of 8', 'x', [1n], 4],
    ['more than 12 arguments', 'x', new Array<bigint>(13).fill(0n), 104],
    ['more conversions than arguments', '%d %d', [1n], 8],
  ] as const)('is -EINVAL for %s and leaves the buffer', (_what, fmt, args, dataLen) => {
    const { r0, output } = snprintf(engine, fmt, args, { dataLen });
    expect(r0).toBe(-22n);
    expect(output[0]).toBe(0xee);
  });
});
