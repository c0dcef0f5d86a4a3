import { describe, expect, it } from 'vitest';
import {
  type CommandSpec,
  commandHelp,
  countOpt,
  flagOpt,
  parseArgs,
  stringOpt,
} from '../../src/cli/args.js';
import { BpfError } from '../../src/errors.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [{ name: 'FILE', help: 'input' }],
  options: [
    { name: 'engine', value: 'string', choices: ['interp', 'jit'], help: 'engine' },
    { name: 'budget', value: 'count', valueName: 'N', help: 'budget' },
    { name: 'output', short: 'o', value: 'string', valueName: 'OUT', help: 'output' },
    { name: 'json', help: 'json' },
  ],
};

function usage(argv: string[]): BpfError {
  try {
    parseArgs(argv, spec);
  } catch (e) {
    if (e instanceof BpfError) return e;
    throw e;
  }
  throw new Error('expected a usage error');
}

describe('parseArgs', () => {
  it('reads positionals, values, flags and short options in any order', () => {
    const a = parseArgs(['--engine', 'jit', 'x.s', '--budget=12', '-o', 'out.bin', '--json'], spec);
    expect(a.positionals).toEqual(['x.s']);
    expect(stringOpt(a, 'engine')).toBe('jit');
    expect(countOpt(a, 'budget')).toBe(12);
    expect(stringOpt(a, 'output')).toBe('out.bin');
    expect(flagOpt(a, 'json')).toBe(true);
    expect(a.help).toBe(false);
  });

  it('leaves absent options undefined', () => {
    const a = parseArgs(['x.s'], spec);
    expect(stringOpt(a, 'engine')).toBeUndefined();
    expect(countOpt(a, 'budget')).toBeUndefined();
    expect(flagOpt(a, 'json')).toBe(false);
  });

  it('treats words after -- and a lone - as positionals', () => {
    expect(parseArgs(['--', '--json'], spec).positionals).toEqual(['--json']);
    expect(parseArgs(['-'], spec).positionals).toEqual(['-']);
  });

  it('sees --help and -h anywhere, without needing the positionals', () => {
    expect(parseArgs(['--help'], spec).help).toBe(true);
    expect(parseArgs(['x', '-h'], spec).help).toBe(true);
  });

  it.each([
    [['x', '--frob']],
    [['x', '-z']],
    [['x', '--engine', 'fast']],
    [['x', '--engine']],
    [['x', '--budget', '-1']],
    [['x', '--budget', '1e3']],
    [['x', '--json=1']],
    [['x', '--json', '--json']],
    [[]],
    [['x', 'y']],
  ])('rejects %j with USAGE', (argv) => {
    const e = usage(argv);
    expect(e.code).toBe('USAGE');
    expect(e.stage).toBe('cli');
    expect(e.message).not.toContain('\n');
  });
});

describe('commandHelp', () => {
  it('lists the usage line, arguments and every option', () => {
    const text = commandHelp('tool', spec);
    expect(text.split('\n')[0]).toBe('Usage: tool demo FILE [options]');
    for (const word of [
      'FILE',
      '--engine interp|jit',
      '--budget N',
      '-o, --output OUT',
      '--json',
      '--help',
    ]) {
      expect(text).toContain(word);
    }
  });
});
