// Structured control flow for one subprogram, in O(m log n): the "stackifier" of LLVM's
// WebAssembly backend as Ramsey describes it ("Beyond Relooper", ICFP 2022).
//
// Blocks are taken in reverse postorder (RPO). An edge u -> v is *backward* when
// rpo[v] <= rpo[u]; the graph is reducible when v dominates u for every backward edge, and then
// every backward edge target is a loop header. A *merge* node has two or more forward in-edges.
// Code for node x (doTree):
//
//   [loop $Lx]                         if x is a loop header
//     block $Bm_k ... block $Bm_1      x's dominator-tree children that are merge nodes,
//       <x's instructions and branch>  ordered by RPO (m_k highest, outermost)
//     end  <tree(m_1)> ... end <tree(m_k)>
//
// A branch x -> y becomes `br $Ly` (backward), `br $By` (y is a merge node: y's code follows the
// end of the block labelled $By, which encloses every forward predecessor of y because they are
// all dominated by idom(y)), or y's own tree inlined (y has x as its only forward predecessor).
// Every emitted sequence ends in a branch, return or trap, so nothing falls out of a block.
//
// Irreducible graphs (a backward edge whose target does not dominate its source) are reported
// as such; the caller falls back to binaryen's Relooper.
//
// Budget: each loop header is charged, on every entry, the instruction count of the blocks whose
// innermost loop it is; the function entry is charged the blocks in no loop. In one iteration of
// a loop (header to header) each of its own blocks runs at most once, so the charges bound the
// instructions actually executed.

import { type BasicBlock, type Cfg, type Subprogram, blockSize } from './cfg.js';
import { type DfsInfo, analyze, dominates } from './dominators.js';

/** The structured program: a tree of statements over the CFG's block ids. */
export type Stmt =
  /** The block's instructions, without its final jump or exit. */
  | { readonly k: 'code'; readonly block: number }
  | { readonly k: 'block'; readonly label: string; readonly body: Stmt[] }
  /** A loop; `charge` instructions are charged to the budget at its top (pc = header's). */
  | {
      readonly k: 'loop';
      readonly label: string;
      readonly header: number;
      readonly charge: number;
      readonly body: Stmt[];
    }
  /** if (condition of `block`'s conditional jump) { then } — `then` never falls through. */
  | { readonly k: 'if'; readonly block: number; readonly then: Stmt[] }
  | { readonly k: 'br'; readonly label: string }
  /** br_if on the block's jump condition (negated: on its fallthrough condition). */
  | { readonly k: 'brIf'; readonly block: number; readonly negate: boolean; readonly label: string }
  | { readonly k: 'exit'; readonly block: number }
  | { readonly k: 'falloff'; readonly block: number };

export type Structured =
  | {
      readonly kind: 'nested';
      readonly body: Stmt[];
      /** Instructions charged at function entry. */
      readonly entryCharge: number;
      readonly loops: number;
    }
  | { readonly kind: 'irreducible'; readonly blocks: readonly number[] };

export const loopLabel = (block: number): string => `L${block}`;
export const blockLabel = (block: number): string => `B${block}`;

/** Structure one subprogram. */
export function structure(cfg: Cfg, sub: Subprogram): Structured {
  const ids = sub.blocks;
  const n = ids.length;
  const local = new Int32Array(cfg.blocks.length).fill(-1);
  ids.forEach((id, i) => {
    local[id] = i;
  });
  const succs: number[][] = ids.map((id) =>
    (cfg.blocks[id] as BasicBlock).succs.map((s) => local[s] as number),
  );
  const info = analyze(succs);
  const { rpo } = info;

  // Backward edges, reducibility, loop headers, forward in-degrees.
  const isHeader = new Uint8Array(n);
  const fwdIn = new Int32Array(n);
  const latchHead = new Int32Array(n).fill(-1); // per header: list of latches (linked)
  const latchNext: number[] = [];
  const latchNode: number[] = [];
  for (let u = 0; u < n; u++) {
    for (const v of succs[u] as number[]) {
      if ((rpo[v] as number) <= (rpo[u] as number)) {
        if (!dominates(info, v, u)) return { kind: 'irreducible', blocks: ids };
        isHeader[v] = 1;
        latchNode.push(u);
        latchNext.push(latchHead[v] as number);
        latchHead[v] = latchNode.length - 1;
      } else {
        fwdIn[v]!++;
      }
    }
  }

  // Merge children of each node in the dominator tree, by increasing RPO.
  const mergeKids: number[][] = Array.from({ length: n }, () => []);
  for (let i = 1; i < n; i++) {
    const v = info.order[i] as number; // increasing RPO
    if ((fwdIn[v] as number) >= 2) (mergeKids[info.idom[v] as number] as number[]).push(v);
  }

  const { charges, entryCharge, loops } = loopCharges(
    cfg,
    ids,
    succs,
    info,
    isHeader,
    latchHead,
    latchNext,
    latchNode,
  );

  const gid = (v: number): number => ids[v] as number;
  const isBr = (x: number, y: number): boolean =>
    (rpo[y] as number) <= (rpo[x] as number) || (fwdIn[y] as number) >= 2;
  const labelOf = (x: number, y: number): string =>
    (rpo[y] as number) <= (rpo[x] as number) ? loopLabel(gid(y)) : blockLabel(gid(y));

  /** x's instructions and branch into `out`; returns the node to inline next into `out`, or -1. */
  const emitNode = (x: number, out: Stmt[]): number => {
    const b = cfg.blocks[gid(x)] as BasicBlock;
    if (b.last >= b.first) out.push({ k: 'code', block: b.id });
    switch (b.end) {
      case 'exit':
        out.push({ k: 'exit', block: b.id });
        return -1;
      case 'falloff':
        out.push({ k: 'falloff', block: b.id });
        return -1;
      case 'goto': {
        const y = (succs[x] as number[])[0] as number;
        if (isBr(x, y)) {
          out.push({ k: 'br', label: labelOf(x, y) });
          return -1;
        }
        return y;
      }
      case 'cond': {
        const [t, f] = succs[x] as [number, number];
        const bt = isBr(x, t);
        const bf = isBr(x, f);
        if (bt) {
          out.push({ k: 'brIf', block: b.id, negate: false, label: labelOf(x, t) });
          if (!bf) return f;
          out.push({ k: 'br', label: labelOf(x, f) });
          return -1;
        }
        if (bf) {
          out.push({ k: 'brIf', block: b.id, negate: true, label: labelOf(x, f) });
          return t;
        }
        const then: Stmt[] = [];
        emitTree(t, then);
        out.push({ k: 'if', block: b.id, then });
        return f;
      }
    }
  };

  /** doTree(x) appended to `out`. Tail positions loop instead of recursing. */
  const emitTree = (start: number, into: Stmt[]): void => {
    let x = start;
    let out = into;
    for (;;) {
      if (isHeader[x] === 1) {
        const body: Stmt[] = [];
        out.push({
          k: 'loop',
          label: loopLabel(gid(x)),
          header: gid(x),
          charge: charges[x] as number,
          body,
        });
        out = body;
      }
      const ms = mergeKids[x] as number[];
      const k = ms.length;
      // lists[j] is the body of the block for ms[j-1]; lists[k+1] = out.
      const lists: Stmt[][] = new Array<Stmt[]>(k + 2);
      lists[k + 1] = out;
      for (let j = k; j >= 1; j--) {
        const body: Stmt[] = [];
        (lists[j + 1] as Stmt[]).push({
          k: 'block',
          label: blockLabel(gid(ms[j - 1] as number)),
          body,
        });
        lists[j] = body;
      }
      const inner = k > 0 ? (lists[1] as Stmt[]) : out;
      const tail = emitNode(x, inner);
      if (k === 0) {
        if (tail === -1) return;
        x = tail;
        continue;
      }
      // x's own inlined successor stays inside the merge blocks: not a tail, so recurse.
      if (tail !== -1) emitTree(tail, inner);
      for (let j = 1; j < k; j++) emitTree(ms[j - 1] as number, lists[j + 1] as Stmt[]);
      x = ms[k - 1] as number;
    }
  };

  const body: Stmt[] = [];
  emitTree(0, body);
  return { kind: 'nested', body, entryCharge, loops };
}

/**
 * Charges per loop header and for the function entry (see the header comment). Natural loops
 * are found innermost first (headers by decreasing RPO) walking backwards from the latches; a
 * union-find jumps over inner loops already collapsed into their header, so the total work is
 * near-linear.
 */
function loopCharges(
  cfg: Cfg,
  ids: readonly number[],
  succs: readonly (readonly number[])[],
  info: DfsInfo,
  isHeader: Uint8Array,
  latchHead: Int32Array,
  latchNext: readonly number[],
  latchNode: readonly number[],
): { charges: Int32Array; entryCharge: number; loops: number } {
  const n = ids.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let u = 0; u < n; u++)
    for (const v of succs[u] as readonly number[]) (preds[v] as number[]).push(u);
  const rep = new Int32Array(n);
  for (let i = 0; i < n; i++) rep[i] = i;
  const find = (v: number): number => {
    let r = v;
    while (rep[r] !== r) r = rep[r] as number;
    let x = v;
    while (rep[x] !== r) {
      const next = rep[x] as number;
      rep[x] = r;
      x = next;
    }
    return r;
  };
  const loopOf = new Int32Array(n).fill(-1); // innermost loop header of each block
  let loops = 0;
  const work: number[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const h = info.order[i] as number;
    if (isHeader[h] !== 1) continue;
    loops++;
    if (loopOf[h] === -1) loopOf[h] = h;
    for (let l = latchHead[h] as number; l !== -1; l = latchNext[l] as number)
      work.push(latchNode[l] as number);
    while (work.length > 0) {
      const y = find(work.pop() as number);
      if (y === h) continue;
      if (loopOf[y] === -1) loopOf[y] = h;
      rep[y] = h;
      for (const p of preds[y] as number[]) work.push(p);
    }
  }
  const charges = new Int32Array(n);
  let entryCharge = 0;
  for (let v = 0; v < n; v++) {
    const size = blockSize(cfg.blocks[ids[v] as number] as BasicBlock);
    const h = loopOf[v] as number;
    if (h === -1) entryCharge += size;
    else charges[h]! += size;
  }
  return { charges, entryCharge, loops };
}
