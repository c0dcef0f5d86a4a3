// A small hand-written command-line parser: each command declares its options and positionals,
// and the parser checks names, values and counts. Anything wrong is a BpfError USAGE, which main
// prints as one line.

import { BpfError } from '../errors.js';

export interface OptionSpec {
  /** Long name without dashes: `engine` for `--engine`. */
  readonly name: string;
  /** One-letter alias without the dash: `o` for `-o`. */
  readonly short?: string;
  /** Absent for a flag; otherwise the kind of value it takes. */
  readonly value?: 'string' | 'count';
  /** Allowed values for a string option. */
  readonly choices?: readonly string[];
  /** Name of the value in help text (`FILE`, `N`). */
  readonly valueName?: string;
  /** A string option that may be given several times; its values keep their order. */
  readonly repeatable?: boolean;
  readonly help: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  /** The last positional only: taken any number of times, none included (`[NAME ...]`). */
  readonly variadic?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** Extra lines for `--help` (examples, notes). */
  readonly notes?: readonly string[];
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Option values by long name: `true` for a flag, the text (or number) for a value. */
  readonly values: ReadonlyMap<string, string | number | true>;
  /** Values of repeatable options by long name, in the order given. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** `--help` or `-h` was given: the caller prints help and ignores the rest. */
  readonly help: boolean;
}

export function usageError(detail: string): BpfError {
  return new BpfError('cli', 'USAGE', detail);
}

function parseCount(name: string, text: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw usageError(`--${name} needs a non-negative integer, not '${text}'`);
  }
  return Number(text);
}

/** Parse `argv` (the words after the command name) against `spec`. */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const values = new Map<string, string | number | true>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  let onlyPositionals = false;
  const byLong = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(
    spec.options.filter((o) => o.short !== undefined).map((o) => [o.short as string, o]),
  );

  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (onlyPositionals || word === '-' || !word.startsWith('-')) {
      positionals.push(word);
      continue;
    }
    if (word === '--') {
      onlyPositionals = true;
      continue;
    }
    if (word === '--help' || word === '-h') {
      help = true;
      continue;
    }
    let opt: OptionSpec | undefined;
    let inline: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
      if (eq >= 0) inline = word.slice(eq + 1);
      opt = byLong.get(name);
    } else if (word.length === 2) {
      opt = byShort.get(word.slice(1));
    }
    if (opt === undefined) throw usageError(`${spec.name}: unknown option '${word}'`);
    const flag = `--${opt.name}`;
    if (values.has(opt.name) && opt.repeatable !== true) {
      throw usageError(`${spec.name}: ${flag} given twice`);
    }
    if (opt.value === undefined) {
      if (inline !== undefined) throw usageError(`${spec.name}: ${flag} takes no value`);
      values.set(opt.name, true);
      continue;
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw usageError(`${spec.name}: ${flag} needs a value`);
      text = next;
      i++;
    }
    if (opt.choices !== undefined && !opt.choices.includes(text)) {
      throw usageError(
        `${spec.name}: ${flag} must be one of ${opt.choices.join(', ')}, not '${text}'`,
      );
    }
    if (opt.repeatable === true) {
      const list = lists.get(opt.name) ?? [];
      list.push(text);
      lists.set(opt.name, list);
    }
    values.set(opt.name, opt.value === 'count' ? parseCount(opt.name, text) : text);
  }

  if (!help) {
    const variadic = spec.positionals.at(-1)?.variadic === true;
    const required = spec.positionals.length - (variadic ? 1 : 0);
    if (positionals.length < required) {
      const missing = spec.positionals[positionals.length] as PositionalSpec;
      throw usageError(`${spec.name}: missing ${missing.name}`);
    }
    if (!variadic && positionals.length > spec.positionals.length) {
      throw usageError(
        `${spec.name}: unexpected argument '${positionals[spec.positionals.length]}'`,
      );
    }
  }
  return { positionals, values, lists, help };
}

/** Typed reads of parsed options (the spec already checked kinds and choices). */
export function stringOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function countOpt(args: ParsedArgs, name: string): number | undefined {
  const v = args.values.get(name);
  return typeof v === 'number' ? v : undefined;
}

/** Every value of a repeatable option, in order (empty when not given). */
export function listOpt(args: ParsedArgs, name: string): readonly string[] {
  return args.lists.get(name) ?? [];
}

export function flagOpt(args: ParsedArgs, name: string): boolean {
  return args.values.get(name) === true;
}

/** `--help` text for one command. */
export function commandHelp(tool: string, spec: CommandSpec): string {
  const pos = spec.positionals
    .map((p) => (p.variadic === true ? ` [${p.name} ...]` : ` ${p.name}`))
    .join('');
  const lines = [`Usage: ${tool} ${spec.name}${pos} [options]`, '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${col(p.name)}${p.help}`);
    lines.push('');
  }
  lines.push('Options:');
  const rows: [string, string][] = spec.options.map((o) => {
    const names = (o.short !== undefined ? `-${o.short}, ` : '') + `--${o.name}`;
    const value =
      o.value === undefined ? '' : ` ${o.valueName ?? (o.choices ?? ['VALUE']).join('|')}`;
    return [names + value, o.help + (o.repeatable === true ? ' (repeatable)' : '')];
  });
  rows.push(['-h, --help', 'show this help']);
  for (const [left, right] of rows) lines.push(`  ${col(left)}${right}`);
  if (spec.notes !== undefined) lines.push('', ...spec.notes);
  return lines.join('\n') + '\n';
}

/** Left column of help text: padded, and never touching the description. */
function col(text: string): string {
  return (text + '  ').padEnd(26);
}
