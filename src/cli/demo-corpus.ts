// What `ebpf-wasm demo` reads from corpus/: where the corpus is (next to the package, found from
// this file's URL so it works from src/ and dist/), an object's kernel-recorded golden runs
// (corpus/golden/<object>.<program>.json) and its setup file (corpus/src/<object>.setup.json),
// and applying that setup's map updates to a freshly opened object, as the kernel tool did
// before recording (corpus/README.md documents both formats).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHexBytes, parseU64 } from '../conformance/hex.js';
import { BpfError } from '../errors.js';
import type { ProgType } from '../elf/prog-type.js';
import type { ContextInput } from '../runtime/context/index.js';
import type { ObjectRuntime } from '../runtime/object/index.js';
import { parseProgType } from './object.js';

/** corpus/ of this package: src/cli/ and dist/cli/ are both two levels below the root. */
export const CORPUS_DIR = fileURLToPath(new URL('../../corpus/', import.meta.url));

export interface GoldenRun {
  readonly desc: string;
  readonly packetIn: string;
  /** The kernel's retval (r0's low 32 bits), as hex text; absent when the kernel refused. */
  readonly r0?: string;
  readonly packetOut?: string;
  /** The kernel refused this run (e.g. EINVAL): it never ran the program. */
  readonly error?: string;
}

export interface Golden {
  readonly file: string;
  readonly kernel: string;
  readonly object: string;
  readonly program: string;
  readonly type: string;
  readonly runs: readonly GoldenRun[];
}

/** A map update of a setup file (corpus/README.md). */
export interface MapUpdate {
  readonly map: string;
  readonly key?: string;
  readonly value?: string;
  readonly values?: readonly string[];
  readonly prog?: string;
  readonly innerMap?: string;
  readonly flags?: 'any' | 'noexist' | 'exist';
}

export interface SetupPacket {
  readonly ctx?: string;
}

export interface SetupProgram {
  readonly name: string;
  readonly maps?: readonly MapUpdate[];
  readonly packets?: readonly SetupPacket[];
}

export interface Setup {
  readonly type?: string;
  /** Maps the kernel tool did not record faithfully (the replay test leaves them out). */
  readonly ignoreMaps?: readonly string[];
  readonly maps?: readonly MapUpdate[];
  readonly packets?: readonly SetupPacket[];
  readonly programs?: readonly SetupProgram[];
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new BpfError('cli', 'IO', `cannot read ${path}`, { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new BpfError('cli', 'BAD_INPUT', `${path} is not valid JSON`, { cause });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A golden file, checked for the fields the demo reads. */
function readGolden(path: string, file: string): Golden {
  const g = readJson(path);
  const ok =
    isObject(g) &&
    typeof g['object'] === 'string' &&
    typeof g['program'] === 'string' &&
    Array.isArray(g['runs']) &&
    g['runs'].every(
      (r) => isObject(r) && typeof r['desc'] === 'string' && typeof r['packetIn'] === 'string',
    );
  if (!ok) throw new BpfError('cli', 'BAD_INPUT', `${path} is not a corpus golden file`);
  return {
    file,
    kernel: typeof g['kernel'] === 'string' ? g['kernel'] : 'unknown',
    object: g['object'] as string,
    program: g['program'] as string,
    type: typeof g['type'] === 'string' ? g['type'] : '',
    runs: g['runs'] as GoldenRun[],
  };
}

/**
 * The golden files recorded for object `stem` (an object file name without `.o`), sorted by
 * program name; none when the corpus has none (an object from elsewhere).
 */
export function goldensOf(stem: string, corpus: string = CORPUS_DIR): Golden[] {
  const dir = join(corpus, 'golden');
  if (!existsSync(dir)) return [];
  // `<stem>.<program>.json`: program names have no dots, so `loops.` never picks `loops-v4.`.
  const prefix = `${stem}.`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .filter((f) => !f.slice(prefix.length, -'.json'.length).includes('.'))
    .sort()
    .map((f) => readGolden(join(dir, f), `golden/${f}`))
    .filter((g) => g.object === stem);
}

/** The setup file of object `stem` (an empty setup when there is none). */
export function setupOf(stem: string, corpus: string = CORPUS_DIR): Setup {
  const path = join(corpus, 'src', `${stem}.setup.json`);
  if (!existsSync(path)) return {};
  const s = readJson(path);
  if (!isObject(s)) throw new BpfError('cli', 'BAD_INPUT', `${path} is not a corpus setup file`);
  return s as Setup;
}

/** The program type the setup imposes on every program (bpftool names), if any. */
export function setupType(setup: Setup): ProgType | undefined {
  return setup.type !== undefined ? parseProgType('demo', setup.type) : undefined;
}

/** The setup's entry for `program`, if it has one. */
export function programSetup(setup: Setup, program: string): SetupProgram | undefined {
  return setup.programs?.find((p) => p.name === program);
}

function u32le(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

const FLAGS = { any: 0, noexist: 1, exist: 2 } as const;

/**
 * Apply the setup's map updates for `program` (the common ones, then the program's own), in
 * order, to a freshly opened object: what the kernel tool did before the recorded runs.
 */
export function applySetup(obj: ObjectRuntime, setup: Setup, program: string): void {
  const updates = [...(setup.maps ?? []), ...(programSetup(setup, program)?.maps ?? [])];
  for (const u of updates) {
    const what = `setup of ${program}: map ${u.map}`;
    const flags = FLAGS[u.flags ?? 'any'];
    const key = u.key !== undefined ? parseHexBytes(u.key, `${what} key`) : undefined;
    if (u.prog !== undefined) {
      if (key === undefined || key.length !== 4) {
        throw new BpfError('cli', 'BAD_INPUT', `${what}: a prog array slot needs a 4-byte key`);
      }
      obj.setTailCall(u.map, u32le(key), u.prog);
      continue;
    }
    const map = obj.map(u.map);
    if (u.innerMap !== undefined) {
      map.setInner(key ?? new Uint8Array(0), obj.map(u.innerMap));
    } else if (key === undefined) {
      map.push(parseHexBytes(u.value ?? '', `${what} value`), flags);
    } else if (u.values !== undefined) {
      // The kernel had more CPUs than our virtual ones: the first CPUs' values are kept.
      const values = u.values.slice(0, map.cpus).map((v) => parseHexBytes(v, `${what} value`));
      map.updatePerCpu(key, values, flags);
    } else {
      map.update(key, parseHexBytes(u.value ?? '', `${what} value`), flags);
    }
  }
}

/** One sample packet of a golden file, ready to run. */
export interface SamplePacket {
  readonly desc: string;
  readonly input: ContextInput;
  readonly packetIn: Uint8Array;
  /** The kernel's retval, or undefined when it refused the run. */
  readonly kernelR0: number | undefined;
  readonly kernelPacketOut: Uint8Array | undefined;
}

/** The golden file's packets with their setup `ctx`, in the recorded order. */
export function samplePackets(golden: Golden, setup: Setup): SamplePacket[] {
  const extra = programSetup(setup, golden.program)?.packets ?? setup.packets ?? [];
  return golden.runs.map((run, i) => {
    const where = `${golden.file} run ${i}`;
    const packetIn = parseHexBytes(run.packetIn, `${where} packetIn`);
    const ctx = extra[i]?.ctx;
    const r0 = run.error === undefined && run.r0 !== undefined ? parseU64(run.r0) : undefined;
    if (r0 === null)
      throw new BpfError('cli', 'BAD_INPUT', `${where}: r0 '${run.r0}' is not a number`);
    return {
      desc: run.desc,
      input: {
        packet: packetIn,
        ...(ctx !== undefined ? { ctx: parseHexBytes(ctx, `${where} ctx`) } : {}),
      },
      packetIn,
      kernelR0: r0 !== undefined ? Number(r0 & 0xffff_ffffn) : undefined,
      kernelPacketOut:
        run.packetOut !== undefined
          ? parseHexBytes(run.packetOut, `${where} packetOut`)
          : undefined,
    };
  });
}
