import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  Tokenizer,
  TokenizerError,
  buildCharTokenizerJson,
  encodeChat,
} from '../../src/engine/tokenizer';
import { sharedDir } from '../helpers/shared';

/** The real tokenizers of shared/data (test/helpers/shared.ts finds shared/). */
const SHARED_DIR = sharedDir();
const SHARED =
  SHARED_DIR && existsSync(path.join(SHARED_DIR, 'data', 'tokenizers')) ? SHARED_DIR : null;
const NO_SHARED = SHARED === null ? 'shared/data/tokenizers not found' : false;
const tokDir = (name: string): string => path.join(SHARED ?? '', 'data', 'tokenizers', name);

// The official R-Zero Solver system prompt (verl/utils/dataset.py, question_evaluate/evaluate.py).
const SOLVER_SYSTEM = 'Please reason step by step, and put your final answer within \\boxed{}.';
// Line 1 of shared/data/gsm8k/test-200.jsonl (note the U+2019 in "Janet’s").
const GSM8K_Q1 =
  'Janet\u2019s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes ' +
  "muffins for her friends every day with four. She sells the remainder at the farmers' market " +
  "daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";
const solverChat = [
  { role: 'system' as const, content: SOLVER_SYSTEM },
  { role: 'user' as const, content: GSM8K_Q1 },
];

const ROUND_TRIP_TEXTS = [
  'Hello, world. It is fine!',
  '\\boxed{\\frac{1}{2}}',
  '1234567890 + 987654321 = 1111111211',
  '\u{1F600}\u{1F389}\u{1F44D}\u{1F3FD} family: \u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
  '数学是科学的语言。日本語テキスト',
  'Café naïve résumé Ångström',
  'a\nb\n\nc\td  e   f    g\r\n',
  'Janet\u2019s ducks',
  ' leading and trailing ',
  "x ,y . z ? don 't",
  '',
];

async function expectError(
  fn: () => unknown,
  code: string,
  ...parts: (string | RegExp)[]
): Promise<TokenizerError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TokenizerError, `expected a TokenizerError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const p of parts) {
    if (typeof p === 'string')
      assert.ok(caught.message.includes(p), `"${caught.message}" lacks ${p}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

describe('Qwen3-0.6B tokenizer', { skip: NO_SHARED }, () => {
  let tok: Tokenizer;
  before(async () => {
    tok = await Tokenizer.fromDir(tokDir('Qwen3-0.6B'));
  });

  test('encodes the verified ids; special tokens add nothing', () => {
    assert.deepEqual(tok.encode('Hello world'), [9707, 1879]);
    const ids = [9707, 1879, 0, 220, 16, 17, 10, 22, 28, 16, 24];
    assert.deepEqual(tok.encode('Hello world! 12+7=19'), ids);
    assert.deepEqual(tok.encode('Hello world! 12+7=19', { addSpecialTokens: true }), ids);
  });

  test('special tokens, ids and vocabulary size', () => {
    assert.equal(tok.eosToken, '<|im_end|>');
    assert.deepEqual(tok.eosTokenIds, [151645]);
    assert.equal(tok.bosToken, null);
    assert.equal(tok.bosTokenId, null);
    assert.equal(tok.padTokenId, 151643);
    assert.equal(tok.vocabSize, 151669);
    assert.equal(tok.tokenToId('<think>'), 151667);
    assert.equal(tok.idToToken(151668), '</think>');
    assert.equal(tok.tokenToId('not a token at all'), undefined);
    assert.equal(tok.idToToken(151669), undefined);
    assert.equal(tok.hasChatTemplate, true);
  });

  test('round-trips varied text', () => {
    for (const text of ROUND_TRIP_TEXTS) {
      assert.equal(tok.decode(tok.encode(text)), text, JSON.stringify(text));
    }
    assert.deepEqual(tok.encode(''), []);
    assert.equal(tok.decode([]), '');
  });

  test('special tokens in text are single ids; skipSpecialTokens drops them', () => {
    const ids = tok.encode('<|im_start|>user\nhi<|im_end|>');
    assert.equal(ids[0], 151644);
    assert.equal(ids[ids.length - 1], 151645);
    assert.equal(tok.decode(ids), '<|im_start|>user\nhi<|im_end|>');
    assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'user\nhi');
  });

  test('chat template: README fact with enable_thinking=False', () => {
    const out = tok.applyChatTemplate([{ role: 'user', content: 'What is 2+2?' }], {
      enableThinking: false,
    });
    assert.equal(
      out,
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  });

  test('chat template: R-Zero Solver prompt on GSM8K line 1', () => {
    const body =
      `<|im_start|>system\n${SOLVER_SYSTEM}<|im_end|>\n` +
      `<|im_start|>user\n${GSM8K_Q1}<|im_end|>\n`;
    // enable_thinking unset: no empty think block (the template only writes it for false).
    assert.equal(tok.applyChatTemplate(solverChat), body + '<|im_start|>assistant\n');
    assert.equal(
      tok.applyChatTemplate(solverChat, { enableThinking: false }),
      body + '<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
    assert.equal(
      tok.applyChatTemplate(solverChat, { enableThinking: true }),
      body + '<|im_start|>assistant\n',
    );
    assert.equal(tok.applyChatTemplate(solverChat, { addGenerationPrompt: false }), body);
  });

  test('chat template: earlier assistant turns lose their <think> block (as jinja2 renders)', () => {
    const out = tok.applyChatTemplate([
      ...solverChat,
      { role: 'assistant', content: '<think>\nhmm\n</think>\n\nThe answer is \\boxed{18}.' },
      { role: 'user', content: 'Again?' },
    ]);
    assert.ok(
      out.endsWith(
        '<|im_start|>assistant\nThe answer is \\boxed{18}.<|im_end|>\n' +
          '<|im_start|>user\nAgain?<|im_end|>\n<|im_start|>assistant\n',
      ),
      JSON.stringify(out),
    );
  });

  test('encodeChat = encode(applyChatTemplate) and decodes back', () => {
    const ids = encodeChat(tok, solverChat);
    assert.equal(ids[0], 151644);
    assert.equal(tok.decode(ids), tok.applyChatTemplate(solverChat));
  });
});

describe('Meta-Llama-3-8B-Instruct tokenizer', { skip: NO_SHARED }, () => {
  let tok: Tokenizer;
  before(async () => {
    tok = await Tokenizer.fromDir(tokDir('Meta-Llama-3-8B-Instruct'));
  });

  test('addSpecialTokens runs the post-processor that prepends <|begin_of_text|>', () => {
    assert.deepEqual(tok.encode('Hello world', { addSpecialTokens: true }), [128000, 9906, 1917]);
    assert.deepEqual(tok.encode('Hello world'), [9906, 1917]);
    assert.deepEqual(tok.encode('', { addSpecialTokens: true }), [128000]);
  });

  test('special tokens, ids and vocabulary size', () => {
    assert.equal(tok.bosTokenId, 128000);
    assert.equal(tok.eosToken, '<|eot_id|>');
    assert.deepEqual(tok.eosTokenIds, [128009]);
    assert.equal(tok.padTokenId, null);
    assert.equal(tok.vocabSize, 128256);
    assert.equal(tok.idToToken(128255), '<|reserved_special_token_250|>');
  });

  test('round-trips varied text', () => {
    for (const text of ROUND_TRIP_TEXTS) {
      assert.equal(tok.decode(tok.encode(text)), text, JSON.stringify(text));
    }
  });

  test('decode is lossless by default; HF clean-up is opt-in', () => {
    const ids = tok.encode('x ,y . z ?');
    assert.equal(tok.decode(ids), 'x ,y . z ?');
    assert.equal(tok.decode(ids, { cleanUpTokenizationSpaces: true }), 'x,y. z?');
    const withBos = tok.encode('Hi', { addSpecialTokens: true });
    assert.equal(tok.decode(withBos), '<|begin_of_text|>Hi');
    assert.equal(tok.decode(withBos, { skipSpecialTokens: true }), 'Hi');
  });

  test('chat template: README fact', () => {
    assert.equal(
      tok.applyChatTemplate([{ role: 'user', content: 'What is 2+2?' }]),
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  test('chat template: R-Zero Solver prompt on GSM8K line 1', () => {
    const body =
      '<|begin_of_text|>' +
      `<|start_header_id|>system<|end_header_id|>\n\n${SOLVER_SYSTEM}<|eot_id|>` +
      `<|start_header_id|>user<|end_header_id|>\n\n${GSM8K_Q1}<|eot_id|>`;
    const gen = '<|start_header_id|>assistant<|end_header_id|>\n\n';
    assert.equal(tok.applyChatTemplate(solverChat), body + gen);
    assert.equal(tok.applyChatTemplate(solverChat, { enableThinking: false }), body + gen);
    assert.equal(tok.applyChatTemplate(solverChat, { addGenerationPrompt: false }), body);
  });

  test('encodeChat has one <|begin_of_text|>; adding special tokens again would double it', () => {
    const ids = encodeChat(tok, solverChat);
    assert.equal(ids[0], 128000);
    assert.notEqual(ids[1], 128000);
    assert.equal(ids.filter((i) => i === 128000).length, 1);
    // <|start_header_id|> assistant <|end_header_id|> "\n\n" (one byte-level token, ĊĊ)
    assert.deepEqual(ids.slice(-4), [128006, 78191, 128007, 271]);
    assert.equal(tok.idToToken(271), '\u010A\u010A');
    const doubled = tok.encode(tok.applyChatTemplate(solverChat), { addSpecialTokens: true });
    assert.deepEqual(doubled.slice(0, 2), [128000, 128000]);
  });
});

describe('shared data', { skip: NO_SHARED }, () => {
  test('GSM8K line 1 is the question used above', () => {
    const file = path.join(SHARED ?? '', 'data', 'gsm8k', 'test-200.jsonl');
    const line1 = readFileSync(file, 'utf8').split('\n')[0]!;
    assert.equal((JSON.parse(line1) as { question: string }).question, GSM8K_Q1);
  });
});

// The fixed character set of the tiny built-in model's tokenizer.
const CHARS = Array.from(
  '0123456789+-*()= abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\\{}<>/\n',
);
const SPECIALS = ['<|bos|>', '<|eos|>', '<|pad|>'];
const CHAR_CONFIG = { bos_token: '<|bos|>', eos_token: '<|eos|>', pad_token: '<|pad|>' };

describe('character-level tokenizer', () => {
  const json = buildCharTokenizerJson(CHARS, SPECIALS);
  const tok = Tokenizer.fromObjects(json, CHAR_CONFIG);

  test('ids: specials first, then characters in order', () => {
    assert.equal(tok.vocabSize, SPECIALS.length + CHARS.length);
    assert.equal(tok.bosTokenId, 0);
    assert.deepEqual(tok.eosTokenIds, [1]);
    assert.equal(tok.padTokenId, 2);
    assert.equal(tok.tokenToId('0'), 3);
    assert.equal(tok.tokenToId('\n'), SPECIALS.length + CHARS.length - 1);
    assert.deepEqual(tok.encode('12+7=19'), [4, 5, 13, 10, 18, 4, 12]);
    assert.equal(tok.hasChatTemplate, false);
  });

  test('one id per character, round-trips random text over the set', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let k = 0; k < 200; k++) {
      const n = rand(60);
      let s = '';
      for (let i = 0; i < n; i++) s += CHARS[rand(CHARS.length)];
      const ids = tok.encode(s);
      assert.equal(ids.length, s.length);
      assert.equal(tok.decode(ids), s, JSON.stringify(s));
    }
    const all = CHARS.join('');
    assert.equal(tok.decode(tok.encode(all)), all);
    assert.equal(tok.decode(tok.encode('  a\n\n  b  ')), '  a\n\n  b  ');
  });

  test('special tokens are single ids and skippable', () => {
    const text = '<|bos|>\\boxed{12}<|eos|><|pad|><|pad|>';
    const ids = tok.encode(text);
    assert.equal(ids[0], 0);
    assert.deepEqual(ids.slice(-3), [1, 2, 2]);
    assert.equal(tok.decode(ids), text);
    assert.equal(tok.decode(ids, { skipSpecialTokens: true }), '\\boxed{12}');
    // Nothing is added implicitly.
    assert.deepEqual(tok.encode('1', { addSpecialTokens: true }), [4]);
  });

  test('characters outside the set are dropped, or mapped to unkToken when given', () => {
    assert.equal(tok.decode(tok.encode('a|b é')), 'ab ');
    const withUnk = Tokenizer.fromObjects(
      buildCharTokenizerJson(CHARS, [...SPECIALS, '<|unk|>'], { unkToken: '<|unk|>' }),
    );
    assert.deepEqual(withUnk.encode('a|'), [withUnk.tokenToId('a'), 3]);
  });

  test('plain R-Zero format without a chat template', () => {
    const sys = 'S';
    const user = '1+1';
    const chat = [
      { role: 'system' as const, content: sys },
      { role: 'user' as const, content: user },
    ];
    // Chengsong-Huang/R-Zero: "system: " + system + '\n' + "user: " + user, nothing after.
    assert.equal(tok.applyChatTemplate(chat), 'system: S\nuser: 1+1');
    assert.equal(
      tok.applyChatTemplate(chat, { addGenerationPrompt: false }),
      'system: S\nuser: 1+1',
    );
    assert.equal(
      tok.applyChatTemplate([...chat, { role: 'assistant', content: '2' }]),
      'system: S\nuser: 1+1\nassistant: 2',
    );
    assert.deepEqual(encodeChat(tok, chat), tok.encode('system: S\nuser: 1+1'));
  });

  test('plain format on the real Solver prompt', () => {
    const t = Tokenizer.fromObjects(buildCharTokenizerJson(Array.from('ab'), ['<|eos|>']));
    assert.equal(t.applyChatTemplate(solverChat), `system: ${SOLVER_SYSTEM}\nuser: ${GSM8K_Q1}`);
  });

  test('buildCharTokenizerJson rejects bad input', async () => {
    await expectError(() => buildCharTokenizerJson([], SPECIALS), 'INVALID_ARGUMENT', 'empty');
    await expectError(
      () => buildCharTokenizerJson(['a', 'a'], SPECIALS),
      'INVALID_ARGUMENT',
      'twice',
    );
    await expectError(() => buildCharTokenizerJson(['ab'], SPECIALS), 'INVALID_ARGUMENT', 'single');
    await expectError(() => buildCharTokenizerJson(['a'], ['a']), 'INVALID_ARGUMENT', 'twice');
    await expectError(
      () => buildCharTokenizerJson(['a'], SPECIALS, { unkToken: '<unk>' }),
      'INVALID_ARGUMENT',
      'unkToken',
    );
    // An astral character is one character.
    const t = Tokenizer.fromObjects(buildCharTokenizerJson(['\u{1F600}', 'x'], []));
    assert.equal(t.decode(t.encode('x\u{1F600}x')), 'x\u{1F600}x');
  });
});

describe('chat template handling', () => {
  const json = buildCharTokenizerJson(CHARS, SPECIALS);
  const probe =
    '{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token is defined }}|' +
    '{{ add_generation_prompt }}|{{ enable_thinking is defined }}|{{ foo }}|' +
    '{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}';

  test('passes the HF variables; enable_thinking only when given; extra', () => {
    const tok = Tokenizer.fromObjects(json, { ...CHAR_CONFIG, chat_template: probe });
    const msgs = [{ role: 'user' as const, content: 'hi' }];
    assert.equal(
      tok.applyChatTemplate(msgs, { extra: { foo: 'bar' } }),
      '<|bos|>|<|eos|>|<|pad|>|false|true|false|bar|user=hi;',
    );
    assert.equal(
      tok.applyChatTemplate(msgs, { addGenerationPrompt: false, enableThinking: false }),
      '<|bos|>|<|eos|>|<|pad|>|false|false|true||user=hi;',
    );
  });

  test('a list of {name, template} takes "default"; no default is an error', async () => {
    const tok = Tokenizer.fromObjects(json, {
      chat_template: [
        { name: 'tool_use', template: 'TOOLS' },
        { name: 'default', template: 'DEFAULT' },
      ],
    });
    assert.equal(tok.applyChatTemplate([]), 'DEFAULT');
    await expectError(
      () => Tokenizer.fromObjects(json, { chat_template: [{ name: 'rag', template: 'x' }] }),
      'INVALID_CONFIG',
      'tokenizer_config.json',
      'chat_template',
      '"rag"',
    );
  });

  test('an empty chat_template counts as none (R-Zero tests its truthiness)', () => {
    const tok = Tokenizer.fromObjects(json, { chat_template: '' });
    assert.equal(tok.hasChatTemplate, false);
    assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'q' }]), 'user: q');
  });

  test('parse errors name chat_template and the parser message', async () => {
    const e = await expectError(
      () => Tokenizer.fromObjects(json, { chat_template: '{% if %}x{% endif %}' }),
      'CHAT_TEMPLATE_PARSE',
      'tokenizer_config.json',
      'chat_template',
      'Unexpected token',
    );
    assert.equal(e.file, 'tokenizer_config.json');
    await expectError(
      () => Tokenizer.fromObjects(json, { chat_template: '{% for m in messages %}x' }),
      'CHAT_TEMPLATE_PARSE',
      'chat_template',
    );
  });

  test('render errors (raise_exception) are TokenizerErrors', async () => {
    const tok = Tokenizer.fromObjects(json, {
      chat_template: "{{ raise_exception('Conversation roles must alternate') }}",
    });
    await expectError(
      () => tok.applyChatTemplate([]),
      'CHAT_TEMPLATE_RENDER',
      'chat_template',
      'Conversation roles must alternate',
    );
  });
});

describe('loading and errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rzero-tokenizer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const json = buildCharTokenizerJson(CHARS, SPECIALS);

  test('fromDir reads optional companions', async () => {
    const d = path.join(dir, 'full');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'tokenizer.json'), JSON.stringify(json));
    await writeFile(
      path.join(d, 'tokenizer_config.json'),
      JSON.stringify({ eos_token: { content: '<|eos|>', special: true }, pad_token: '<|pad|>' }),
    );
    await writeFile(
      path.join(d, 'special_tokens_map.json'),
      JSON.stringify({ bos_token: '<|bos|>' }),
    );
    await writeFile(
      path.join(d, 'generation_config.json'),
      JSON.stringify({ eos_token_id: [2, 1] }),
    );
    await writeFile(
      path.join(d, 'chat_template.jinja'),
      '{{ bos_token }}{{ messages[0].content }}',
    );
    const tok = await Tokenizer.fromDir(d);
    assert.equal(tok.eosToken, '<|eos|>');
    assert.deepEqual(tok.eosTokenIds, [1, 2]);
    assert.equal(tok.bosTokenId, 0);
    assert.equal(tok.padTokenId, 2);
    assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'ab' }]), '<|bos|>ab');
  });

  test('fromDir with only tokenizer.json', async () => {
    const d = path.join(dir, 'bare');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'tokenizer.json'), JSON.stringify(json));
    const tok = await Tokenizer.fromDir(d);
    assert.deepEqual(tok.eosTokenIds, []);
    assert.equal(tok.bosTokenId, null);
    assert.equal(tok.hasChatTemplate, false);
    assert.deepEqual(tok.encode('1'), [4]);
  });

  test('missing tokenizer.json names the file', async () => {
    const missing = path.join(dir, 'nope');
    const e = await expectError(
      () => Tokenizer.fromDir(missing),
      'FILE_NOT_FOUND',
      'tokenizer.json',
    );
    assert.equal(e.file, path.join(missing, 'tokenizer.json'));
  });

  test('invalid JSON names the file and the parse error', async () => {
    const d = path.join(dir, 'badjson');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'tokenizer.json'), '{"model": ');
    await expectError(() => Tokenizer.fromDir(d), 'INVALID_JSON', 'tokenizer.json', 'invalid JSON');
    await writeFile(path.join(d, 'tokenizer.json'), JSON.stringify(json));
    await writeFile(path.join(d, 'tokenizer_config.json'), 'not json');
    await expectError(() => Tokenizer.fromDir(d), 'INVALID_JSON', 'tokenizer_config.json');
  });

  test('invalid tokenizer.json content', async () => {
    await expectError(
      () => Tokenizer.fromObjects([]),
      'INVALID_TOKENIZER',
      'tokenizer.json',
      'object',
    );
    await expectError(
      () => Tokenizer.fromObjects({}),
      'INVALID_TOKENIZER',
      'tokenizer.json',
      '"model"',
    );
    await expectError(
      () => Tokenizer.fromObjects({ model: { type: 'Nope' } }),
      'INVALID_TOKENIZER',
      'tokenizer.json',
      'Unknown TokenizerModel type',
    );
  });

  test('eos_token that is not a token; bad generation_config', async () => {
    await expectError(
      () => Tokenizer.fromObjects(json, { eos_token: '</s>' }),
      'UNKNOWN_SPECIAL_TOKEN',
      'tokenizer_config.json',
      '"</s>"',
    );
    await expectError(
      () => Tokenizer.fromObjects(json, {}, { generationConfig: { eos_token_id: 999 } }),
      'INVALID_CONFIG',
      'generation_config.json',
    );
  });

  test('decode rejects ids outside the vocabulary', async () => {
    const tok = Tokenizer.fromObjects(json);
    await expectError(() => tok.decode([4, 9999]), 'INVALID_TOKEN_ID', 'ids[1]=9999');
    await expectError(() => tok.decode([-1]), 'INVALID_TOKEN_ID');
    await expectError(() => tok.decode([1.5]), 'INVALID_TOKEN_ID');
  });
});
