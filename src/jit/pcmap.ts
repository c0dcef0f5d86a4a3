// Wasm byte offset -> eBPF pc, read from the source map binaryen emits for the debug locations
// the code generator set (line = pc, 0-based in the map). Used to put the instruction index on a
// trap from the RuntimeError's stack (`wasm-function[N]:0xOFFSET`, a module-relative offset).
// No binaryen here: the AOT runtime uses it too.

export interface PcMap {
  /** Mapped byte offsets, increasing, and the pc (or -1: unmapped) from each one on. */
  readonly offsets: Int32Array;
  readonly pcs: Int32Array;
}

/** A PcMap with the source file of each mapping (one file per program in an AOT module). */
export interface FilePcMap extends PcMap {
  /** Source index per mapping (-1 where unmapped). */
  readonly files: Int32Array;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** Parse a source map (version 3) whose generated code is one line of binary offsets. */
export function parsePcMap(sourceMap: string | null): FilePcMap {
  if (sourceMap === null) {
    return { offsets: new Int32Array(0), pcs: new Int32Array(0), files: new Int32Array(0) };
  }
  const mappings = (JSON.parse(sourceMap) as { mappings?: string }).mappings ?? '';
  const offsets: number[] = [];
  const pcs: number[] = [];
  const files: number[] = [];
  let col = 0;
  let line = 0;
  let file = 0;
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  const flush = (): void => {
    if (fields.length === 0) return;
    col += fields[0] as number;
    if (fields.length >= 4) {
      file += fields[1] as number;
      line += fields[2] as number;
      offsets.push(col);
      pcs.push(line);
      files.push(file);
    } else {
      offsets.push(col);
      pcs.push(-1);
      files.push(-1);
    }
    fields.length = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const ch = mappings.charCodeAt(i);
    if (ch === 0x2c /* , */ || ch === 0x3b /* ; */) {
      flush();
      continue;
    }
    const digit = B64_VALUE[ch] ?? -1;
    if (digit < 0) throw new SyntaxError(`source map: bad character '${mappings[i]}'`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if ((digit & 32) === 0) {
      const negative = value % 2 === 1;
      const magnitude = Math.floor(value / 2);
      fields.push(negative ? -magnitude : magnitude);
      value = 0;
      shift = 0;
    }
  }
  flush();
  return {
    offsets: Int32Array.from(offsets),
    pcs: Int32Array.from(pcs),
    files: Int32Array.from(files),
  };
}

/** The mappings of source file `file` alone. */
export function pcMapOfFile(map: FilePcMap, file: number): PcMap {
  const offsets: number[] = [];
  const pcs: number[] = [];
  for (let i = 0; i < map.offsets.length; i++) {
    if (map.files[i] !== file) continue;
    offsets.push(map.offsets[i] as number);
    pcs.push(map.pcs[i] as number);
  }
  return { offsets: Int32Array.from(offsets), pcs: Int32Array.from(pcs) };
}

/** The pc of the mapped expression at or before `offset`, or undefined. */
export function pcAt(map: PcMap, offset: number): number | undefined {
  let lo = 0;
  let hi = map.offsets.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((map.offsets[mid] as number) <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return undefined;
  const pc = map.pcs[found] as number;
  return pc >= 0 ? pc : undefined;
}
