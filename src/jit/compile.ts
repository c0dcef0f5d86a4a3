// compile(): Program -> CompiledModule, with a per-process cache so the same bytecode compiled
// twice with the same options pays binaryen once. The key is the program's bytes, the options
// and the ids of the helpers imported as Wasm (they change the module's imports).

import { encode } from '../isa/encode.js';
import type { Program } from '../isa/insn.js';
import { watOf } from './binaryen.js';
import { type CodegenStats, generate } from './codegen.js';
import { MODULE_NAME } from './abi.js';
import { withModuleName } from './wasm-binary.js';
import { type PcMap, parsePcMap } from './pcmap.js';

export interface CompileOptions {
  /** Run binaryen's optimizer (default false: it costs 50-90 µs per instruction, see DESIGN §4). */
  readonly optimize?: boolean | undefined;
  /** Validate the generated module with binaryen (default false; tests turn it on). */
  readonly validate?: boolean | undefined;
  /** Helper ids to call through their Wasm implementation (imports wasm_helpers.h<id>). */
  readonly wasmHelpers?: readonly number[] | undefined;
  /** A packet load fault ends the program with r0 = 0 (PrepareOptions.packetFaultExits). */
  readonly packetFaultExits?: boolean | undefined;
}

export interface CompiledModule {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly module: WebAssembly.Module;
  /** The module in text format (computed on demand). */
  wat(): string;
  /** Wasm byte offset -> eBPF pc, for trap locations. */
  readonly pcMap: PcMap;
  readonly wasmHelpers: readonly number[];
  readonly stats: CodegenStats & { readonly compileMs: number };
}

const CACHE_LIMIT = 64;
const cache = new Map<string, CompiledModule>();
let hits = 0;

/** Cache hits so far in this process (for tests and the benchmark). */
export function compileCacheHits(): number {
  return hits;
}

/** Forget every cached module. */
export function clearCompileCache(): void {
  cache.clear();
}

/**
 * Translate a decoded program to WebAssembly.
 * @throws CompileError UNSUPPORTED (kfunc calls) or COMPILE_FAILED, with the instruction index.
 */
export function compile(program: Program, opts: CompileOptions = {}): CompiledModule {
  const optimize = opts.optimize ?? false;
  const validate = opts.validate ?? false;
  const wasmHelpers = [...new Set(opts.wasmHelpers ?? [])].sort((a, b) => a - b);
  const exits = opts.packetFaultExits ?? false;
  const key = `${optimize ? 'O' : '-'}${validate ? 'V' : '-'}${exits ? 'X' : '-'}${wasmHelpers.join(',')}|${bytesKey(encode(program.insns))}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    hits++;
    // Refresh its position: the cache evicts the least recently used entry.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const t0 = performance.now();
  const out = generate(program, { optimize, validate, wasmHelpers, packetFaultExits: exits });
  const wasm = withModuleName(out.binary, MODULE_NAME);
  const module = new WebAssembly.Module(wasm);
  const compileMs = performance.now() - t0;
  let text: string | undefined;
  const compiled: CompiledModule = {
    wasm,
    module,
    wat: () => (text ??= watOf(wasm)),
    pcMap: parsePcMap(out.sourceMap),
    wasmHelpers,
    stats: { ...out.stats, compileMs },
  };
  cache.set(key, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return compiled;
}

function bytesKey(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return s;
}
