// What the CLI does with ahead-of-time modules: telling a Wasm module from the other inputs,
// compiling an ELF object or a single program into one (the AOT compiler imports binaryen, so it
// is imported only when a command compiles), and opening a module (or only its manifest) on the
// light runtime with errors that name the file.
//
// Every .wasm the CLI writes has the same format: a program given as assembly, bytecode, hex
// words or a .data file becomes a one-program object first (looseObject), so `run`, `bench` and
// `info` read any of them the same way, and so does `loadAot` in user code.

import { basename } from 'node:path';
import type { AotModule, AotOptions } from '../aot/compile.js';
import { type Manifest, readManifest } from '../aot/manifest.js';
import { programObject } from '../aot/program-object.js';
import { AotObject } from '../aot/object.js';
import { ensureEngine } from '../conformance/engines.js';
import type { BpfObject } from '../elf/object.js';
import type { ProgType } from '../elf/prog-type.js';
import { BpfError, CompileError, LoadError } from '../errors.js';
import { infoOf } from '../isa/table.js';
import type { HostEnv } from '../runtime/helpers/host.js';
import { DEFAULT_DATA_CAPACITY } from '../runtime/layout.js';
import { nameOfHelper, type VmObject } from '../runtime/object/index.js';
import { throwIfRejected } from '../verifier/gate.js';
import { type LooseProgram, openObject, verifyLoose } from './object.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A WebAssembly binary (magic `\0asm`), whatever its extension. */
export function isWasm(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** The AOT compiler, imported on first use (it pulls in binaryen, ~0.5 s). */
async function aotCompiler(): Promise<
  (input: Uint8Array | BpfObject, opts: AotOptions) => AotModule
> {
  try {
    await ensureEngine('jit');
  } catch (e) {
    if (!(e instanceof BpfError) || e.code !== 'UNSUPPORTED') throw e;
    throw new BpfError(
      'load',
      'UNSUPPORTED',
      'compiling ahead of time needs the JIT (binaryen), which is not part of this build; ' +
        'AOT modules (.wasm) still run',
      { cause: e },
    );
  }
  return (await import('../jit/index.js')).compileAot;
}

/**
 * A program outside any object as a one-program object: no maps, no relocations, the program
 * type `--type` gave (or unspec), named after its file as `run` and `compile` name it.
 */
export function looseObject(loose: LooseProgram, type: ProgType): BpfObject {
  return programObject(loose.program, { name: loose.name, type });
}

/**
 * A .data file's program may call the conformance suite's test helpers, which `run` registers
 * for it; an AOT module's helper ids are the kernel's (id 5 is bpf_ktime_get_ns there), so such
 * a call would silently mean another helper. Refused, naming the call.
 */
function refuseLooseHelpers(loose: LooseProgram): void {
  for (const insn of loose.program.insns) {
    if (infoOf(insn.code).kind !== 'call' || insn.src !== 0) continue;
    const own = loose.helpers.get(insn.imm);
    if (own === undefined) continue;
    throw new CompileError(
      'UNKNOWN_HELPER',
      `${loose.name} calls helper ${insn.imm} (${own.name}), a test helper of the conformance ` +
        `suite: an AOT module calls the standard helpers, where ${insn.imm} is ${nameOfHelper(insn.imm)}`,
      { insn: insn.pc },
    );
  }
}

export interface LooseAotOptions {
  readonly type: ProgType;
  readonly verify: boolean;
  /** Bytes of input the verifier assumes at r1 (the input `run` or `bench` will give it). */
  readonly memSize: number;
  readonly source: string;
}

/**
 * Compile one loose program ahead of time. It is verified as the raw Vm verifies it (its own
 * helpers, `memSize` bytes of input), the gate `run`, `bench` and `verify` apply to such files;
 * compileAot then verifies it again with the object runtime's helpers and the same input size,
 * so its manifest says `verified: true`.
 */
export async function compileLooseAot(
  loose: LooseProgram,
  opts: LooseAotOptions,
): Promise<AotModule> {
  refuseLooseHelpers(loose);
  if (opts.verify) {
    throwIfRejected(verifyLoose(loose, { progType: opts.type, memSize: opts.memSize, log: false }));
  }
  const compileAot = await aotCompiler();
  return compileAot(looseObject(loose, opts.type), {
    verify: opts.verify,
    memSize: opts.memSize,
    source: opts.source,
    // As the raw Vm sizes its data area: room for the input, however long.
    dataCapacity: Math.max(DEFAULT_DATA_CAPACITY, opts.memSize),
  });
}

export interface ObjectAotOptions {
  readonly type?: ProgType | undefined;
  readonly verify: boolean;
  /** Programs to put in the module (default: all). */
  readonly programs?: readonly string[] | undefined;
  readonly source: string;
}

/** Compile (the selected programs of) an ELF object ahead of time, each one verified. */
export async function compileObjectAot(
  bytes: Uint8Array,
  opts: ObjectAotOptions,
): Promise<AotModule> {
  const compileAot = await aotCompiler();
  return compileAot(bytes, {
    verify: opts.verify,
    source: opts.source,
    ...(opts.programs !== undefined ? { programs: opts.programs } : {}),
    ...(opts.type !== undefined ? { programType: opts.type } : {}),
  });
}

/**
 * The module `run`/`bench --engine aot` run an ELF object's program `name` on: every program
 * the verifier accepts (a tail call may reach any of them), as a VmObject would prepare them one
 * by one. `name` itself must pass: its rejection is the error, as on the other engines.
 */
export async function compileForRun(
  file: string,
  bytes: Uint8Array,
  name: string,
  opts: { readonly type?: ProgType | undefined; readonly verify: boolean },
): Promise<AotModule> {
  let programs: string[] | undefined;
  if (opts.verify) {
    const obj: VmObject = openObject(bytes, { verify: false, type: opts.type });
    const target = obj.program(name);
    throwIfRejected(obj.verify(target.name));
    programs = obj.programs.filter((p) => p === target || obj.verify(p.name).ok).map((p) => p.name);
  }
  return compileObjectAot(bytes, { ...opts, programs, source: basename(file) });
}

/**
 * Open a module on the light runtime. Anything that is not a module this runtime can run is a
 * LoadError (AOT_BAD_MODULE, AOT_MISMATCH) naming the file.
 */
export function openAot(
  file: string,
  bytes: Uint8Array,
  opts: { readonly budget?: number | undefined; readonly host?: HostEnv | undefined } = {},
): AotObject {
  try {
    return AotObject.fromBytesSync(bytes, opts);
  } catch (e) {
    throw namedAotError(file, e);
  }
}

/** The manifest of a module's bytes (nothing is instantiated). */
export function manifestOf(file: string, bytes: Uint8Array): Manifest {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (cause) {
    const why = `not a valid WebAssembly module: ${String(cause)}`;
    throw new LoadError('AOT_BAD_MODULE', `${basename(file)}: ${why}`, { cause });
  }
  try {
    return readManifest(module);
  } catch (e) {
    throw namedAotError(file, e);
  }
}

/** The runtime's AOT_BAD_MODULE / AOT_MISMATCH again, naming the file it is about. */
function namedAotError(file: string, e: unknown): unknown {
  if (!(e instanceof LoadError) || (e.code !== 'AOT_BAD_MODULE' && e.code !== 'AOT_MISMATCH')) {
    return e;
  }
  const why =
    e.code === 'AOT_MISMATCH' || e.detail.startsWith('not a valid')
      ? e.detail
      : `not an ebpf-wasm AOT module (${e.detail})`;
  return new LoadError(e.code, `${basename(file)}: ${why}`, { cause: e });
}

/** The program `--program` names, or the only one; a usage error when that is ambiguous. */
export function onlyProgramName(
  command: string,
  file: string,
  programs: readonly { readonly name: string }[],
): string {
  const [only, ...more] = programs;
  if (only !== undefined && more.length === 0) return only.name;
  throw new BpfError(
    'cli',
    'USAGE',
    `${command}: ${basename(file)} has ${programs.length} programs: name one with --program (have: ${programs.map((p) => p.name).join(', ')})`,
  );
}
