// `ebpf-wasm compile FILE`: verify and JIT-compile every program of an ELF object (or the one
// --program names, or the one program of an assembly/bytecode file), reporting each and going on
// past failures; `-o out.wasm` writes the module of a single program. Object programs are
// compiled through the object's own prepare path (VmObject.prepare on the 'jit' engine: the
// relocated program, its helper check and its Wasm helper imports), so the module is the one
// `run --engine jit` executes. The JIT (binaryen) is imported only here, when a command needs it.

import { basename } from 'node:path';
import { ensureEngine } from '../conformance/engines.js';
import { CompileError } from '../errors.js';
import type { ObjectProgram, VmObject } from '../runtime/object/index.js';
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
  type LooseProgram,
  openObject,
  parseProgType,
  selectPrograms,
  TYPE_HELP,
  verifyLoose,
  verifyObjectProgram,
} from './object.js';

export const compileSpec: CommandSpec = {
  name: 'compile',
  summary:
    'Verify and JIT-compile programs to WebAssembly.\n' +
    'FILE is an ELF object (every program, or --program NAME), or one program as assembly,\n' +
    'raw bytecode, hex words or a .data file. Prints a line per program and goes on past a\n' +
    'failure; exits 1 if any program failed. -o writes the .wasm of a single program.',
  positionals: [{ name: 'FILE', help: 'an ELF object or a program file' }],
  options: [
    { name: 'program', value: 'string', valueName: 'NAME', help: 'ELF: compile only this program' },
    {
      name: 'output',
      short: 'o',
      value: 'string',
      valueName: 'OUT',
      help: 'write the .wasm module (one program only)',
    },
    { name: 'type', value: 'string', valueName: 'TYPE', help: `override the ${TYPE_HELP}` },
    {
      name: 'mem-size',
      value: 'count',
      valueName: 'N',
      help: 'bytes at r1 the verifier assumes for unspec programs (default 0)',
    },
    { name: 'json', help: 'print one JSON object' },
    { name: 'no-verify', help: 'compile without verifying first' },
  ],
  notes: [
    'The module imports the VM memory and helpers (env.memory, env.helper, wasm_helpers.*): it',
    'runs inside this runtime; standalone AOT modules for whole objects are not done yet.',
    '',
    'JSON: {"programs":[{"name","section","type","insns","ok","error":{"code","insn","message"}|null}]}',
    '',
    'Examples:',
    '  ebpf-wasm compile corpus/obj/tail_calls.o',
    '  ebpf-wasm compile corpus/obj/xdp_firewall.o --program xdp_firewall -o fw.wasm',
  ],
};

interface Compiled {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly insns: number;
  readonly wasm?: Uint8Array;
  readonly ms?: number;
  readonly error?: unknown;
}

type Jit = typeof import('../jit/index.js');

/** The verifier's rejection as the failure of this program, or nothing when it may go on. */
function rejection(result: VerifyResult | undefined): { error: unknown } | undefined {
  if (result === undefined || result.ok) return undefined;
  return { error: result.error };
}

function compileObjectProgram(
  jit: Jit,
  obj: VmObject,
  p: ObjectProgram,
  check: boolean,
  memSize: number | undefined,
): Compiled {
  const base = { name: p.name, section: p.section, type: p.type, insns: p.program.insns.length };
  try {
    const refused = rejection(
      check ? verifyObjectProgram(obj, p, { log: false, memSize }) : undefined,
    );
    if (refused !== undefined) return { ...base, ...refused };
    const t0 = performance.now();
    const exe = obj.prepare(p.name, 'jit');
    if (!(exe instanceof jit.JitExecutable)) {
      throw new CompileError('COMPILE_FAILED', `the 'jit' engine did not give a JIT executable`);
    }
    return { ...base, wasm: exe.compiled.wasm, ms: performance.now() - t0 };
  } catch (error) {
    return { ...base, error };
  }
}

function compileLoose(
  jit: Jit,
  loose: LooseProgram,
  verifyOpts: { readonly progType: string; readonly memSize: number },
  check: boolean,
): Compiled {
  const { name, program } = loose;
  const base = { name, section: '', type: verifyOpts.progType, insns: program.insns.length };
  try {
    const refused = rejection(
      check ? verifyLoose(loose, { ...verifyOpts, log: false }) : undefined,
    );
    if (refused !== undefined) return { ...base, ...refused };
    const t0 = performance.now();
    // What the Vm's JIT engine compiles for a program outside an object: no Wasm helpers.
    const compiled = jit.compile(program, { ...jit.jitOptions });
    return { ...base, wasm: compiled.wasm, ms: performance.now() - t0 };
  } catch (error) {
    return { ...base, error };
  }
}

function compiledJson(c: Compiled): object {
  return {
    name: c.name,
    section: c.section,
    type: c.type,
    insns: c.insns,
    ok: c.error === undefined,
    error: c.error === undefined ? null : errorJson(c.error),
  };
}

function compiledText(c: Compiled): string {
  if (c.error !== undefined) return `FAIL ${c.name}: ${errorJson(c.error).message}\n`;
  const ms = (c.ms ?? 0).toFixed(1);
  return `ok ${c.name} (${c.type}): ${c.insns} insns -> ${c.wasm?.length ?? 0} bytes of wasm in ${ms} ms\n`;
}

export async function compileCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  const out = stringOpt(args, 'output');
  const name = stringOpt(args, 'program');
  const check = !flagOpt(args, 'no-verify');
  const memSize = countOpt(args, 'mem-size');
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('compile', typeText) : undefined;
  await ensureEngine('jit');
  const jit = await import('../jit/index.js');

  let results: Compiled[];
  if (isElf(bytes)) {
    // The object is opened unverified: each program is verified here, so one rejected program
    // is reported and the others still compile.
    const obj = openObject(bytes, { engine: 'jit', verify: false, type });
    const programs = selectPrograms(obj, name);
    if (out !== undefined && programs.length > 1) {
      throw usageError(
        `compile: ${basename(file)} has ${programs.length} programs: name one with --program to write ${out}`,
      );
    }
    results = programs.map((p) => compileObjectProgram(jit, obj, p, check, memSize));
  } else {
    if (name !== undefined) {
      throw usageError(`compile: --program is for ELF objects; ${basename(file)} is one program`);
    }
    const loose = loadLoose(file, bytes);
    const size = countOpt(args, 'mem-size') ?? loose.mem?.length ?? 0;
    results = [compileLoose(jit, loose, { progType: type ?? 'unspec', memSize: size }, check)];
  }

  const only = results.length === 1 ? results[0] : undefined;
  if (out !== undefined && only?.wasm !== undefined) io.writeFile(out, only.wasm);
  if (flagOpt(args, 'json')) {
    io.stdout(JSON.stringify({ programs: results.map(compiledJson) }) + '\n');
  } else {
    io.stdout(results.map(compiledText).join(''));
    if (out !== undefined && only?.wasm !== undefined) io.stdout(`wrote ${out}\n`);
  }
  return results.every((c) => c.error === undefined) ? 0 : 1;
}
