// The JIT as an Engine: prepare = compile (cached) + instantiate against the VM's memory with the
// helper imports; running is WasmExecutable's (executable.ts), shared with AOT modules.

import { Code } from '../isa/opcodes.js';
import type { Program } from '../isa/insn.js';
import type { Engine, ExecEnv, Executable, PrepareOptions } from '../runtime/engine.js';
import {
  EXPORT_RUN,
  EXPORT_SET_BUDGET,
  IMPORT_ENV,
  IMPORT_HELPER,
  IMPORT_MEMORY,
  IMPORT_WASM_HELPERS,
  subprogramPcOf,
  wasmHelperName,
} from './abi.js';
import { type CompileOptions, type CompiledModule, compile } from './compile.js';
import { helperImport, type SubprogramFn, WasmExecutable } from './executable.js';
import { translateTrap } from './traps.js';

/** Options the JIT engine compiles with (tests turn validation on). */
export const jitOptions: { optimize: boolean; validate: boolean } = {
  optimize: false,
  validate: false,
};

/** Ids of `call imm` helpers that have a Wasm implementation in `env`. */
export function wasmHelperIds(program: Program, env: ExecEnv): number[] {
  const ids = new Set<number>();
  for (const insn of program.insns) {
    if (insn.code !== Code.CALL_HELPER) continue;
    const id = insn.imm >>> 0;
    if (env.helpers.get(id)?.wasm !== undefined) ids.add(id);
  }
  return [...ids];
}

export const jitEngine: Engine = {
  name: 'jit',
  prepare(program: Program, env: ExecEnv, prep: PrepareOptions = {}): Executable {
    const opts: CompileOptions = {
      ...jitOptions,
      wasmHelpers: wasmHelperIds(program, env),
      packetFaultExits: prep.packetFaultExits,
    };
    return new JitExecutable(compile(program, opts), env);
  },
};

/** A program compiled by the JIT, in its own instance over the VM's memory. */
export class JitExecutable extends WasmExecutable {
  constructor(
    readonly compiled: CompiledModule,
    env: ExecEnv,
  ) {
    const { call, helper } = helperImport(env);
    const wasmImports: Record<string, (...args: bigint[]) => bigint> = {};
    for (const id of compiled.wasmHelpers) {
      const fn = env.helpers.get(id)?.wasm;
      if (fn !== undefined) wasmImports[wasmHelperName(id)] = fn;
    }
    const instance = new WebAssembly.Instance(compiled.module, {
      [IMPORT_ENV]: { [IMPORT_MEMORY]: env.memory.memory, [IMPORT_HELPER]: helper },
      [IMPORT_WASM_HELPERS]: wasmImports,
    });
    const subprograms = new Map<number, SubprogramFn>();
    for (const [name, fn] of Object.entries(instance.exports)) {
      const entryPc = subprogramPcOf(name);
      if (entryPc !== undefined) subprograms.set(entryPc, fn as SubprogramFn);
    }
    super(
      {
        call,
        setBudget: instance.exports[EXPORT_SET_BUDGET] as (lo: number, hi: number) => void,
        budget: { value: -1 },
      },
      {
        run: instance.exports[EXPORT_RUN] as (r1: number, r2: number) => number,
        subprograms,
        translate: (e, budget) => translateTrap(e, env.memory, compiled.pcMap, budget),
      },
      env,
    );
  }
}
