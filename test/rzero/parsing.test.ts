import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractAllBoxedOfficial,
  extractBoxed,
  extractBoxedOfficial,
  extractQuestion,
  parseChallengerOutput,
  parseGeneratedQuestion,
  thinkFormatValid,
} from '../../src/rzero/parsing';
import { golden } from './golden';

interface ParsingGolden {
  question_generate_cases: {
    response: string;
    extract_boxed_all: string[];
    parsed: { question: string; answer: string; score: number };
  }[];
  mathruler_extract_boxed_content_cases: { text: string; extract_boxed_content: string }[];
  compute_score_parsing_cases: {
    predict: string;
    sent_to_server: { question: string; answer: string };
  }[];
}

const g = golden<ParsingGolden>('parsing.json');

describe('golden parsing.json', () => {
  test('mathruler extract_boxed_content: every case', () => {
    for (const c of g.mathruler_extract_boxed_content_cases) {
      assert.equal(extractBoxedOfficial(c.text), c.extract_boxed_content, JSON.stringify(c.text));
      const ours = extractBoxed(c.text);
      assert.equal(ours ?? 'None', c.extract_boxed_content);
    }
  });

  test('question_generate.py extract_boxed and record: every case', () => {
    for (const c of g.question_generate_cases) {
      assert.deepEqual(extractAllBoxedOfficial(c.response), c.extract_boxed_all, c.response);
      assert.deepEqual(parseGeneratedQuestion(c.response), c.parsed, c.response);
    }
  });

  test('compute_score parsing (official mode): every case', () => {
    for (const c of g.compute_score_parsing_cases) {
      const p = parseChallengerOutput(c.predict, 'official');
      assert.deepEqual({ question: p.question, answer: p.answer }, c.sent_to_server, c.predict);
      assert.equal(p.valid, c.sent_to_server.question !== '' && c.sent_to_server.answer !== '');
    }
  });
});

describe('extractBoxed', () => {
  test('null without a complete box; nested braces; last box wins', () => {
    assert.equal(extractBoxed('no box'), null);
    assert.equal(extractBoxed('\\boxed{12'), null);
    assert.equal(extractBoxed('\\boxed{1} then \\boxed{2'), null, 'the LAST box is unbalanced');
    assert.equal(extractBoxed('\\boxed{\\frac{1}{2}}'), '\\frac{1}{2}');
    assert.equal(extractBoxed('\\boxed{1} \\boxed{ 2 }'), '2');
    assert.equal(extractBoxed('\\boxed{}'), '');
  });

  test('strips with the Python whitespace set (U+001C, U+0085 yes; U+FEFF no)', () => {
    assert.equal(extractBoxed('\\boxed{\u001c7\u0085}'), '7');
    assert.equal(extractBoxed('\\boxed{\ufeff7}'), '\ufeff7');
  });
});

describe('extractQuestion', () => {
  test('last tag pair, DOTALL, stripped; case-sensitive tags', () => {
    assert.equal(extractQuestion('<question>a</question><question>\n b \n</question>'), 'b');
    assert.equal(extractQuestion('<question>multi\nline</question>'), 'multi\nline');
    assert.equal(extractQuestion('<Question>x</Question>'), null);
    assert.equal(extractQuestion('<question>open'), null);
  });
});

describe('parseChallengerOutput', () => {
  test('paper mode: valid iff question and boxed answer are both non-empty', () => {
    assert.deepEqual(parseChallengerOutput('<question> Q </question> \\boxed{42}'), {
      question: 'Q',
      answer: '42',
      valid: true,
    });
    assert.equal(parseChallengerOutput('<question>Q</question> no box').valid, false);
    assert.equal(parseChallengerOutput('<question>Q</question> \\boxed{}').valid, false);
    assert.equal(parseChallengerOutput('<question>  </question> \\boxed{1}').valid, false);
    assert.equal(parseChallengerOutput('\\boxed{1}').valid, false);
  });

  test('official mode quirks: last character, missing box still valid, astral last char', () => {
    assert.deepEqual(parseChallengerOutput('<question>Q</question> no box', 'official'), {
      question: 'Q',
      answer: 'e',
      valid: true,
    });
    assert.equal(
      parseChallengerOutput('<question>Q</question> \\boxed{12}', 'official').answer,
      '2',
    );
    assert.equal(
      parseChallengerOutput('<question>Q</question> \\boxed{a😀}', 'official').answer,
      '😀',
    );
  });
});

describe('extractAllBoxedOfficial', () => {
  test('an unterminated box drops one code point, not one UTF-16 unit', () => {
    assert.deepEqual(extractAllBoxedOfficial('\\boxed{ab😀'), ['ab']);
    assert.deepEqual(extractAllBoxedOfficial('\\boxed{'), ['']);
  });
});

describe('thinkFormatValid (math.py format_reward)', () => {
  test('requires <think>...</think> then a box', () => {
    assert.equal(thinkFormatValid('<think>x</think> so \\boxed{1}.'), true);
    assert.equal(thinkFormatValid('<think>x</think> no box'), false);
    assert.equal(thinkFormatValid('pre <think>x</think>\\boxed{1}'), false);
  });
});
