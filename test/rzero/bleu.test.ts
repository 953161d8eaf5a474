import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sentenceBleu, sentenceBleuDetails, tokenize } from '../../src/rzero/bleu';
import { fsum, pySplit, pyStrip } from '../../src/rzero/py-compat';
import { assertClose, golden } from './golden';

interface BleuGolden {
  python_str_split_whitespace_codepoints: string[];
  tokenization_cases: { text: string; tokens: string[] }[];
  cases: {
    id: string;
    hypothesis: string;
    reference: string;
    hyp_tokens: string[];
    ref_tokens: string[];
    bleu: number;
    bleu_is_int_zero_early_return: boolean;
    clipped_ngram_matches_and_counts_n1_to_n4: [number, number][];
    brevity_penalty: number;
  }[];
}

const g = golden<BleuGolden>('bleu.json');

describe('golden bleu.json', () => {
  for (const c of g.cases) {
    test(c.id, () => {
      assert.deepEqual(tokenize(c.hypothesis), c.hyp_tokens);
      assert.deepEqual(tokenize(c.reference), c.ref_tokens);
      const d = sentenceBleuDetails(c.hypothesis, c.reference);
      assert.deepEqual(d.matches, c.clipped_ngram_matches_and_counts_n1_to_n4);
      assert.equal(d.earlyReturnZero, c.bleu_is_int_zero_early_return);
      assertClose(d.brevityPenalty, c.brevity_penalty, 1e-15, 'brevity penalty');
      assertClose(d.score, c.bleu, 1e-12, 'bleu');
      assert.equal(sentenceBleu(c.hypothesis, c.reference), d.score);
      if (c.bleu_is_int_zero_early_return) assert.equal(d.score, 0);
    });
  }

  test('tokenization_cases', () => {
    for (const c of g.tokenization_cases)
      assert.deepEqual(tokenize(c.text), c.tokens, JSON.stringify(c.text));
  });

  test('exactly the 29 Python whitespace code points split and strip', () => {
    const ws = new Set(g.python_str_split_whitespace_codepoints.map((h) => parseInt(h, 16)));
    assert.equal(ws.size, 29);
    for (let cp = 0; cp <= 0x3000; cp++) {
      const ch = String.fromCodePoint(cp);
      const splits = pySplit(`a${ch}b`).length === 2;
      assert.equal(splits, ws.has(cp), `U+${cp.toString(16)}`);
      assert.equal(pyStrip(`${ch}a${ch}`) === 'a', ws.has(cp), `strip U+${cp.toString(16)}`);
    }
    assert.deepEqual(pySplit('a\ufeffb'), ['a\ufeffb'], 'U+FEFF is not Python whitespace');
  });
});

describe('BLEU edge cases', () => {
  test('identical 1-, 2-, 3-token questions score 0.1^(3/4), 0.1^(1/2), 0.1^(1/4)', () => {
    assertClose(sentenceBleu('a', 'a'), 0.1 ** 0.75, 1e-15, '1 token');
    assertClose(sentenceBleu('a b', 'a b'), 0.1 ** 0.5, 1e-15, '2 tokens');
    assertClose(sentenceBleu('a b c', 'a b c'), 0.1 ** 0.25, 1e-15, '3 tokens');
    assert.equal(sentenceBleu('a b c d', 'a b c d'), 1);
  });

  test('empty or whitespace-only strings score exactly 0; BLEU is asymmetric', () => {
    assert.equal(sentenceBleu('', ''), 0);
    assert.equal(sentenceBleu(' \u0085 ', '\u001c'), 0);
    assert.notEqual(sentenceBleu('a b c d', 'a b c d e f'), sentenceBleu('a b c d e f', 'a b c d'));
  });

  test('JS-only whitespace (U+FEFF) is part of a token, Python-only (U+0085) separates', () => {
    assert.equal(sentenceBleu('a\u0085b c d', 'a b c d'), 1);
    assert.ok(sentenceBleu('a\ufeffb c d', 'a b c d') < 1);
  });
});

describe('fsum', () => {
  test('is exactly rounded where a naive sum is not', () => {
    assert.equal(fsum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]), 1);
    assert.equal(fsum([1e100, 1, -1e100, 1e-100]), 1);
    assert.equal(fsum([]), 0);
  });
});
