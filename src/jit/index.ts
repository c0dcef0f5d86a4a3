// The JIT: verified eBPF bytecode -> WebAssembly through binaryen.js, basic block by basic block.
// Importing this module registers the 'jit' engine with the Vm (so `new Vm({ engine: 'jit' })`
// works after `await import('./jit/index.js')`).

import { registerEngine } from '../vm.js';
import { jitEngine } from './engine.js';

export {
  compile,
  clearCompileCache,
  compileCacheHits,
  type CompileOptions,
  type CompiledModule,
} from './compile.js';
export { jitEngine, jitOptions, JitExecutable, wasmHelperIds } from './engine.js';
export { buildCfg, type Cfg, type BasicBlock, type Subprogram } from './cfg.js';
export { structure, type Stmt, type Structured } from './structure.js';
export { TrapKind } from './abi.js';
export { compileAot, type AotModule, type AotOptions } from '../aot/compile.js';

registerEngine(jitEngine);
