// The project's only door to binaryen.js: a thin typed façade with one small method per
// expression kind the JIT uses, plus module creation (features set explicitly), emit, validate,
// optimize and dispose. Everything else in src/jit speaks to `WasmModule`, never to binaryen.
//
// Facts about binaryen.js 132 this file encodes (DESIGN.md §4):
// - features default to MVP; BulkMemory without BulkMemoryOpt crashes at emit, so both are set;
// - `i64.const` takes a single bigint (the `(low, high)` form crashes);
// - `block()` defaults to result type none;
// - optimize settings are process-global, so they are set right before every optimize;
// - every module must be disposed (it lives in binaryen's own heap).

import binaryen from 'binaryen';

export type Expr = number;
export type WasmType = number;
export type FuncRef = number;

export const WasmTypes = {
  none: binaryen.none,
  i32: binaryen.i32,
  i64: binaryen.i64,
  unreachable: binaryen.unreachable,
  auto: binaryen.auto,
} as const;

const F = binaryen.Features;
const FEATURES =
  F.MVP | F.SignExt | F.BulkMemory | F.BulkMemoryOpt | F.MutableGlobals | F.Multivalue | F.TailCall;

export type IntBinOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div_s'
  | 'div_u'
  | 'rem_s'
  | 'rem_u'
  | 'and'
  | 'or'
  | 'xor'
  | 'shl'
  | 'shr_u'
  | 'shr_s'
  | 'rotl'
  | 'rotr';
export type IntCmpOp =
  'eq' | 'ne' | 'lt_s' | 'lt_u' | 'le_s' | 'le_u' | 'gt_s' | 'gt_u' | 'ge_s' | 'ge_u';

/** i64 loads: the result is always i64, zero- or sign-extended from the access size. */
export type Load64 =
  'load' | 'load8_u' | 'load8_s' | 'load16_u' | 'load16_s' | 'load32_u' | 'load32_s';
/** i64 stores: store the low `n` bits of an i64. */
export type Store64 = 'store' | 'store8' | 'store16' | 'store32';
export type Load32 = 'load' | 'load8_u' | 'load16_u';

const LOAD64_BYTES: Record<Load64, number> = {
  load: 8,
  load8_u: 1,
  load8_s: 1,
  load16_u: 2,
  load16_s: 2,
  load32_u: 4,
  load32_s: 4,
};
const STORE64_BYTES: Record<Store64, number> = { store: 8, store8: 1, store16: 2, store32: 4 };
const LOAD32_BYTES: Record<Load32, number> = { load: 4, load8_u: 1, load16_u: 2 };

/** Binaryen's Relooper, for control flow the structurer cannot nest (irreducible graphs). */
export interface RelooperFacade {
  addBlock(code: Expr): number;
  /** `condition` null: the default edge taken when no conditional edge is. */
  addBranch(from: number, to: number, condition: Expr | null): void;
  /** Render the graph from `entry`; `labelLocal` is a free i32 local the Relooper may use. */
  render(entry: number, labelLocal: number): Expr;
}

export interface Emitted {
  readonly binary: Uint8Array;
  /** Source map (JSON) of the debug locations; null when none were set. */
  readonly sourceMap: string | null;
}

export class WasmModule {
  private readonly m: binaryen.Module;
  private disposed = false;

  constructor(m?: binaryen.Module) {
    this.m = m ?? new binaryen.Module();
    this.m.setFeatures(FEATURES);
  }

  /** A module read from a binary (the AOT compiler starts from the maps runtime's). */
  static fromBinary(binary: Uint8Array): WasmModule {
    return new WasmModule(binaryen.readBinary(binary));
  }

  // ---- constants, locals, globals ----
  i32Const(v: number): Expr {
    return this.m.i32.const(v | 0);
  }
  i64Const(v: bigint): Expr {
    return this.m.i64.const(BigInt.asIntN(64, v));
  }
  localGet(index: number, type: WasmType): Expr {
    return this.m.local.get(index, type);
  }
  localSet(index: number, value: Expr): Expr {
    return this.m.local.set(index, value);
  }
  localTee(index: number, value: Expr, type: WasmType): Expr {
    return this.m.local.tee(index, value, type);
  }
  globalGet(name: string, type: WasmType): Expr {
    return this.m.global.get(name, type);
  }
  globalSet(name: string, value: Expr): Expr {
    return this.m.global.set(name, value);
  }

  // ---- numeric ----
  bin64(op: IntBinOp, a: Expr, b: Expr): Expr {
    return this.m.i64[op](a, b);
  }
  bin32(op: IntBinOp, a: Expr, b: Expr): Expr {
    return this.m.i32[op](a, b);
  }
  cmp64(op: IntCmpOp, a: Expr, b: Expr): Expr {
    return this.m.i64[op](a, b);
  }
  cmp32(op: IntCmpOp, a: Expr, b: Expr): Expr {
    return this.m.i32[op](a, b);
  }
  eqz64(a: Expr): Expr {
    return this.m.i64.eqz(a);
  }
  eqz32(a: Expr): Expr {
    return this.m.i32.eqz(a);
  }
  /** i32.wrap_i64 */
  wrap(a: Expr): Expr {
    return this.m.i32.wrap(a);
  }
  /** i64.extend_i32_u */
  extendU(a: Expr): Expr {
    return this.m.i64.extend_u(a);
  }
  /** i64.extend_i32_s */
  extendS(a: Expr): Expr {
    return this.m.i64.extend_s(a);
  }
  /** i64.extend{8,16,32}_s: sign-extend the low bits in place. */
  signExt64(bits: 8 | 16 | 32, a: Expr): Expr {
    if (bits === 8) return this.m.i64.extend8_s(a);
    if (bits === 16) return this.m.i64.extend16_s(a);
    return this.m.i64.extend32_s(a);
  }
  /** i32.extend{8,16}_s */
  signExt32(bits: 8 | 16, a: Expr): Expr {
    return bits === 8 ? this.m.i32.extend8_s(a) : this.m.i32.extend16_s(a);
  }
  select(cond: Expr, ifTrue: Expr, ifFalse: Expr): Expr {
    return this.m.select(cond, ifTrue, ifFalse);
  }

  // ---- memory (memarg offsets are unsigned: callers fold only non-negative offsets) ----
  load64(kind: Load64, offset: number, ptr: Expr): Expr {
    return this.m.i64[kind](offset, LOAD64_BYTES[kind], ptr);
  }
  store64(kind: Store64, offset: number, ptr: Expr, value: Expr): Expr {
    return this.m.i64[kind](offset, STORE64_BYTES[kind], ptr, value);
  }
  load32(kind: Load32, offset: number, ptr: Expr): Expr {
    return this.m.i32[kind](offset, LOAD32_BYTES[kind], ptr);
  }
  store32(offset: number, ptr: Expr, value: Expr): Expr {
    return this.m.i32.store(offset, 4, ptr, value);
  }
  /** memory.fill (bulk memory): `size` bytes at `dest` set to the low byte of `value` (i32s). */
  memoryFill(dest: Expr, value: Expr, size: Expr): Expr {
    return this.m.memory.fill(dest, value, size);
  }
  /** memory.copy (bulk memory): overlapping ranges are handled like memmove (i32s). */
  memoryCopy(dest: Expr, source: Expr, size: Expr): Expr {
    return this.m.memory.copy(dest, source, size);
  }
  /** memory.size in pages (i32). */
  memorySize(): Expr {
    return this.m.memory.size();
  }

  // ---- control ----
  /** A block; `type` defaults to none (binaryen's default), pass WasmTypes.auto to infer. */
  block(label: string | null, children: readonly Expr[], type: WasmType = binaryen.none): Expr {
    return this.m.block(label, children, type);
  }
  loop(label: string, body: Expr): Expr {
    return this.m.loop(label, body);
  }
  if(cond: Expr, ifTrue: Expr, ifFalse?: Expr): Expr {
    return ifFalse === undefined ? this.m.if(cond, ifTrue) : this.m.if(cond, ifTrue, ifFalse);
  }
  br(label: string): Expr {
    return this.m.br(label);
  }
  brIf(label: string, cond: Expr): Expr {
    return this.m.br_if(label, cond);
  }
  return(value: Expr): Expr {
    return this.m.return(value);
  }
  unreachable(): Expr {
    return this.m.unreachable();
  }
  drop(value: Expr): Expr {
    return this.m.drop(value);
  }
  nop(): Expr {
    return this.m.nop();
  }
  call(name: string, args: readonly Expr[], result: WasmType): Expr {
    return this.m.call(name, args, result);
  }

  // ---- module items ----
  signature(types: readonly WasmType[]): WasmType {
    return binaryen.createType(types);
  }
  addFunction(
    name: string,
    params: WasmType,
    result: WasmType,
    vars: readonly WasmType[],
    body: Expr,
  ): FuncRef {
    return this.m.addFunction(name, params, result, vars, body);
  }
  addFunctionImport(
    name: string,
    module: string,
    base: string,
    params: WasmType,
    result: WasmType,
  ): void {
    this.m.addFunctionImport(name, module, base, params, result);
  }
  /** Import the memory as `module.base`; it must be created with a maximum (binaryen declares one). */
  addMemoryImport(module: string, base: string): void {
    this.m.addMemoryImport('0', module, base);
  }
  addGlobal(name: string, type: WasmType, mutable: boolean, init: Expr): void {
    this.m.addGlobal(name, type, mutable, init);
  }
  addFunctionExport(name: string, exportName: string): void {
    this.m.addFunctionExport(name, exportName);
  }
  addDebugFile(name: string): number {
    return this.m.addDebugInfoFileName(name);
  }
  /** Tag `expr` (inside `func`) with a source line; it shows in the emitted source map. */
  setDebugLocation(func: FuncRef, expr: Expr, file: number, line: number): void {
    this.m.setDebugLocation(func, expr, file, line, 0);
  }

  /** Functions so far, imported ones included: the index the next defined one gets. */
  functionCount(): number {
    return this.m.getNumFunctions();
  }
  /** Internal name of the function exported as `exportName`, or undefined. */
  exportedFunction(exportName: string): string | undefined {
    const ref = this.m.getExport(exportName);
    if (ref === 0) return undefined;
    const info = binaryen.getExportInfo(ref);
    return info.kind === binaryen.ExternalFunction ? info.value : undefined;
  }
  /** Turn the imported i32 global `module.base` into a constant: one import fewer for hosts. */
  constantForImportedGlobal(module: string, base: string, value: number): boolean {
    for (let i = 0; i < this.m.getNumGlobals(); i++) {
      const info = binaryen.getGlobalInfo(this.m.getGlobalByIndex(i));
      if (info.module !== module || info.base !== base) continue;
      this.m.removeGlobal(info.name);
      this.m.addGlobal(info.name, binaryen.i32, false, this.m.i32.const(value | 0));
      return true;
    }
    return false;
  }
  /**
   * Give the imported memory `module.base` a minimum of `pages` and active data segments
   * (`[address, bytes]`), keeping it imported. Returns false when there is no such import.
   */
  initImportedMemory(
    module: string,
    base: string,
    pages: number,
    segments: ReadonlyArray<readonly [number, Uint8Array]>,
  ): boolean {
    const info = this.m.getMemoryInfo();
    if (info.module !== module || info.base !== base) return false;
    // binaryen.js cannot tell a memory's internal name; the text form can.
    const name = /\(import "[^"]*" "[^"]*" \(memory \$([^\s)]+)/.exec(this.m.emitText())?.[1];
    if (name === undefined) return false;
    const segs = segments.map(([address, data]) => ({
      offset: this.m.i32.const(address | 0),
      data,
      passive: false,
    }));
    this.m.setMemory(pages, 65536, null, segs, false, false, name);
    this.m.addMemoryImport(name, module, base);
    return true;
  }

  relooper(): RelooperFacade {
    const r = new binaryen.Relooper(this.m);
    return {
      addBlock: (code) => r.addBlock(code),
      addBranch: (from, to, condition) => r.addBranch(from, to, condition ?? 0, 0),
      render: (entry, labelLocal) => r.renderAndDispose(entry, labelLocal),
    };
  }

  // ---- whole module ----
  validate(): boolean {
    return this.m.validate() !== 0;
  }
  /** Run binaryen's default optimization pipeline (-O2, no shrinking). */
  optimize(): void {
    // Process-global settings: set them every time, someone else may have changed them.
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(0);
    this.m.optimize();
  }
  emit(sourceMapUrl: string | null): Emitted {
    if (sourceMapUrl === null) return { binary: this.m.emitBinary(), sourceMap: null };
    const out = this.m.emitBinary(sourceMapUrl);
    return { binary: out.binary, sourceMap: out.sourceMap };
  }
  text(): string {
    return this.m.emitText();
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.m.dispose();
  }
}

/** The text format of a binary module (reads it back into binaryen, prints it, disposes it). */
export function watOf(binary: Uint8Array): string {
  // binaryen.js 132 has no readBinaryWithFeatures (the typings do): read, then set features.
  const m = binaryen.readBinary(binary);
  try {
    m.setFeatures(FEATURES);
    return m.emitText();
  } finally {
    m.dispose();
  }
}
