// The bpf_conformance `.data` test format: sections introduced by `-- name` lines.
//   -- asm     assembly text
//   -- raw     one 64-bit little-endian instruction word per token (overrides asm)
//   -- mem     hex bytes, whitespace-separated, any number per line
//   -- result  expected r0: hex when it contains 0x, else decimal
//   -- error   expected error text (the run must fail)
// Other sections (`-- c`, `-- no register offset`) are ignored, as the upstream parser does.
// `#` starts a comment to the end of the line (not inside ignored sections, which may hold C).

import { BpfError } from '../errors.js';
import { parseHexBytes, parseU64, wordsToBytes } from './hex.js';

export interface DataTest {
  /** The `-- asm` section, comments removed, line structure kept. */
  readonly asm?: string;
  /** Bytecode from the `-- raw` section; when present it is what runs. */
  readonly raw?: Uint8Array;
  /** Input memory (empty when the file has no `-- mem`). */
  readonly mem: Uint8Array;
  /** Expected r0, unsigned 64-bit. */
  readonly result?: bigint;
  /** Expected error text: the program must fail. */
  readonly error?: string;
  /** 1-based line of the first asm line in the file, to map assembler line numbers back. */
  readonly asmLine?: number;
}

type Section = 'asm' | 'raw' | 'mem' | 'result' | 'error' | 'ignored' | 'none';

const KNOWN: ReadonlySet<string> = new Set(['asm', 'raw', 'mem', 'result', 'error']);

function bad(detail: string, line: number): BpfError {
  return new BpfError('load', 'BAD_INPUT', detail, { line });
}

/**
 * Parse a `.data` file.
 * @throws BpfError BAD_INPUT with the 1-based `line` of the malformed text.
 */
export function parseDataFile(text: string): DataTest {
  const lines = text.split(/\r?\n/);
  let section: Section = 'none';
  const seen = new Set<string>();
  const asmLines: string[] = [];
  let asmLine: number | undefined;
  const words: bigint[] = [];
  const mem: number[] = [];
  let result: bigint | undefined;
  let error: string | undefined;

  for (let i = 0; i < lines.length; i++) {
    const full = lines[i] as string;
    const lineNo = i + 1;
    const header = /^--\s*(.*?)\s*$/.exec(full);
    if (header) {
      const name = header[1] ?? '';
      if (KNOWN.has(name)) {
        if (seen.has(name)) throw bad(`section '-- ${name}' appears twice`, lineNo);
        seen.add(name);
        section = name as Section;
        if (section === 'asm') asmLine = lineNo + 1;
      } else {
        section = 'ignored';
      }
      continue;
    }
    const hash = full.indexOf('#');
    const body = (hash >= 0 ? full.slice(0, hash) : full).trim();
    switch (section) {
      case 'ignored':
        continue;
      case 'none':
        if (body !== '') throw bad(`text before the first '--' section: '${body}'`, lineNo);
        continue;
      case 'asm':
        asmLines.push(body);
        continue;
      case 'raw':
        for (const token of body.split(/\s+/)) {
          if (token === '') continue;
          const w = parseU64(token);
          if (w === null) throw bad(`raw: '${token}' is not a 64-bit instruction word`, lineNo);
          words.push(w);
        }
        continue;
      case 'mem':
        for (const b of parseHexBytes(body, 'mem', lineNo)) mem.push(b);
        continue;
      case 'result': {
        if (body === '') continue;
        if (result !== undefined) throw bad('result: more than one value', lineNo);
        const v = parseU64(body);
        if (v === null) throw bad(`result: '${body}' is not an unsigned 64-bit number`, lineNo);
        result = v;
        continue;
      }
      case 'error':
        // The error text is compared verbatim upstream, so keep `#` and inner spacing.
        if (full.trim() === '') continue;
        if (error !== undefined) throw bad('error: more than one line', lineNo);
        error = full.trim();
        continue;
    }
  }

  if (result === undefined && error === undefined) {
    throw bad("no '-- result' or '-- error' section", lines.length);
  }
  // Trailing blank lines of the asm section carry nothing.
  while (asmLines.length > 0 && asmLines[asmLines.length - 1] === '') asmLines.pop();
  const hasAsm = seen.has('asm') && asmLines.some((l) => l !== '');
  if (!hasAsm && words.length === 0) {
    throw bad("no instructions: neither '-- asm' nor '-- raw' has any", lines.length);
  }
  return {
    ...(hasAsm ? { asm: asmLines.join('\n') + '\n', asmLine: asmLine as number } : {}),
    ...(words.length > 0 ? { raw: wordsToBytes(words) } : {}),
    mem: Uint8Array.from(mem),
    ...(result !== undefined ? { result } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
