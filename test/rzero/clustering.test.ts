import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bleuDistanceMatrix,
  canonicalLabels,
  clusterDistances,
  clusterShares,
} from '../../src/rzero/clustering';
import { assertAllClose, golden } from './golden';

interface BatchCase {
  id: string;
  n: number;
  questions: string[];
  tokens: string[][];
  distance_matrix?: number[][];
  cluster_share?: number[];
  labels_canonical?: number[];
  n_clusters?: number;
  merge_distances?: number[];
  error?: string;
}

interface MatrixCase {
  id: string;
  n: number;
  distance_matrix: number[][];
  cluster_share: number[];
  labels_canonical: number[];
  n_clusters: number;
  merge_distances: number[];
  merge_children_scipy_order: [number, number][];
  naive_greedy_lowest_index_tiebreak_differs: boolean;
}

const g = golden<{ cases: BatchCase[]; clustering_only_cases: MatrixCase[] }>(
  'repetition_penalty.json',
);

describe('golden repetition_penalty.json cases (BLEU batches)', () => {
  for (const c of g.cases) {
    test(c.id, () => {
      if (c.error !== undefined) {
        // Official behaviour: sklearn raises for one sample. Ours by default: share 1 (see report).
        assert.throws(() => clusterShares(c.questions, 0.5, { singleItem: 'throw' }), {
          message: c.error.replace(/^ValueError: /, ''),
        });
        assert.deepEqual(clusterShares(c.questions), [1]);
        return;
      }
      const dist = bleuDistanceMatrix(c.questions);
      assertAllClose(dist, c.distance_matrix as number[][], 1e-12, 'distance matrix');
      const r = clusterDistances(dist);
      assert.deepEqual(r.shares, c.cluster_share);
      assert.deepEqual(r.labels, c.labels_canonical);
      assert.deepEqual(clusterShares(c.questions), c.cluster_share);
      if (c.n === 0) return;
      assert.equal(r.nClusters, c.n_clusters);
      assertAllClose(
        r.linkage.map((s) => s.distance),
        c.merge_distances as number[],
        1e-12,
        'merge distances',
      );
    });
  }
});

describe('golden repetition_penalty.json clustering_only_cases', () => {
  for (const c of g.clustering_only_cases) {
    test(c.id, () => {
      const r = clusterDistances(c.distance_matrix);
      assert.deepEqual(r.shares, c.cluster_share);
      assert.deepEqual(r.labels, c.labels_canonical);
      assert.equal(r.nClusters, c.n_clusters);
      assert.deepEqual(
        r.linkage.map((s) => [s.a, s.b]),
        c.merge_children_scipy_order,
      );
      assertAllClose(
        r.linkage.map((s) => s.distance),
        c.merge_distances,
        1e-12,
        'merge distances',
      );
      if (!c.naive_greedy_lowest_index_tiebreak_differs) {
        assert.deepEqual(
          naiveGreedyLabels(c.distance_matrix, 0.5),
          c.labels_canonical,
          'no tie at stake',
        );
      }
    });
  }

  test('tie-breaking matters: a closest-pair loop gets tie-heavy golden cases wrong', () => {
    const flagged = g.clustering_only_cases.filter(
      (c) => c.naive_greedy_lowest_index_tiebreak_differs,
    );
    const wrong = flagged.filter(
      (c) => naiveGreedyLabels(c.distance_matrix, 0.5).join() !== c.labels_canonical.join(),
    );
    assert.ok(wrong.length > 0, 'the flagged cases must really depend on the tie rules');
    for (const c of wrong)
      assert.deepEqual(clusterDistances(c.distance_matrix).labels, c.labels_canonical, c.id);
  });
});

/** Merge the globally closest pair (lowest (i, j) on ties) while its UPGMA distance < threshold. */
function naiveGreedyLabels(dist: number[][], threshold: number): number[] {
  const clusters = dist.map((_, i) => [i]);
  const avg = (a: number[], b: number[]): number =>
    a.reduce((s, i) => s + b.reduce((t, j) => t + dist[i][j], 0), 0) / (a.length * b.length);
  for (;;) {
    let best: [number, number, number] | null = null;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        const d = avg(clusters[i], clusters[j]);
        if (best === null || d < best[2]) best = [i, j, d];
      }
    }
    if (best === null || best[2] >= threshold) break;
    clusters[best[0]].push(...clusters[best[1]]);
    clusters.splice(best[1], 1);
  }
  const raw = new Array<number>(dist.length);
  clusters.forEach((members, k) => members.forEach((i) => (raw[i] = k)));
  return canonicalLabels(raw);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(n: number, rand: () => number): number[][] {
  const d = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[i][j] = d[j][i] = rand();
  return d;
}

describe('clustering invariants', () => {
  test('without ties, nn-chain gives the same partition as naive closest-pair UPGMA', () => {
    const rand = rng(7);
    for (let k = 0; k < 200; k++) {
      const d = randomMatrix(2 + (k % 12), rand);
      assert.deepEqual(clusterDistances(d).labels, naiveGreedyLabels(d, 0.5), `matrix ${k}`);
    }
  });

  test('shares are |C_k| / B, labels canonical, and raising the threshold only merges', () => {
    const rand = rng(11);
    for (let k = 0; k < 50; k++) {
      const d = randomMatrix(10, rand);
      const fine = clusterDistances(d, 0.4);
      const coarse = clusterDistances(d, 0.6);
      fine.labels.forEach((l, i) => {
        assert.equal(fine.shares[i], fine.labels.filter((x) => x === l).length / 10);
        fine.labels.forEach((m, j) => {
          if (l === m) assert.equal(coarse.labels[i], coarse.labels[j]);
        });
      });
      assert.deepEqual(fine.labels, canonicalLabels(fine.labels));
    }
  });

  test('threshold edges: 0 keeps singletons, > 1 joins everything; merges stop at == threshold', () => {
    const d = randomMatrix(6, rng(3));
    assert.deepEqual(clusterDistances(d, 0).shares, new Array(6).fill(1 / 6));
    assert.deepEqual(clusterDistances(d, 1.01).shares, new Array(6).fill(1));
    assert.deepEqual(
      clusterDistances([
        [0, 0.5],
        [0.5, 0],
      ]).labels,
      [0, 1],
    );
  });

  test('identical questions of >= 3 tokens cluster, 1-2 tokens and empties do not', () => {
    assert.deepEqual(clusterShares(['a b c', 'a b c']), [1, 1]);
    assert.deepEqual(clusterShares(['a b', 'a b']), [0.5, 0.5]);
    assert.deepEqual(clusterShares(['', '', ' ']), [1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual(clusterShares([]), []);
  });
});
