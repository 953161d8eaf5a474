import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  actorLoss,
  computeKl,
  grpoAdvantages,
  grpoTokenAdvantages,
  KlMode,
  lowVarKl,
  maskedMean,
  maskedMeanRows,
  maskedVar,
  policyLossTerms,
} from '../../src/rzero/grpo';
import { assertAllClose, assertClose, golden } from './golden';

type M = number[][];

interface GrpoGolden {
  grpo_advantage_cases: {
    id: string;
    dtype: 'float64' | 'float32';
    token_level_rewards: M;
    response_mask: M;
    index: string[];
    eps: number;
    advantages: M;
    returns: M;
    per_response_advantage: number[];
  }[];
  policy_loss_cases: ({
    id: string;
    old_log_probs: M;
    log_probs: M;
    advantages: M;
    response_mask: M;
    clip_ratio_low: number;
    clip_ratio_high: number;
    clip_ratio_dual: number;
    pg_loss: number;
    pg_clipfrac_higher: number;
    pg_clipfrac_lower: number;
    ppo_kl: number;
  } & Record<string, unknown>)[];
  kl_cases: ({ id: string; log_probs: M; ref_log_probs: M } & Record<string, M | string>)[];
  masked_mean_cases: {
    id: string;
    values: M;
    mask: M;
    masked_mean_all: number;
    masked_mean_dim_minus1: number[];
    masked_var_unbiased: number;
  }[];
  actor_loss_cases: {
    id: string;
    old_log_probs: M;
    log_probs: M;
    ref_log_probs: M;
    advantages: M;
    response_mask: M;
    clip_ratio_low: number;
    clip_ratio_high: number;
    clip_ratio_dual: number;
    kl_coef: number;
    pg_loss: number;
    kl_loss: number;
    total_loss: number;
    entropy_loss_metric: number;
  }[];
}

const g = golden<GrpoGolden>('grpo.json');
const F64 = 1e-12;
/** Official float32 values vs our float64 maths, and torch's float32 exp vs ours (<= 1 ulp). */
const F32 = 1e-6;

describe('golden grpo.json grpo_advantage_cases', () => {
  for (const c of g.grpo_advantage_cases) {
    test(`${c.id} (${c.dtype})`, () => {
      const tol = c.dtype === 'float64' ? F64 : F32;
      const scores = c.token_level_rewards.map((r) => r.reduce((a, b) => a + b, 0));
      assertAllClose(
        grpoAdvantages(scores, c.index, c.eps),
        c.per_response_advantage,
        tol,
        'per response',
      );
      const tokens = grpoTokenAdvantages(c.token_level_rewards, c.response_mask, c.index, c.eps);
      assertAllClose(tokens, c.advantages, tol, 'advantages');
      assertAllClose(tokens, c.returns, tol, 'returns');
    });
  }
});

describe('GRPO advantage rules', () => {
  test('a group of one throws like the official AssertionError', () => {
    assert.throws(() => grpoAdvantages([1, 0, 1], ['a', 'a', 'b']), /GRPO needs rollout.n > 1./);
  });

  test('unbiased std, eps added to the std; equal rewards give 0', () => {
    const [a] = grpoAdvantages([1, 0], [7, 7]);
    assertClose(a, 0.5 / (Math.SQRT1_2 + 1e-6), 1e-15, 'n=2');
    assert.deepEqual(grpoAdvantages([0.3, 0.3, 0.3], ['u', 'u', 'u']), [0, 0, 0]);
  });

  test('numeric and string uids are distinct groups', () => {
    assert.throws(() => grpoAdvantages([1, 0], [1, '1']));
  });
});

describe('golden grpo.json policy_loss_cases', () => {
  for (const c of g.policy_loss_cases) {
    test(c.id, () => {
      const t = policyLossTerms(c.old_log_probs, c.log_probs, c.advantages, c.response_mask, {
        clipRatioLow: c.clip_ratio_low,
        clipRatioHigh: c.clip_ratio_high,
        clipRatioDual: c.clip_ratio_dual,
      });
      assertClose(t.pgLoss, c.pg_loss, F64, 'pg_loss');
      assertClose(t.clipfracHigher, c.pg_clipfrac_higher, F64, 'clipfrac_higher');
      assertClose(t.clipfracLower, c.pg_clipfrac_lower, F64, 'clipfrac_lower');
      assertClose(t.ppoKl, c.ppo_kl, F64, 'ppo_kl');
    });
  }
});

describe('golden grpo.json kl_cases', () => {
  const modes: KlMode[] = ['low_var_kl', 'kl', 'abs', 'mse'];
  for (const c of g.kl_cases) {
    test(c.id, () => {
      for (const mode of modes) {
        const official = c[mode] as M;
        // kl/abs/mse are single float32 roundings and match bit for bit; low_var_kl goes through
        // torch's float32 exp, which can differ from a rounded float64 exp by 1 float32 ulp.
        const tol = mode === 'low_var_kl' ? F32 : 0;
        assertAllClose(
          computeKl(c.log_probs, c.ref_log_probs, mode),
          official,
          tol,
          `${mode} float32`,
        );
        const f64 = c[`${mode}__float64_variant`] as M;
        assertAllClose(
          computeKl(c.log_probs, c.ref_log_probs, mode, false),
          f64,
          F64,
          `${mode} float64`,
        );
      }
    });
  }

  test('low_var_kl is clamped to [-10, 10] and 0 on equal inputs', () => {
    assert.equal(lowVarKl(-8, -0.1), 10);
    assert.equal(lowVarKl(-1.5, -1.5), 0);
  });
});

describe('golden grpo.json masked_mean_cases', () => {
  for (const c of g.masked_mean_cases) {
    test(c.id, () => {
      assertClose(maskedMean(c.values, c.mask), c.masked_mean_all, F64, 'all');
      assertAllClose(maskedMeanRows(c.values, c.mask), c.masked_mean_dim_minus1, F64, 'rows');
      assertClose(maskedVar(c.values, c.mask), c.masked_var_unbiased, F64, 'var');
    });
  }
});

describe('golden grpo.json actor_loss_cases', () => {
  for (const c of g.actor_loss_cases) {
    test(c.id, () => {
      const a = actorLoss(
        c.old_log_probs,
        c.log_probs,
        c.ref_log_probs,
        c.advantages,
        c.response_mask,
        {
          clipRatioLow: c.clip_ratio_low,
          clipRatioHigh: c.clip_ratio_high,
          clipRatioDual: c.clip_ratio_dual,
          klCoef: c.kl_coef,
        },
      );
      assertClose(a.pgLoss, c.pg_loss, F64, 'pg_loss');
      assertClose(a.klLoss, c.kl_loss, F32, 'kl_loss');
      assertClose(a.totalLoss, c.total_loss, F32 * c.kl_coef, 'total_loss');
      assertClose(a.entropyLoss, c.entropy_loss_metric, F64, 'entropy');
    });
  }
});
