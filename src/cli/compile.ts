// `ebpf-wasm compile FILE`: verify and JIT-compile every program of an ELF object (or the one
// --program names, or the one program of an assembly/bytecode file), reporting each and going on
// past failures. Object programs are compiled through the object's own prepare path
// (VmObject.prepare on the 'jit' engine: the relocated program, its helper check and its Wasm
// helper imports), so each report is about the code `run --engine jit` executes.
// `-o out.wasm` then writes one AOT module (src/aot/) of all the selected programs, when every
// one of them succeeded: self-contained (map code and the maps' initial image linked in, the
// manifest in a custom section), run later by `run`/`bench` or the `ebpf-wasm/runtime` entry.
// A single program file becomes a one-program object first, so every .wasm has that format.
// The JIT (binaryen) is imported only here, when a command needs it.

import { basename } from 'node:path';
import { ensureEngine } from '../conformance/engines.js';
import type { AotModule } from '../aot/compile.js';
import { encodeManifest, MANIFEST_SECTION } from '../aot/manifest.js';
import { BpfError, CompileError } from '../errors.js';
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
import { compileLooseAot, compileObjectAot } from './aot.js';
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
    'Verify and JIT-compile programs to WebAssembly; -o writes them as one AOT module.\n' +
    'FILE is an ELF object (every program, or --program NAME), or one program as assembly,\n' +
    'raw bytecode, hex words or a .data file. Prints a line per program and goes on past a\n' +
    'failure; exits 1 if any program failed. With -o, when every program succeeded, writes one\n' +
    'self-contained .wasm of all of them (or the one --program names); if any failed, nothing.',
  positionals: [{ name: 'FILE', help: 'an ELF object or a program file' }],
  options: [
    { name: 'program', value: 'string', valueName: 'NAME', help: 'ELF: compile only this program' },
    {
      name: 'output',
      short: 'o',
      value: 'string',
      valueName: 'OUT',
      help: 'write the AOT module (.wasm) of the compiled programs',
    },
    {
      name: 'manifest',
      value: 'string',
      valueName: 'FILE',
      help: "with -o: also write the module's manifest as JSON",
    },
    { name: 'wat', value: 'string', valueName: 'FILE', help: 'with -o: also write the text form' },
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
    "The module holds the programs, the map code and the maps' initial contents, and a manifest",
    "(custom section 'ebpf-wasm.manifest': programs, exports, maps, memory layout). It imports",
    'only env.memory and env.helper (JS helpers): `ebpf-wasm run/bench/info OUT.wasm` use it,',
    "and so does the light runtime (import { loadAot } from 'ebpf-wasm/runtime'), which needs",
    'neither binaryen nor the ELF loader. A program file becomes an object of one program of',
    'type unspec (or --type), named after the file. Its module is verified for --mem-size bytes',
    "of input; with a size other than 0 the check is the CLI's, and the manifest records the",
    'program as not verified by the AOT compiler.',
    '',
    'JSON: {"programs":[{"name","section","type","insns","ok","error":{"code","insn","message"}|null}]}',
    'With -o it also has "module":{"file","written","programs","bytes","error"}.',
    '',
    'Examples:',
    '  ebpf-wasm compile corpus/obj/tail_calls.o',
    '  ebpf-wasm compile corpus/obj/tail_calls.o -o tail_calls.wasm --manifest tail_calls.json',
    '  ebpf-wasm compile corpus/obj/xdp_firewall.o --program xdp_firewall -o fw.wasm',
    '  ebpf-wasm compile corpus/asm/sum.s -o sum.wasm && ebpf-wasm run sum.wasm --mem-hex "01 02"',
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

/** What became of `-o`: the module written, or why not. */
interface ModuleOutcome {
  readonly file: string;
  readonly module?: AotModule;
  /** Why nothing was written: programs failed (their lines say why), or the AOT compile did. */
  readonly error?: unknown;
  readonly failed?: number;
}

function moduleJson(m: ModuleOutcome): object {
  return {
    file: m.file,
    written: m.module !== undefined,
    programs: m.module?.manifest.programs.length ?? null,
    bytes: m.module?.wasm.length ?? null,
    error: m.error === undefined ? null : errorJson(m.error),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function moduleText(m: ModuleOutcome, total: number): string {
  if (m.module !== undefined) {
    const { manifest, wasm } = m.module;
    const section = encodeManifest(manifest).length;
    return (
      `wrote ${m.file} (${plural(manifest.programs.length, 'program')}, ${wasm.length} bytes, ` +
      `manifest: ${plural(manifest.maps.length, 'map')}, ${section} bytes in section ${MANIFEST_SECTION})\n`
    );
  }
  if (m.error !== undefined) {
    return `FAIL module ${m.file}: ${errorJson(m.error).message}\nnothing written\n`;
  }
  return `not writing ${m.file}: ${m.failed ?? 0} of ${plural(total, 'program')} failed\n`;
}

/** Compile the module; a user error (a BpfError) is the outcome, anything else a bug. */
async function buildModule(file: string, make: () => Promise<AotModule>): Promise<ModuleOutcome> {
  try {
    return { file, module: await make() };
  } catch (error) {
    if (!(error instanceof BpfError)) throw error;
    return { file, error };
  }
}

export async function compileCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  const out = stringOpt(args, 'output');
  const manifestFile = stringOpt(args, 'manifest');
  const watFile = stringOpt(args, 'wat');
  if (out === undefined && (manifestFile !== undefined || watFile !== undefined)) {
    throw usageError(`compile: --${manifestFile !== undefined ? 'manifest' : 'wat'} needs -o`);
  }
  const name = stringOpt(args, 'program');
  const check = !flagOpt(args, 'no-verify');
  const memSize = countOpt(args, 'mem-size');
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('compile', typeText) : undefined;
  await ensureEngine('jit');
  const jit = await import('../jit/index.js');
  const source = basename(file);

  let results: Compiled[];
  let makeModule: () => Promise<AotModule>;
  if (isElf(bytes)) {
    // The object is opened unverified: each program is verified here, so one rejected program
    // is reported and the others still compile.
    const obj = openObject(bytes, { engine: 'jit', verify: false, type });
    const programs = selectPrograms(obj, name);
    results = programs.map((p) => compileObjectProgram(jit, obj, p, check, memSize));
    const names = name !== undefined ? programs.map((p) => p.name) : undefined;
    makeModule = () => compileObjectAot(bytes, { type, verify: check, programs: names, source });
  } else {
    if (name !== undefined) {
      throw usageError(`compile: --program is for ELF objects; ${source} is one program`);
    }
    const loose = loadLoose(file, bytes);
    const size = memSize ?? loose.mem?.length ?? 0;
    const progType = type ?? 'unspec';
    results = [compileLoose(jit, loose, { progType, memSize: size }, check)];
    makeModule = () =>
      compileLooseAot(loose, { type: progType, verify: check, memSize: size, source });
  }

  const failed = results.filter((c) => c.error !== undefined).length;
  let outcome: ModuleOutcome | undefined;
  if (out !== undefined) {
    outcome = failed > 0 ? { file: out, failed } : await buildModule(out, makeModule);
    const module = outcome.module;
    if (module !== undefined) {
      io.writeFile(out, module.wasm);
      if (manifestFile !== undefined) {
        io.writeFile(
          manifestFile,
          new TextEncoder().encode(JSON.stringify(module.manifest, null, 2) + '\n'),
        );
      }
      if (watFile !== undefined) io.writeFile(watFile, new TextEncoder().encode(module.wat()));
    }
  }
  if (flagOpt(args, 'json')) {
    const json = { programs: results.map(compiledJson) };
    io.stdout(
      JSON.stringify(outcome === undefined ? json : { ...json, module: moduleJson(outcome) }) +
        '\n',
    );
  } else {
    io.stdout(results.map(compiledText).join(''));
    if (outcome !== undefined) {
      io.stdout(moduleText(outcome, results.length));
      if (outcome.module !== undefined) {
        if (manifestFile !== undefined) io.stdout(`wrote ${manifestFile} (manifest)\n`);
        if (watFile !== undefined) io.stdout(`wrote ${watFile} (text form)\n`);
      }
    }
  }
  return failed === 0 && outcome?.error === undefined ? 0 : 1;
}
