// Engines by name for the tools (CLI, conformance runner, plugin). The interpreter is always
// registered; the JIT module (which imports binaryen, ~0.5 s) is imported only when asked for,
// and registers itself with the Vm when it loads.

import { BpfError } from '../errors.js';
import type { EngineName } from '../runtime/engine.js';
import { engineNames } from '../vm.js';

export const ENGINE_NAMES: readonly EngineName[] = ['interp', 'jit'];

/** Make `name` available to `new Vm({ engine: name })`, importing the JIT on first use. */
export async function ensureEngine(name: EngineName): Promise<void> {
  if (engineNames().includes(name)) return;
  if (name === 'jit') {
    try {
      await import('../jit/index.js');
    } catch (cause) {
      if (!isModuleNotFound(cause)) throw cause;
      throw new BpfError('load', 'UNSUPPORTED', "engine 'jit' is not part of this build", {
        cause,
      });
    }
  }
  if (!engineNames().includes(name)) {
    throw new BpfError('load', 'UNSUPPORTED', `engine '${name}' is not available`);
  }
}

/** True when the engine can be loaded in this build (the JIT may be absent). */
export async function engineAvailable(name: EngineName): Promise<boolean> {
  try {
    await ensureEngine(name);
    return true;
  } catch (e) {
    if (e instanceof BpfError && e.code === 'UNSUPPORTED') return false;
    throw e;
  }
}

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND';
}
