// `ebpf-wasm verify FILE`: run the verifier on every program of an ELF object (or the one
// --program names), or on a single program given as assembly, bytecode, hex words or a .data
// file, and say for each whether it is accepted; a rejection shows the verifier's report
// (message, instruction, register state, path, C line). Exit 0 only when all are accepted.

import { basename } from 'node:path';
import type { VerifyResult } from '../verifier/index.js';
import {
  type CommandSpec,
  countOpt,
  flagOpt,
  type ParsedArgs,
  stringOpt,
  usageError,
} from './args.js';
import type { CliIo } from './io.js';
import {
  errorJson,
  isElf,
  loadLoose,
  openObject,
  parseProgType,
  selectPrograms,
  TYPE_HELP,
  verifyLoose,
  verifyObjectProgram,
} from './object.js';

export const verifySpec: CommandSpec = {
  name: 'verify',
  summary:
    'Verify programs as the Vm does before running them.\n' +
    'FILE is an ELF object (every program, or --program NAME), or one program as assembly,\n' +
    'raw bytecode, hex words or a .data file. Prints `accept NAME (N insns processed)` or the\n' +
    'rejection report; exits 0 when every program is accepted, 1 when any is rejected.',
  positionals: [{ name: 'FILE', help: 'an ELF object or a program file' }],
  options: [
    { name: 'program', value: 'string', valueName: 'NAME', help: 'ELF: verify only this program' },
    {
      name: 'type',
      value: 'string',
      valueName: 'TYPE',
      help: `${TYPE_HELP} (default: the section's; unspec for files)`,
    },
    {
      name: 'mem-size',
      value: 'count',
      valueName: 'N',
      help: 'bytes at r1 for unspec programs (default 0; a .data file: its mem)',
    },
    { name: 'log', help: 'print the full walk, one line per processed instruction' },
    { name: 'json', help: 'print one JSON object' },
  ],
  notes: [
    'Programs without a context (type unspec: assembly, bytecode, unspec sections) get r1 =',
    'memory of --mem-size bytes and r2 = that size, as `run` verifies them for an input of',
    'that length; accesses the program does not bounds-check against r2 are rejected.',
    '',
    'JSON: {"programs":[{"name","section","type","verdict":"accept"|"reject","insnsProcessed",',
    '        "error":{"code","insn","message"}|null}]}',
    '',
    'Examples:',
    '  ebpf-wasm verify corpus/obj/xdp_firewall.o',
    '  ebpf-wasm verify prog.s --type xdp --log',
  ],
};

interface Verdict {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly result: VerifyResult;
}

function verdictJson(v: Verdict): object {
  return {
    name: v.name,
    section: v.section,
    type: v.type,
    verdict: v.result.ok ? 'accept' : 'reject',
    insnsProcessed: v.result.insnsProcessed,
    error: v.result.ok || v.result.error === undefined ? null : errorJson(v.result.error),
  };
}

function verdictText(v: Verdict, log: boolean): string {
  const { result } = v;
  // With --log the result's log is the whole walk (and, on a rejection, the report after it).
  const walk = log && result.log !== undefined ? result.log : '';
  if (result.ok) {
    return `${walk}accept ${v.name} (${result.insnsProcessed} insns processed)\n`;
  }
  const report = log ? walk : (result.log ?? `${result.error?.message ?? 'rejected'}\n`);
  return `reject ${v.name} (${result.insnsProcessed} insns processed)\n${report}`;
}

function verifyFile(file: string, bytes: Uint8Array, args: ParsedArgs, log: boolean): Verdict[] {
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('verify', typeText) : undefined;
  const memSize = countOpt(args, 'mem-size');
  if (isElf(bytes)) {
    const obj = openObject(bytes, { verify: false, type });
    return selectPrograms(obj, stringOpt(args, 'program')).map((p) => ({
      name: p.name,
      section: p.section,
      type: p.type,
      result: verifyObjectProgram(obj, p, { log, memSize }),
    }));
  }
  if (stringOpt(args, 'program') !== undefined) {
    throw usageError(`verify: --program is for ELF objects; ${basename(file)} is one program`);
  }
  const loose = loadLoose(file, bytes);
  const progType = type ?? 'unspec';
  const result = verifyLoose(loose, { progType, memSize: memSize ?? loose.mem?.length ?? 0, log });
  return [{ name: loose.name, section: '', type: progType, result }];
}

export function verifyCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const log = flagOpt(args, 'log');
  const verdicts = verifyFile(file, io.readFile(file), args, log);
  if (flagOpt(args, 'json')) {
    io.stdout(JSON.stringify({ programs: verdicts.map(verdictJson) }) + '\n');
  } else {
    io.stdout(verdicts.map((v) => verdictText(v, log)).join(''));
  }
  return Promise.resolve(verdicts.every((v) => v.result.ok) ? 0 : 1);
}
