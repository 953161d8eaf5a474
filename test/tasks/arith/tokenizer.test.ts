import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARITH_BENCHMARK_NAMES,
  ARITH_CHARS,
  ARITH_CORPUS_RECIPE,
  ARITH_EOS,
  ARITH_MODEL_MAX_LENGTH,
  CHALLENGER_SYSTEM,
  CHALLENGER_USER,
  SOLVER_SYSTEM,
  arithBenchmark,
  arithCorpus,
  arithTokenizer,
  arithTokenizerFiles,
  challengerCompletion,
  challengerPrompt,
  generateProblems,
  makeDocument,
  solverPrompt,
} from '../../../src/tasks/arith';
import { VARIED_KNOBS } from './fixtures';

const tok = arithTokenizer();

/** Every text the domain writes: prompts, completions and whole documents. */
function emittedTexts(): string[] {
  const texts = [solverPrompt(''), challengerPrompt(), SOLVER_SYSTEM, CHALLENGER_SYSTEM];
  const problems = VARIED_KNOBS.flatMap((k, i) => generateProblems(70 + i, k, 300));
  for (const name of ARITH_BENCHMARK_NAMES) problems.push(...arithBenchmark(name));
  problems.forEach((p, i) => {
    texts.push(makeDocument(i, 'solver', p.question, p.answer).text);
    texts.push(makeDocument(i, 'challenger', p.question, p.answer).text);
  });
  for (const d of arithCorpus({ ...ARITH_CORPUS_RECIPE, documents: 2000 })) texts.push(d.text);
  return texts;
}

const TEXTS = emittedTexts();

describe('arith tokenizer', () => {
  test('ids: specials first, then the characters; 53 tokens', () => {
    assert.equal(tok.vocabSize, 53);
    assert.deepEqual(
      ['<|bos|>', '<|eos|>', '<|pad|>', '\n', ' '].map((t) => tok.tokenToId(t)),
      [0, 1, 2, 3, 4],
    );
    assert.equal(tok.bosTokenId, 0);
    assert.deepEqual(tok.eosTokenIds, [1]);
    assert.equal(tok.padTokenId, 2);
    assert.equal(tok.hasChatTemplate, false);
  });

  test('tokenizer_config: special tokens, max length, no chat template', () => {
    const cfg = arithTokenizerFiles()['tokenizer_config.json'] as Record<string, unknown>;
    assert.equal(cfg.model_max_length, ARITH_MODEL_MAX_LENGTH);
    assert.equal(cfg.eos_token, ARITH_EOS);
    assert.equal('chat_template' in cfg, false);
    assert.deepEqual(arithTokenizerFiles(), arithTokenizerFiles());
  });

  test('the engine renders the plain R-Zero prompt exactly as the formats do', () => {
    const q = '(12+7)*3-5=?';
    const solver = [
      { role: 'system' as const, content: SOLVER_SYSTEM },
      { role: 'user' as const, content: q },
    ];
    assert.equal(tok.applyChatTemplate(solver), solverPrompt(q));
    const challenger = [
      { role: 'system' as const, content: CHALLENGER_SYSTEM },
      { role: 'user' as const, content: CHALLENGER_USER },
    ];
    assert.equal(tok.applyChatTemplate(challenger), challengerPrompt());
  });

  test('every format round-trips, one token per character (eos one token)', () => {
    for (const text of TEXTS) {
      const ids = tok.encode(text);
      assert.equal(tok.decode(ids), text);
      const chars = Array.from(text.replace(ARITH_EOS, '#')).length;
      assert.equal(ids.length, chars, JSON.stringify(text));
    }
    const doc = makeDocument(0, 'challenger', '1+2=?', '3');
    assert.equal(doc.completion, challengerCompletion('1+2=?', '3'));
    assert.equal(tok.encode(doc.text).at(-1), 1);
  });

  test('every document fits model_max_length', () => {
    const longest = Math.max(...TEXTS.map((t) => tok.encode(t).length));
    assert.ok(longest <= ARITH_MODEL_MAX_LENGTH, `longest ${longest}`);
  });

  test('the character set is exactly what the domain emits', () => {
    const used = new Set<string>();
    for (const text of TEXTS) for (const c of text.replace(ARITH_EOS, '')) used.add(c);
    assert.deepEqual([...used].sort(), [...ARITH_CHARS].sort());
    assert.deepEqual([...ARITH_CHARS], [...ARITH_CHARS].sort(), 'code-point order');
  });
});
