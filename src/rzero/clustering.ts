/**
 * Repetition-penalty clustering (paper Sec. 3.3; official caller_penalty.py
 * `cluster_share_per_problem`): BLEU distances, then sklearn
 * `AgglomerativeClustering(n_clusters=None, distance_threshold=0.5, metric='precomputed',
 * linkage='average')`, reproduced step by step so that ties break exactly as there
 * (golden README "Clustering"):
 * 1. scipy `linkage(condensed upper triangle, 'average')`, which runs `_hierarchy.nn_chain`:
 *    the chain starts at the lowest active index, the nearest neighbour is scanned in index order
 *    replacing only on a strictly smaller distance, the element before last is preferred on a
 *    tie, mutual neighbours merge into the larger index, distances update as
 *    (n_a d(a,k) + n_b d(b,k)) / (n_a + n_b).
 * 2. The merges are stably sorted by distance and relabelled with a union-find (scipy `label`).
 * 3. sklearn sets n_clusters = 1 + #(merge distances >= threshold) and cuts the tree by undoing
 *    the highest merges (`_hc_cut`): a merge at exactly the threshold is NOT made.
 * Share of question i = |cluster(i)| / B (B = all questions given, empty ones included).
 */
import { sentenceBleu } from './bleu';

/** `dist[i][j] = 1 - BLEU(hyp = q_i, ref = q_j)` for i < j, mirrored; diagonal 0. */
export function bleuDistanceMatrix(questions: readonly string[]): number[][] {
  const n = questions.length;
  const dist = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      dist[i][j] = dist[j][i] = 1 - sentenceBleu(questions[i], questions[j]);
    }
  }
  return dist;
}

/** One row of scipy's linkage matrix Z (after sorting and relabelling). */
export interface LinkageStep {
  a: number;
  b: number;
  distance: number;
  size: number;
}

interface RawMerge {
  x: number;
  y: number;
  distance: number;
}

/** scipy `_hierarchy.nn_chain` with the average (UPGMA) update; upper triangle of `dist` is read. */
function nnChain(dist: readonly (readonly number[])[]): RawMerge[] {
  const n = dist.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = dist[i][j];
  }
  const size = new Int32Array(n).fill(1);
  const chain: number[] = [];
  const merges: RawMerge[] = [];
  let y = 0;
  for (let k = 0; k < n - 1; k++) {
    if (chain.length === 0) chain.push(size.findIndex((s) => s > 0));
    let x: number;
    let currentMin: number;
    for (;;) {
      x = chain[chain.length - 1];
      currentMin = Infinity;
      if (chain.length > 1) {
        y = chain[chain.length - 2];
        currentMin = d[x * n + y];
      }
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || i === x) continue;
        if (d[x * n + i] < currentMin) {
          currentMin = d[x * n + i];
          y = i;
        }
      }
      if (chain.length > 1 && y === chain[chain.length - 2]) break;
      chain.push(y);
    }
    chain.length -= 2;
    const [lo, hi] = x < y ? [x, y] : [y, x];
    merges.push({ x: lo, y: hi, distance: currentMin });
    const [nx, ny] = [size[lo], size[hi]];
    size[lo] = 0;
    size[hi] = nx + ny;
    for (let i = 0; i < n; i++) {
      if (size[i] === 0 || i === hi) continue;
      d[i * n + hi] = d[hi * n + i] = (nx * d[i * n + lo] + ny * d[i * n + hi]) / (nx + ny);
    }
  }
  return merges;
}

/** scipy `label`: cluster ids n, n+1, ... in the sorted merge order (union-find). */
function relabel(sorted: RawMerge[], n: number): LinkageStep[] {
  const parent = Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const size = new Array<number>(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let root = v;
    while (parent[root] !== root) root = parent[root];
    for (let p = v; parent[p] !== root;) [p, parent[p]] = [parent[p], root];
    return root;
  };
  return sorted.map((m, i) => {
    const [rx, ry] = [find(m.x), find(m.y)];
    const id = n + i;
    parent[rx] = parent[ry] = id;
    size[id] = size[rx] + size[ry];
    return { a: Math.min(rx, ry), b: Math.max(rx, ry), distance: m.distance, size: size[id] };
  });
}

/** scipy `linkage(squareform(dist), method='average')`: Z sorted by distance. */
export function averageLinkage(dist: readonly (readonly number[])[]): LinkageStep[] {
  const merges = nnChain(dist);
  const sorted = merges
    .map((m, i) => ({ m, i }))
    .sort((p, q) => p.m.distance - q.m.distance || p.i - q.i)
    .map((e) => e.m);
  return relabel(sorted, dist.length);
}

function leavesUnder(node: number, steps: readonly LinkageStep[], n: number): number[] {
  const out: number[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const v = stack.pop() as number;
    if (v < n) out.push(v);
    else stack.push(steps[v - n].a, steps[v - n].b);
  }
  return out;
}

/** sklearn `_hc_cut`: expand the highest node n_clusters - 1 times; labels by first appearance. */
function cutTree(steps: readonly LinkageStep[], n: number, nClusters: number): number[] {
  const nodes = new Set<number>([2 * n - 2]);
  for (let c = 1; c < nClusters; c++) {
    const top = Math.max(...nodes);
    nodes.delete(top);
    nodes.add(steps[top - n].a);
    nodes.add(steps[top - n].b);
  }
  const raw = new Array<number>(n).fill(-1);
  for (const node of nodes) for (const leaf of leavesUnder(node, steps, n)) raw[leaf] = node;
  return canonicalLabels(raw);
}

/** Relabels cluster ids 0, 1, 2, ... in order of first appearance. */
export function canonicalLabels(raw: readonly number[]): number[] {
  const ids = new Map<number, number>();
  return raw.map((r) => {
    if (!ids.has(r)) ids.set(r, ids.size);
    return ids.get(r) as number;
  });
}

export interface ClusteringResult {
  /** Cluster of each item, numbered by first appearance. */
  labels: number[];
  nClusters: number;
  /** |C_k| / B for each item. */
  shares: number[];
  /** scipy's sorted linkage (sklearn `children_` / `distances_`). */
  linkage: LinkageStep[];
}

export interface ClusterOptions {
  /** A batch of one: 'share' (default) gives [1]; 'throw' mirrors sklearn's ValueError. */
  singleItem?: 'share' | 'throw';
}

function sharesOf(labels: readonly number[]): number[] {
  const sizes = new Map<number, number>();
  for (const l of labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  return labels.map((l) => (sizes.get(l) as number) / labels.length);
}

/** Average-linkage clustering of a precomputed distance matrix, cut at `threshold` (strict <). */
export function clusterDistances(
  dist: readonly (readonly number[])[],
  threshold = 0.5,
  opts: ClusterOptions = {},
): ClusteringResult {
  const n = dist.length;
  if (n === 0) return { labels: [], nClusters: 0, shares: [], linkage: [] };
  if (n === 1) {
    if (opts.singleItem === 'throw') {
      throw new Error(
        'Found array with 1 sample(s) (shape=(1, 1)) while a minimum of 2 is required by AgglomerativeClustering.',
      );
    }
    return { labels: [0], nClusters: 1, shares: [1], linkage: [] };
  }
  const linkage = averageLinkage(dist);
  const nClusters = 1 + linkage.filter((s) => s.distance >= threshold).length;
  const labels = cutTree(linkage, n, nClusters);
  return { labels, nClusters, shares: sharesOf(labels), linkage };
}

/** Share |C_k| / B of each question's BLEU cluster (the official `cluster_share_per_problem`). */
export function clusterShares(
  questions: readonly string[],
  threshold = 0.5,
  opts: ClusterOptions = {},
): number[] {
  return clusterDistances(bleuDistanceMatrix(questions), threshold, opts).shares;
}
