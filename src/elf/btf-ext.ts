// `.BTF.ext`: the line info (instruction -> file, line, column, source text) and func info
// (instruction -> function BTF id) that clang writes per program section. Offsets in the records
// are byte offsets from the start of their ELF section; strings live in the `.BTF` string section.

import { BTF_MAGIC, type Btf, btfFail, btfString } from './btf.js';

export interface LineRecord {
  /** Instruction slot index inside its ELF section (later: inside the linked program). */
  readonly insn: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source line, when clang recorded it. */
  readonly text?: string;
}

export interface FuncRecord {
  readonly insn: number;
  readonly typeId: number;
}

export interface BtfExt {
  /** Line records per ELF section name, sorted by instruction. */
  readonly lines: ReadonlyMap<string, readonly LineRecord[]>;
  readonly funcs: ReadonlyMap<string, readonly FuncRecord[]>;
}

const HDR_MIN = 24;
const LINE_REC_MIN = 16;
const FUNC_REC_MIN = 8;

/**
 * Walk one info block: u32 record size, then per section {sec_name_off, num_info, records}.
 * Calls `each(section, view, at)` per record.
 */
function walkInfo(
  view: DataView,
  start: number,
  len: number,
  minRec: number,
  btf: Btf,
  what: string,
  each: (section: string, at: number) => void,
): void {
  if (len === 0) return;
  if (len < 4) btfFail(`.BTF.ext ${what} is truncated`);
  const recSize = view.getUint32(start, true);
  if (recSize < minRec || recSize % 4 !== 0)
    btfFail(`.BTF.ext ${what} record size ${recSize} is invalid`);
  const end = start + len;
  let at = start + 4;
  // Every iteration consumes at least 8 bytes, so the loop is bounded by len/8.
  while (at < end) {
    if (end - at < 8) btfFail(`.BTF.ext ${what} section header is truncated`);
    const section = btfString(btf.strings, view.getUint32(at, true));
    const count = view.getUint32(at + 4, true);
    at += 8;
    if (count === 0) btfFail(`.BTF.ext ${what} for ${section} has no records`);
    if (count > Math.floor((end - at) / recSize))
      btfFail(`.BTF.ext ${what} for ${section} is truncated`);
    for (let i = 0; i < count; i++) {
      each(section, at);
      at += recSize;
    }
  }
}

/** Parse `.BTF.ext` against its `.BTF`. */
export function parseBtfExt(data: Uint8Array, btf: Btf): BtfExt {
  if (data.length < HDR_MIN)
    btfFail(`.BTF.ext header needs ${HDR_MIN} bytes, section has ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(0, true) !== BTF_MAGIC) btfFail('bad .BTF.ext magic');
  if (view.getUint8(2) !== 1) btfFail(`.BTF.ext version ${view.getUint8(2)} is not 1`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HDR_MIN || hdrLen > data.length)
    btfFail(`.BTF.ext header length ${hdrLen} is invalid`);
  const body = data.length - hdrLen;
  const block = (offAt: number, what: string): [number, number] => {
    const off = view.getUint32(offAt, true);
    const len = view.getUint32(offAt + 4, true);
    if (off > body || len > body - off) btfFail(`.BTF.ext ${what} extends past the end`);
    return [hdrLen + off, len];
  };
  const [funcStart, funcLen] = block(8, 'func info');
  const [lineStart, lineLen] = block(16, 'line info');

  const funcs = new Map<string, FuncRecord[]>();
  walkInfo(view, funcStart, funcLen, FUNC_REC_MIN, btf, 'func info', (section, at) => {
    const byteOff = view.getUint32(at, true);
    if (byteOff % 8 !== 0)
      btfFail(`.BTF.ext func info offset ${byteOff} in ${section} is not instruction-aligned`);
    const typeId = view.getUint32(at + 4, true);
    if (typeId >= btf.types.length) btfFail(`.BTF.ext func info refers to type ${typeId}`);
    push(funcs, section, { insn: byteOff / 8, typeId });
  });

  // Line records repeat their file name and often their text: decode each string once.
  const seen = new Map<number, string>();
  const str = (offset: number): string => {
    let s = seen.get(offset);
    if (s === undefined) {
      s = btfString(btf.strings, offset);
      seen.set(offset, s);
    }
    return s;
  };
  const lines = new Map<string, LineRecord[]>();
  walkInfo(view, lineStart, lineLen, LINE_REC_MIN, btf, 'line info', (section, at) => {
    const byteOff = view.getUint32(at, true);
    if (byteOff % 8 !== 0)
      btfFail(`.BTF.ext line info offset ${byteOff} in ${section} is not instruction-aligned`);
    const file = str(view.getUint32(at + 4, true));
    const text = str(view.getUint32(at + 8, true));
    const lineCol = view.getUint32(at + 12, true);
    const rec: LineRecord = {
      insn: byteOff / 8,
      file,
      line: lineCol >>> 10,
      column: lineCol & 0x3ff,
      ...(text !== '' ? { text } : {}),
    };
    push(lines, section, rec);
  });
  for (const list of lines.values()) list.sort((a, b) => a.insn - b.insn);
  for (const list of funcs.values()) list.sort((a, b) => a.insn - b.insn);
  return { lines, funcs };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
