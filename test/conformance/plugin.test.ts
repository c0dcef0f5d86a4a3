// The plugin protocol in process: every suite test converted to what the upstream runner sends
// (program as hex bytes on stdin, memory as the first argument), and the argument forms old and
// new runners use. test/cli/spawn.test.ts runs the real executable.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile } from '../../src/conformance/data-file.js';
import { engineAvailable } from '../../src/conformance/engines.js';
import { formatHexBytes } from '../../src/conformance/hex.js';
import { parsePluginArgs, pluginMain } from '../../src/cli/plugin.js';
import { parseRunnerHex, pluginArgv } from '../../src/conformance/plugin-runner.js';
import { programOfTest } from '../../src/conformance/runner.js';
import { encode } from '../../src/isa/encode.js';
import type { EngineName } from '../../src/runtime/engine.js';

const SUITE = join(import.meta.dirname, '../../../shared/conformance/tests');
const engines: EngineName[] = ['interp'];
if (await engineAvailable('jit')) engines.push('jit');

async function plugin(
  argv: string[],
  stdin: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await pluginMain(argv, () => Promise.resolve(stdin), {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  });
  return { code, out, err };
}

const EXIT_42 = 'b7  00  00  00  2a  00  00  00  95  00  00  00  00  00  00  00  \n';
const LDXB_2 = '71  10  02  00  00  00  00  00  95  00  00  00  00  00  00  00  \n';

describe('parsePluginArgs', () => {
  it('takes memory first when it is not an option', () => {
    const a = parsePluginArgs(['aa  bb  11  ', '--engine', 'jit']);
    expect([...a.mem]).toEqual([0xaa, 0xbb, 0x11]);
    expect(a.engine).toBe('jit');
    expect(a.elf).toBe(false);
  });

  it('accepts absent or empty memory', () => {
    expect(parsePluginArgs([]).mem.length).toBe(0);
    expect(parsePluginArgs(['']).mem.length).toBe(0);
    expect(parsePluginArgs(['--engine', 'interp']).engine).toBe('interp');
  });

  it('accepts options as one argument (old runner) and empty arguments (split on spaces)', () => {
    expect(parsePluginArgs(['', '--engine jit']).engine).toBe('jit');
    expect(parsePluginArgs(['aa', '--engine', '', 'jit']).engine).toBe('jit');
    expect(parsePluginArgs(['--engine=jit', '--budget', '50']).budget).toBe(50);
    expect(parsePluginArgs(['--jit']).engine).toBe('jit');
    expect(parsePluginArgs(['--jit', '--interpret']).engine).toBe('interp');
    expect(parsePluginArgs(['--elf']).elf).toBe(true);
    expect(parsePluginArgs(['--program', '95 00 00 00 00 00 00 00']).program).toBe(
      '95 00 00 00 00 00 00 00',
    );
  });

  it.each([[['--bogus']], [['aa', 'bb']], [['--engine', 'fast']], [['--engine']], [['zz']]])(
    'rejects %j',
    (argv) => {
      expect(() => parsePluginArgs(argv)).toThrow(
        expect.objectContaining({ code: expect.any(String) }),
      );
    },
  );
});

describe('pluginMain', () => {
  it('prints r0 in hex that the runner parses', async () => {
    const r = await plugin([], EXIT_42);
    expect(r).toEqual({ code: 0, out: '0x2a\n', err: '' });
    expect(parseRunnerHex(r.out)).toBe(42n);
  });

  it('passes memory from the first argument', async () => {
    expect((await plugin(['aa  bb  11  '], LDXB_2)).out).toBe('0x11\n');
  });

  it('exits 1 with one line on stderr for a trap, a bad program, bad arguments and --elf', async () => {
    for (const [argv, stdin, code] of [
      [['aa  '], LDXB_2, 'OUT_OF_BOUNDS'],
      [[], 'ff  00  00  00  00  00  00  00  \n', 'UNKNOWN_OPCODE'],
      [[], 'b7  00  00\n', 'TRUNCATED'],
      [['--bogus'], EXIT_42, 'USAGE'],
      [['--elf'], '7f  45  4c  46  \n', 'UNSUPPORTED'],
      [[], '7f  45  4c  46  02  01  01  00  \n', 'UNSUPPORTED'],
    ] as const) {
      const r = await plugin([...argv], stdin);
      expect(r.code, code).toBe(1);
      expect(r.out, code).toBe('');
      expect(r.err.trimEnd().split('\n'), code).toHaveLength(1);
    }
  });

  it('bounds a runaway program', async () => {
    // ja -1
    const r = await plugin(
      ['--budget', '1000', '--no-verify'],
      '05  00  ff  ff  00  00  00  00  95  00  00  00  00  00  00  00',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('budget');
  });

  it('refuses a runaway program at the verifier unless --no-verify', async () => {
    const r = await plugin([], '05  00  ff  ff  00  00  00  00  95  00  00  00  00  00  00  00');
    expect(r.code).toBe(1);
    expect(r.err).toContain('verify: ');
  });

  it('shows help', async () => {
    const r = await plugin(['--help'], '');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: bpf-conformance-plugin');
  });
});

describe('parseRunnerHex reads output as strtoull(s, 16) does', () => {
  it.each([
    ['0x2a', 42n],
    ['2a', 42n],
    ['  0X2A trailing', 42n],
    ['ffffffffffffffff', 0xffffffffffffffffn],
    ['0xg', 0n],
    ['error', 0xen],
  ])('%j', (text, v) => {
    expect(parseRunnerHex(text)).toBe(v);
  });
  it.each(['', 'no', '-', 'x1'])('%j has no value', (text) => {
    expect(parseRunnerHex(text)).toBeNull();
  });
});

describe('pluginArgv', () => {
  it('passes memory only when there is some, and splits options on spaces', () => {
    expect(pluginArgv(new Uint8Array(0), '')).toEqual([]);
    expect(pluginArgv(Uint8Array.of(1, 0xab), '--engine jit')).toEqual([
      '01  ab  ',
      '--engine',
      'jit',
    ]);
  });
});

describe.skipIf(!existsSync(SUITE)).each(engines)(
  'every suite test through pluginMain on %s',
  (engine) => {
    it('prints the expected r0 for all 313', async () => {
      const failed: string[] = [];
      const files = readdirSync(SUITE)
        .filter((f) => f.endsWith('.data'))
        .sort();
      for (const f of files) {
        const test = parseDataFile(readFileSync(join(SUITE, f), 'utf8'));
        const stdin = formatHexBytes(encode(programOfTest(test).insns)) + '\n';
        const r = await plugin(pluginArgv(test.mem, `--engine ${engine}`), stdin);
        if (r.code !== 0 || parseRunnerHex(r.out) !== test.result)
          failed.push(`${f}: ${r.out}${r.err}`);
      }
      expect(files.length).toBe(313);
      expect(failed).toEqual([]);
    });
  },
);
