// Small edits of finished Wasm binaries, without binaryen: appending custom sections (a name
// section naming the module, the AOT manifest). Appending leaves every earlier byte offset as it
// was, so source maps and trap offsets taken before stay valid.

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** `binary` followed by a custom section `name` holding `payload`. */
export function appendCustomSection(
  binary: Uint8Array,
  name: string,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const nameBytes = new TextEncoder().encode(name);
  const head = [...uleb(nameBytes.length), ...nameBytes];
  const size = uleb(head.length + payload.length);
  const out = new Uint8Array(binary.length + 1 + size.length + head.length + payload.length);
  let at = 0;
  out.set(binary, at);
  at += binary.length;
  out[at++] = 0x00;
  out.set(size, at);
  at += size.length;
  out.set(head, at);
  at += head.length;
  out.set(payload, at);
  return out;
}

/**
 * Append a name section naming the module: V8 then shows frames as `wasm://wasm/<name>-<hash>`,
 * which is how a trap is attributed to compiled eBPF code rather than to another module.
 */
export function withModuleName(binary: Uint8Array, name: string): Uint8Array<ArrayBuffer> {
  const nameBytes = new TextEncoder().encode(name);
  // subsection 0 (module name): size, then the name as a vector
  const sub = [0x00, ...uleb(nameBytes.length + uleb(nameBytes.length).length)];
  const payload = new Uint8Array([...sub, ...uleb(nameBytes.length), ...nameBytes]);
  return appendCustomSection(binary, 'name', payload);
}
