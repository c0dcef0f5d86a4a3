// The report `ebpf-wasm demo` builds for each object, which `--json` prints as it is and the text
// output renders (demo-text.ts): what was loaded, the verifier's, the JIT's and the AOT compiler's
// results, every sample packet's outcome in the three engines (interpreter, JIT, AOT module)
// beside the kernel's, the maps after the runs, and the measured speed. Also what the return codes
// mean, and the list of what went wrong.

import type { errorJson } from './object.js';
import type { MapEntryJson } from './map-dump.js';

export { actionName } from './actions.js';

export interface ProgramInfo {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly insns: number;
}

export interface MapInfo {
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export type ErrorJson = ReturnType<typeof errorJson>;

export interface VerifyReport {
  readonly program: string;
  readonly accepted: boolean;
  readonly insnsProcessed: number;
  readonly ms: number;
  readonly error: ErrorJson | null;
}

export interface CompileReport {
  readonly program: string;
  readonly ok: boolean;
  readonly insns: number;
  readonly wasmBytes: number;
  readonly ms: number;
  readonly error: ErrorJson | null;
}

/** The object's programs compiled ahead of time into one module (compileAot). */
export interface AotCompileReport {
  readonly ok: boolean;
  /** Programs in the module (the object's accepted ones). */
  readonly programs: number;
  readonly wasmBytes: number;
  /** Maps the manifest records. */
  readonly maps: number;
  /** Wall time of compileAot: load, verification, translation, linking, emit. */
  readonly ms: number;
  readonly error: ErrorJson | null;
  /** Why no module was compiled although nothing failed (no program accepted), else null. */
  readonly skipped: string | null;
  /** Where `--out-dir` wrote the module, else null. */
  readonly path: string | null;
}

/** The engines every sample packet runs on, in the order they are shown. */
export const ENGINES = ['interp', 'jit', 'aot'] as const;
export type DemoEngine = (typeof ENGINES)[number];

export interface EngineOutcome {
  readonly r0: string;
  readonly retval: number;
  readonly action: string;
  readonly packet: string;
}

export interface PacketReport {
  readonly desc: string;
  /** Null when the kernel refused the run (it never ran the program), so neither do we. */
  readonly kernel: { readonly retval: number; readonly action: string } | null;
  readonly interp: EngineOutcome | { readonly error: ErrorJson } | null;
  readonly jit: EngineOutcome | { readonly error: ErrorJson } | null;
  readonly aot: EngineOutcome | { readonly error: ErrorJson } | null;
  /** interp, jit and aot give the same r0 (all 64 bits) and packet, and the kernel's retval. */
  readonly agree: boolean;
  /** The program changed the packet (socket filters: past the L2 header the kernel zeroes). */
  readonly modified: boolean;
  /** Our output packet equals the kernel's (null: the kernel recorded none). */
  readonly packetMatchesKernel: boolean | null;
}

export interface RunReport {
  readonly program: string;
  readonly type: string;
  readonly golden: string;
  readonly kernel: string;
  readonly packets: readonly PacketReport[];
  /** The maps of the three engines' objects are equal, byte for byte, after the runs. */
  readonly mapsAgree: boolean;
  /** The engines whose maps differ from the interpreter's after the runs. */
  readonly mapsDiffer: readonly DemoEngine[];
  readonly maps: Readonly<Record<string, MapEntryJson[]>>;
}

export interface SpeedReport {
  readonly program: string;
  readonly packets: number;
  readonly interpNsPerPacket: number;
  readonly jitNsPerPacket: number;
  /** Null when the object has no AOT module (it did not compile). */
  readonly aotNsPerPacket: number | null;
  /** interp / jit. */
  readonly speedup: number;
  /** interp / aot (null without an AOT module). */
  readonly aotSpeedup: number | null;
  readonly samples: {
    readonly interp: number;
    readonly jit: number;
    readonly aot: number | null;
  };
}

export interface ObjectReport {
  readonly file: string;
  readonly programs: readonly ProgramInfo[];
  readonly maps: readonly MapInfo[];
  readonly verify: readonly VerifyReport[];
  readonly compile: readonly CompileReport[];
  readonly aot: AotCompileReport;
  readonly runs: readonly RunReport[];
  readonly speed: readonly SpeedReport[];
}

export function isOutcome(o: PacketReport['interp']): o is EngineOutcome {
  return o !== null && !('error' in o);
}

/** Everything that went wrong, one line each (empty: all verified, compiled and agreed). */
export function failuresOf(o: ObjectReport): string[] {
  const out: string[] = [];
  for (const v of o.verify)
    if (!v.accepted) out.push(`${o.file}: ${v.program} rejected by the verifier`);
  // A rejected program is not compiled; that is already reported above.
  const accepted = new Set(o.verify.filter((v) => v.accepted).map((v) => v.program));
  for (const c of o.compile) {
    if (!c.ok && accepted.has(c.program)) out.push(`${o.file}: ${c.program} did not compile`);
  }
  if (!o.aot.ok && o.aot.skipped === null) {
    out.push(`${o.file}: the AOT compile failed: ${o.aot.error?.message ?? 'no module'}`);
  }
  for (const r of o.runs) {
    r.packets.forEach((p, i) => {
      if (!p.agree)
        out.push(`${o.file}: ${r.program} packet ${i + 1} (${p.desc}): engines or kernel disagree`);
      if (p.packetMatchesKernel === false)
        out.push(
          `${o.file}: ${r.program} packet ${i + 1} (${p.desc}): packet differs from the kernel's`,
        );
    });
    if (!r.mapsAgree) {
      out.push(`${o.file}: ${r.program}: maps of ${r.mapsDiffer.join(', ')} differ from interp's`);
    }
  }
  return out;
}
