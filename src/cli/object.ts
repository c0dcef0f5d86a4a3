// What the object commands (info, run, compile, verify) share: telling an ELF object from the
// other program forms, reading `--type`, opening the object on the Vm, picking `--program`, and
// verifying one program exactly as the Vm does before it prepares it (same program type, maps,
// helper prototypes and line info), so `verify` says what `run` would say.

import { basename } from 'node:path';
import { BpfError } from '../errors.js';
import { PROG_TYPES, type ProgType } from '../elf/prog-type.js';
import type { Program } from '../isa/insn.js';
import { conformanceVm } from '../conformance/runner.js';
import type { EngineName } from '../runtime/engine.js';
import { HelperRegistry } from '../runtime/helpers.js';
import type { ObjectProgram, VmObject } from '../runtime/object/index.js';
import { protoLookup, verify, type VerifyResult } from '../verifier/index.js';
import { Vm } from '../vm.js';
import { usageError } from './args.js';
import { isElf, loadProgram } from './input.js';

export { isElf };

/** The names people use for program types besides the kernel's (bpftool/libbpf spellings). */
const TYPE_ALIASES: Readonly<Record<string, ProgType>> = {
  tc: 'sched_cls',
  classifier: 'sched_cls',
  action: 'sched_act',
  socket: 'socket_filter',
  tp: 'tracepoint',
  raw_tp: 'raw_tracepoint',
  raw: 'unspec',
};

/** Help text for `--type`. */
export const TYPE_HELP =
  'program type: a kernel name (xdp, sched_cls, socket_filter, kprobe, tracepoint, unspec, ...) or tc, socket, tp';

/** `--type TEXT` as a program type; a usage error naming the option for anything else. */
export function parseProgType(command: string, text: string): ProgType {
  const lower = text.toLowerCase();
  const alias = TYPE_ALIASES[lower];
  if (alias !== undefined) return alias;
  const known = PROG_TYPES.find((t) => t === lower);
  if (known === undefined) {
    throw usageError(`${command}: --type '${text}' is not a program type (try xdp, tc, socket)`);
  }
  return known;
}

export interface OpenObjectOptions {
  readonly engine?: EngineName | undefined;
  readonly verify: boolean;
  readonly type?: ProgType | undefined;
}

/** Open an ELF object's bytes on the Vm (maps created, programs relocated). */
export function openObject(bytes: Uint8Array, opts: OpenObjectOptions): VmObject {
  return Vm.open(bytes, {
    verify: opts.verify,
    ...(opts.engine !== undefined ? { engine: opts.engine } : {}),
    ...(opts.type !== undefined ? { programType: opts.type } : {}),
  });
}

/** Every program of the object, or only the one `--program` names (PROG_NOT_FOUND if none). */
export function selectPrograms(obj: VmObject, name: string | undefined): readonly ObjectProgram[] {
  return name === undefined ? obj.programs : [obj.program(name)];
}

/**
 * Verify one program of an object as VmObject's gate does before preparing it: its type, the
 * object's maps, the kernel's prototypes for the registered helpers, its line info. `memSize`
 * only matters to unspec programs (the gate gives them none, i.e. 0).
 */
export function verifyObjectProgram(
  obj: VmObject,
  p: ObjectProgram,
  opts: { readonly log: boolean; readonly memSize?: number | undefined },
): VerifyResult {
  return obj.verify(
    p.name,
    opts.memSize !== undefined ? { log: opts.log, memSize: opts.memSize } : { log: opts.log },
  );
}

/** A program given as assembly, bytecode, hex words or a .data file: one unnamed program. */
export interface LooseProgram {
  /** The file's base name, standing in for a program name. */
  readonly name: string;
  readonly program: Program;
  /** A .data file's input memory (what it runs with), when it has one. */
  readonly mem?: Uint8Array;
  /** The helpers `run` would give it: none, or the conformance suite's for a .data file. */
  readonly helpers: HelperRegistry;
}

/** Read a non-ELF program file (the forms `run` and `disasm` accept). */
export function loadLoose(path: string, bytes: Uint8Array): LooseProgram {
  const loaded = loadProgram(path, bytes);
  const helpers = loaded.kind === 'data' ? conformanceVm('interp').helpers : new HelperRegistry();
  return {
    name: basename(path),
    program: loaded.program,
    helpers,
    ...(loaded.test?.mem !== undefined ? { mem: loaded.test.mem } : {}),
  };
}

/**
 * Verify a loose program as the raw Vm's gate does: a helper it calls is known only when
 * registered, and then checked without a prototype (ids are the user's own there).
 */
export function verifyLoose(
  loose: LooseProgram,
  opts: { readonly progType: string; readonly memSize: number; readonly log: boolean },
): VerifyResult {
  return verify(loose.program, { ...opts, helpers: protoLookup(loose.helpers) });
}

/** An error as `--json` shows it: `{code, insn, message}`; a non-BpfError is a bug, rethrown. */
export function errorJson(e: unknown): { code: string; insn: number | null; message: string } {
  if (!(e instanceof BpfError)) throw e;
  return e.toJSON();
}
