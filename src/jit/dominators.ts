// Depth-first numbering and dominators of one subprogram's graph, in O(m log n).
//
// Dominators use Lengauer-Tarjan (the "simple" version: path compression without balancing).
// The iterative Cooper-Harvey-Kennedy algorithm is simpler but quadratic on a common eBPF shape,
// a long run of `if (err) goto out` jumps all reaching one block: every intersection would walk
// the whole dominator chain. Everything here is iterative, so 100k-block graphs do not overflow
// the JS stack.

export interface DfsInfo {
  /** Reverse postorder number of each node (0 = entry); -1 if unreachable. */
  readonly rpo: Int32Array;
  /** Nodes in reverse postorder. */
  readonly order: Int32Array;
  /** Immediate dominator of each node; the entry's is itself. */
  readonly idom: Int32Array;
  /** Preorder interval of each node in the dominator tree: a dom b iff in[a] <= in[b] < out[a]. */
  readonly domIn: Int32Array;
  readonly domOut: Int32Array;
}

/** `succs[v]` lists v's successors; node 0 is the entry and every node is reachable from it. */
export function analyze(succs: readonly (readonly number[])[]): DfsInfo {
  const n = succs.length;
  // ---- iterative DFS: preorder numbers, DFS-tree parents, postorder ----
  const pre = new Int32Array(n).fill(-1); // node -> preorder number
  const vertex = new Int32Array(n); // preorder number -> node
  const parent = new Int32Array(n).fill(-1); // preorder number -> parent's preorder number
  const rpo = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const stackNode = new Int32Array(n);
  const stackNext = new Int32Array(n);
  let sp = 0;
  let counter = 0;
  let post = n;
  stackNode[0] = 0;
  stackNext[0] = 0;
  pre[0] = counter;
  vertex[counter++] = 0;
  sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1] as number;
    const list = succs[v] as readonly number[];
    const i = stackNext[sp - 1] as number;
    if (i < list.length) {
      stackNext[sp - 1] = i + 1;
      const w = list[i] as number;
      if (pre[w] === -1) {
        pre[w] = counter;
        vertex[counter] = w;
        parent[counter] = pre[v] as number;
        counter++;
        stackNode[sp] = w;
        stackNext[sp] = 0;
        sp++;
      }
    } else {
      sp--;
      post--;
      rpo[v] = post;
      order[post] = v;
    }
  }
  if (counter !== n) throw new RangeError(`dominators: ${n - counter} nodes are unreachable`);

  // ---- predecessors in preorder numbering ----
  const predStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    for (const w of succs[v] as readonly number[]) predStart[(pre[w] as number) + 1]!++;
  }
  for (let i = 0; i < n; i++) predStart[i + 1]! += predStart[i] as number;
  const preds = new Int32Array(predStart[n] as number);
  const fill = predStart.slice(0, n);
  for (let v = 0; v < n; v++) {
    for (const w of succs[v] as readonly number[]) {
      const pw = pre[w] as number;
      preds[fill[pw]!++] = pre[v] as number;
    }
  }

  // ---- Lengauer-Tarjan on preorder numbers ----
  const semi = new Int32Array(n);
  const label = new Int32Array(n);
  const ancestor = new Int32Array(n).fill(-1);
  const idomPre = new Int32Array(n);
  const bucketHead = new Int32Array(n).fill(-1);
  const bucketNext = new Int32Array(n).fill(-1);
  const path = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    semi[i] = i;
    label[i] = i;
  }
  const evalNode = (v: number): number => {
    if (ancestor[v] === -1) return v;
    // Collect the path up to the forest root's child, then compress top-down.
    let len = 0;
    let x = v;
    while (ancestor[ancestor[x] as number] !== -1) {
      path[len++] = x;
      x = ancestor[x] as number;
    }
    while (len > 0) {
      const y = path[--len] as number;
      const a = ancestor[y] as number;
      if ((semi[label[a] as number] as number) < (semi[label[y] as number] as number)) {
        label[y] = label[a] as number;
      }
      ancestor[y] = ancestor[a] as number;
    }
    return label[v] as number;
  };
  for (let w = n - 1; w > 0; w--) {
    for (let j = predStart[w] as number; j < (predStart[w + 1] as number); j++) {
      const u = evalNode(preds[j] as number);
      if ((semi[u] as number) < (semi[w] as number)) semi[w] = semi[u] as number;
    }
    const s = semi[w] as number;
    bucketNext[w] = bucketHead[s] as number;
    bucketHead[s] = w;
    const p = parent[w] as number;
    ancestor[w] = p;
    for (let v = bucketHead[p] as number; v !== -1; v = bucketNext[v] as number) {
      const u = evalNode(v);
      idomPre[v] = (semi[u] as number) < (semi[v] as number) ? u : p;
    }
    bucketHead[p] = -1;
  }
  idomPre[0] = 0;
  for (let w = 1; w < n; w++) {
    if (idomPre[w] !== semi[w]) idomPre[w] = idomPre[idomPre[w] as number] as number;
  }
  const idom = new Int32Array(n);
  for (let w = 0; w < n; w++) idom[vertex[w] as number] = vertex[idomPre[w] as number] as number;

  // ---- dominator-tree intervals (children lists, iterative preorder walk) ----
  const childHead = new Int32Array(n).fill(-1);
  const childNext = new Int32Array(n).fill(-1);
  for (let v = n - 1; v > 0; v--) {
    const d = idom[v] as number;
    childNext[v] = childHead[d] as number;
    childHead[d] = v;
  }
  const domIn = new Int32Array(n);
  const domOut = new Int32Array(n);
  let t = 0;
  const st = new Int32Array(n);
  const cur = new Int32Array(n);
  let top = 0;
  st[0] = 0;
  cur[0] = childHead[0] as number;
  domIn[0] = t++;
  top = 1;
  while (top > 0) {
    const v = st[top - 1] as number;
    const c = cur[top - 1] as number;
    if (c !== -1) {
      cur[top - 1] = childNext[c] as number;
      domIn[c] = t++;
      st[top] = c;
      cur[top] = childHead[c] as number;
      top++;
    } else {
      domOut[v] = t;
      top--;
    }
  }
  return { rpo, order, idom, domIn, domOut };
}

/** True when `a` dominates `b` (every node dominates itself). */
export function dominates(info: DfsInfo, a: number, b: number): boolean {
  const ib = info.domIn[b] as number;
  return (info.domIn[a] as number) <= ib && ib < (info.domOut[a] as number);
}
