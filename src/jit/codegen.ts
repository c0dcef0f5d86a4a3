// Program -> WebAssembly binary: the module (imports, globals, the trap function), one function
// per subprogram built from its structured control flow (or through the Relooper when the
// graph is irreducible; exported when the program has callbacks), the `run` entry, and the
// source map tying Wasm offsets to eBPF pcs. In programs that can tail call, the checks that let
// a tail call leave the program by returns (src/runtime/object/tail-call.ts).
// See abi.ts for the module's interface and calling convention.

import { CompileError } from '../errors.js';
import type { Insn, Program } from '../isa/insn.js';
import { infoOf } from '../isa/table.js';
import { R0_SLOT, frameTop } from '../runtime/layout.js';
import {
  EXPORT_RUN,
  EXPORT_SET_BUDGET,
  IMPORT_ENV,
  IMPORT_HELPER,
  IMPORT_MEMORY,
  IMPORT_WASM_HELPERS,
  Local,
  PARAM_COUNT,
  TrapKind,
  subprogramName,
  wasmHelperName,
} from './abi.js';
import { type Expr, WasmModule, WasmTypes } from './binaryen.js';
import {
  type BasicBlock,
  type Cfg,
  type Subprogram,
  blockSize,
  buildCfg,
  targetIndex,
} from './cfg.js';
import {
  BUDGET_GLOBAL,
  BUDGET_INIT_GLOBAL,
  FnContext,
  INPUT_LEN_GLOBAL,
  TRAP_FN,
  trapFunctionBody,
} from './context.js';
import { addMemcmpFunction, usesMemcmp } from './lower-builtins.js';
import {
  armTailCall,
  canTailCall,
  condition,
  exitSequence,
  lowerInsn,
  mayTailCall,
  tailCallCheck,
} from './lower.js';
import { Code } from '../isa/opcodes.js';
import { type Stmt, structure } from './structure.js';

const { i32, i64, none, auto } = WasmTypes;

export interface CodegenOptions {
  readonly optimize: boolean;
  readonly validate: boolean;
  /** Helper ids called through their Wasm implementation (imported as wasm_helpers.h<id>). */
  readonly wasmHelpers: readonly number[];
  /** A packet load fault ends the program with r0 = 0 (PrepareOptions.packetFaultExits). */
  readonly packetFaultExits?: boolean | undefined;
}

export interface CodegenStats {
  readonly insns: number;
  readonly functions: number;
  readonly loops: number;
  /** Subprograms whose graph was irreducible and went through the Relooper. */
  readonly relooped: number;
}

export interface Codegen {
  readonly binary: Uint8Array;
  readonly sourceMap: string | null;
  readonly stats: CodegenStats;
}

/** How one program's functions are named inside a module (several programs may share one). */
export interface ProgramNames {
  /** Function name (and, in programs with callbacks, export name) of a subprogram. */
  fn(entryPc: number): string;
  /** Function and export name of the program's `run` entry. */
  readonly run: string;
}

/** The JIT's names: one program per module. */
export const JIT_NAMES: ProgramNames = { fn: subprogramName, run: EXPORT_RUN };

/** One program to add to a module. */
export interface ProgramUnit {
  readonly program: Program;
  readonly names: ProgramNames;
  /** Helper ids called as Wasm functions, and the function each call goes to. */
  readonly wasmHelpers: ReadonlyMap<number, string>;
  /** Source map file index of the program's pcs (WasmModule.addDebugFile). */
  readonly file: number;
  /** A packet load fault ends the program with r0 = 0 instead of trapping. */
  readonly packetFaultExits?: boolean | undefined;
}

export function generate(program: Program, opts: CodegenOptions): Codegen {
  const w = new WasmModule();
  try {
    const helpers = new Map(opts.wasmHelpers.map((id) => [id, wasmHelperName(id)] as const));
    w.addMemoryImport(IMPORT_ENV, IMPORT_MEMORY);
    declareHelperImport(w);
    const args5 = w.signature([i64, i64, i64, i64, i64]);
    for (const [id, name] of helpers) {
      w.addFunctionImport(name, IMPORT_WASM_HELPERS, wasmHelperName(id), args5, i64);
    }
    declareShared(w, [program]);
    const file = w.addDebugFile('ebpf');
    const { insns, functions, loops, relooped } = addProgram(w, {
      program,
      names: JIT_NAMES,
      wasmHelpers: helpers,
      file,
      packetFaultExits: opts.packetFaultExits,
    });
    return finish(w, opts, { insns, functions, loops, relooped });
  } finally {
    w.dispose();
  }
}

/** Validate and optimize as asked, and emit the binary with its source map. */
export function finish(
  w: WasmModule,
  opts: Pick<CodegenOptions, 'optimize' | 'validate'>,
  stats: CodegenStats,
): Codegen {
  if (opts.validate && !w.validate()) {
    throw new CompileError('COMPILE_FAILED', 'internal: generated WebAssembly does not validate');
  }
  if (opts.optimize) w.optimize();
  const out = w.emit('ebpf.wasm.map');
  return { binary: out.binary, sourceMap: out.sourceMap, stats };
}

/** env.helper(id, pc): every JS helper call goes through it. */
export function declareHelperImport(w: WasmModule): void {
  w.addFunctionImport(IMPORT_HELPER, IMPORT_ENV, IMPORT_HELPER, w.signature([i32, i32]), none);
}

/**
 * What the programs of a module share: the budget globals and set_budget, the input length
 * global (when one of them uses ldabs/ldind), the trap function, memcmp (when one calls it).
 */
export function declareShared(w: WasmModule, programs: readonly Program[]): void {
  w.addGlobal(BUDGET_GLOBAL, i64, true, w.i64Const(0n));
  w.addGlobal(BUDGET_INIT_GLOBAL, i64, true, w.i64Const(0n));
  if (programs.some(usesPacketLoads)) w.addGlobal(INPUT_LEN_GLOBAL, i64, true, w.i64Const(0n));
  w.addFunction(TRAP_FN, w.signature([i32, i32]), none, [], trapFunctionBody(w));
  if (programs.some((p) => usesMemcmp(p.insns, Code.CALL_KFUNC))) addMemcmpFunction(w);
  const budget = w.bin64(
    'or',
    w.extendU(w.localGet(0, i32)),
    w.bin64('shl', w.extendU(w.localGet(1, i32)), w.i64Const(32n)),
  );
  w.addFunction(
    EXPORT_SET_BUDGET,
    w.signature([i32, i32]),
    none,
    [],
    w.globalSet(BUDGET_INIT_GLOBAL, budget),
  );
  w.addFunctionExport(EXPORT_SET_BUDGET, EXPORT_SET_BUDGET);
}

/** Add one program's functions and its run entry to a module that declareShared prepared. */
export function addProgram(
  w: WasmModule,
  unit: ProgramUnit,
): CodegenStats & { readonly callbacks: boolean } {
  const { program } = unit;
  try {
    const cfg = buildCfg(program);
    let loops = 0;
    let relooped = 0;
    const tail = canTailCall(program);
    for (const sub of cfg.subprograms) {
      const r = buildFunction(w, cfg, sub, unit, tail);
      loops += r.loops;
      if (r.relooped) relooped++;
    }
    buildEntry(w, unit.names, usesPacketLoads(program));
    return {
      insns: program.insns.length,
      functions: cfg.subprograms.length,
      loops,
      relooped,
      // its subprograms are exported (callbacks may enter any of them)
      callbacks: cfg.callbacks,
    };
  } catch (e) {
    if (e instanceof RangeError) {
      // JS stack exhausted by a pathologically nested program.
      throw new CompileError(
        'COMPILE_FAILED',
        `program too deeply nested to compile: ${e.message}`,
        { cause: e },
      );
    }
    throw e;
  }
}

function usesPacketLoads(program: Program): boolean {
  return program.insns.some((insn) => {
    const kind = infoOf(insn.code).kind;
    return kind === 'ldabs' || kind === 'ldind';
  });
}

/**
 * run(r1 i32, r2 i32) -> i32: start from the budget set_budget left, note the input length (only
 * programs with ldabs/ldind read that global), call the main subprogram, leave r0 in R0_SLOT.
 */
function buildEntry(w: WasmModule, names: ProgramNames, inputLen: boolean): void {
  const r0 = 2;
  const args: Expr[] = [
    w.i64Const(0n),
    w.extendU(w.localGet(0, i32)),
    w.extendU(w.localGet(1, i32)),
  ];
  while (args.length < PARAM_COUNT - 1) args.push(w.i64Const(0n));
  args.push(w.i64Const(BigInt(frameTop(0))));
  const body: Expr[] = [w.globalSet(BUDGET_GLOBAL, w.globalGet(BUDGET_INIT_GLOBAL, i64))];
  if (inputLen) body.push(w.globalSet(INPUT_LEN_GLOBAL, w.extendU(w.localGet(1, i32))));
  body.push(
    w.localSet(r0, w.call(names.fn(0), args, i64)),
    w.store64('store', R0_SLOT, w.i32Const(0), w.localGet(r0, i64)),
    w.wrap(w.localGet(r0, i64)),
  );
  w.addFunction(names.run, w.signature([i32, i32]), i32, [i64], w.block(null, body, auto));
  w.addFunctionExport(names.run, names.run);
}

function buildFunction(
  w: WasmModule,
  cfg: Cfg,
  sub: Subprogram,
  unit: ProgramUnit,
  tail: boolean,
): { loops: number; relooped: boolean } {
  const { program } = cfg;
  const { names, file } = unit;
  const calleeOf = (insn: Insn): string =>
    names.fn((program.insns[targetIndex(program, insn)] as Insn).pc);
  // The main function only, and not when it may also run as a callback.
  const exits = unit.packetFaultExits === true && sub.entryPc === 0 && !cfg.callbacks;
  const c = new FnContext(w, unit.wasmHelpers, calleeOf, cfg.callbacks, exits);
  const shape = structure(cfg, sub);
  const entryCharge = shape.kind === 'nested' ? shape.entryCharge : 0;
  const body: Expr[] = [w.localSet(Local.BUDGET, w.globalGet(BUDGET_GLOBAL, i64))];
  if (entryCharge > 0) body.push(charge(c, entryCharge, sub.entryPc));
  if (shape.kind === 'nested') emitStmts(c, cfg, shape.body, body, tail);
  else body.push(relooperBody(c, cfg, sub, tail));
  body.push(w.unreachable());
  const params = w.signature(new Array<number>(PARAM_COUNT).fill(i64));
  const vars = [i64, i64, i64, i32, i32]; // Local.BUDGET, TMP_A, TMP_B, ADDR, LABEL
  const name = names.fn(sub.entryPc);
  const fn = w.addFunction(name, params, i64, vars, w.block(null, body, auto));
  // Any subprogram entry may be a callback (the interpreter accepts each one), so export all.
  if (cfg.callbacks) w.addFunctionExport(name, name);
  // Source map: line = pc + 1 (binaryen writes lines 0-based, so the map holds the pc).
  for (let i = 0; i < c.markedExprs.length; i++) {
    w.setDebugLocation(fn, c.markedExprs[i] as Expr, file, (c.markedPcs[i] as number) + 1);
  }
  return {
    loops: shape.kind === 'nested' ? shape.loops : 0,
    relooped: shape.kind === 'irreducible',
  };
}

/** budget -= n; trap BUDGET_EXHAUSTED (at `pc`) when it goes negative. */
function charge(c: FnContext, n: number, pc: number): Expr {
  const { w } = c;
  const left = w.localTee(
    Local.BUDGET,
    w.bin64('sub', w.localGet(Local.BUDGET, i64), w.i64Const(BigInt(n))),
    i64,
  );
  return w.if(w.cmp64('lt_s', left, w.i64Const(0n)), c.trap(TrapKind.BUDGET, pc));
}

function lastInsn(cfg: Cfg, block: number): Insn {
  return cfg.program.insns[(cfg.blocks[block] as BasicBlock).last] as Insn;
}

/**
 * Statements for a block's instructions; its closing jump or exit is left to the caller. In a
 * program that can tail call (`tail`), calls that may be bpf_tail_call are armed before and
 * checked after, and so are bpf-to-bpf calls after (their callee may have tail-called): see
 * src/runtime/object/tail-call.ts.
 */
function blockCode(c: FnContext, cfg: Cfg, block: number, out: Expr[], tail: boolean): void {
  const b = cfg.blocks[block] as BasicBlock;
  for (let i = b.first; i <= b.last; i++) {
    const insn = cfg.program.insns[i] as Insn;
    const kind = infoOf(insn.code).kind;
    if (kind === 'jmp' || kind === 'exit') continue;
    if (!tail) {
      out.push(lowerInsn(c, insn));
    } else if (mayTailCall(insn)) {
      out.push(armTailCall(c), lowerInsn(c, insn), tailCallCheck(c, insn.code === Code.CALLX));
    } else if (insn.code === Code.CALL_LOCAL) {
      out.push(lowerInsn(c, insn), tailCallCheck(c, false));
    } else {
      out.push(lowerInsn(c, insn));
    }
  }
}

function falloffPc(cfg: Cfg): number {
  const insns = cfg.program.insns;
  return (insns[insns.length - 1] as Insn).pc;
}

function emitStmts(
  c: FnContext,
  cfg: Cfg,
  stmts: readonly Stmt[],
  out: Expr[],
  tail: boolean,
): void {
  const { w } = c;
  const list = (body: readonly Stmt[]): Expr[] => {
    const children: Expr[] = [];
    emitStmts(c, cfg, body, children, tail);
    return children;
  };
  for (const s of stmts) {
    switch (s.k) {
      case 'code':
        blockCode(c, cfg, s.block, out, tail);
        break;
      case 'block':
        out.push(w.block(s.label, list(s.body)));
        break;
      case 'loop': {
        const header = (cfg.program.insns[(cfg.blocks[s.header] as BasicBlock).first] as Insn).pc;
        const children = [charge(c, s.charge, header), ...list(s.body)];
        out.push(w.loop(s.label, w.block(null, children)));
        break;
      }
      case 'if':
        out.push(w.if(condition(c, lastInsn(cfg, s.block), false), w.block(null, list(s.then))));
        break;
      case 'br':
        out.push(w.br(s.label));
        break;
      case 'brIf':
        out.push(w.brIf(s.label, condition(c, lastInsn(cfg, s.block), s.negate)));
        break;
      case 'exit':
        out.push(exitSequence(c));
        break;
      case 'falloff':
        out.push(c.trap(TrapKind.FELL_OFF_END, falloffPc(cfg)));
        break;
    }
  }
}

/**
 * Irreducible graph: hand the blocks to binaryen's Relooper (quadratic, so only here). Edges
 * are already deduplicated by the CFG (the Relooper crashes on two branches to one target).
 * Every block is charged its own size, so the budget count is exact on this path.
 */
function relooperBody(c: FnContext, cfg: Cfg, sub: Subprogram, tail: boolean): Expr {
  const { w } = c;
  const rl = w.relooper();
  const refs = new Map<number, number>();
  for (const id of sub.blocks) {
    const b = cfg.blocks[id] as BasicBlock;
    const code: Expr[] = [];
    const size = blockSize(b);
    if (size > 0) code.push(charge(c, size, (cfg.program.insns[b.first] as Insn).pc));
    blockCode(c, cfg, id, code, tail);
    if (b.end === 'exit') code.push(exitSequence(c));
    else if (b.end === 'falloff') code.push(c.trap(TrapKind.FELL_OFF_END, falloffPc(cfg)));
    refs.set(id, rl.addBlock(w.block(null, code)));
  }
  const ref = (id: number): number => refs.get(id) as number;
  for (const id of sub.blocks) {
    const b = cfg.blocks[id] as BasicBlock;
    if (b.end === 'cond') {
      const [t, f] = b.succs as [number, number];
      rl.addBranch(ref(id), ref(t), condition(c, lastInsn(cfg, id), false));
      rl.addBranch(ref(id), ref(f), null);
    } else if (b.end === 'goto') {
      rl.addBranch(ref(id), ref(b.succs[0] as number), null);
    }
  }
  return rl.render(ref(sub.entry), Local.LABEL);
}
