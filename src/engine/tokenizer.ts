/**
 * Tokenizer for Hugging Face causal LMs: `tokenizer.json` through `@huggingface/tokenizers` (pure JS)
 * and the chat template of `tokenizer_config.json` through `@huggingface/jinja`.
 *
 * Facts this module relies on (checked against @huggingface/tokenizers 0.2.0 and @huggingface/jinja
 * 0.5.11 with the Qwen3 and Llama-3 tokenizers; see test/engine/tokenizer.test.ts):
 * - The library's own `encode` adds special tokens by default (`add_special_tokens = true`); for Llama-3
 *   its TemplateProcessing post-processor then prepends `<|begin_of_text|>`. Chat templates already
 *   write that token as text, so `encode` here defaults to `addSpecialTokens: false`, as
 *   `transformers`' `apply_chat_template(tokenize=True)` does; passing `true` would give two BOS.
 * - The library's `decode` applies `clean_up_tokenization_spaces` from tokenizer_config.json (true when
 *   absent; Llama-3 sets it true), which is lossy (`"x ,y"` -> `"x,y"`). `decode` here defaults to no
 *   clean-up so that decode(encode(s)) === s; pass `cleanUpTokenizationSpaces: true` for HF's behaviour.
 * - The library's `decode([])` throws; here it returns ''.
 * - A BPE model with no `unk_token` silently drops characters that are not in its vocabulary (as the
 *   Rust crate does).
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface EncodeOptions {
  /** Run the post-processor's special tokens (Llama-3: prepend `<|begin_of_text|>`). Default false. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop tokens marked `special` in tokenizer.json's added_tokens. Default false. */
  skipSpecialTokens?: boolean;
  /** HF's lossy clean-up (`" ."` -> `"."`, `" n't"` -> `"n't"`, ...). Default false (lossless). */
  cleanUpTokenizationSpaces?: boolean;
}

export interface ChatTemplateOptions {
  /** Pass `add_generation_prompt` to the template. Default true. */
  addGenerationPrompt?: boolean;
  /** Passed as `enable_thinking` only when given (Qwen3 reads it; other templates ignore it). */
  enableThinking?: boolean;
  /** More template variables, as `**kwargs` of `apply_chat_template`. */
  extra?: Record<string, unknown>;
}

/** Optional companions of tokenizer.json / tokenizer_config.json (all as parsed JSON). */
export interface TokenizerExtras {
  /** `special_tokens_map.json`: fills bos/eos/pad/unk that tokenizer_config.json lacks. */
  specialTokensMap?: object;
  /** `generation_config.json`: its `eos_token_id` (number or list) is added to `eosTokenIds`. */
  generationConfig?: object;
  /** `chat_template.jinja`: used when tokenizer_config.json has no `chat_template`. */
  chatTemplate?: string;
}

export type TokenizerErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'INVALID_JSON'
  | 'INVALID_TOKENIZER'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_SPECIAL_TOKEN'
  | 'CHAT_TEMPLATE_PARSE'
  | 'CHAT_TEMPLATE_RENDER'
  | 'INVALID_TOKEN_ID'
  | 'UNENCODABLE_TEXT'
  | 'INVALID_ARGUMENT';

export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  constructor(
    readonly code: TokenizerErrorCode,
    /** The file concerned: a path from `fromDir`, the bare file name from `fromObjects`. */
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

const TOKENIZER_JSON = 'tokenizer.json';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const SPECIAL_TOKENS_MAP = 'special_tokens_map.json';
const GENERATION_CONFIG = 'generation_config.json';
const CHAT_TEMPLATE_JINJA = 'chat_template.jinja';

type Json = Record<string, unknown>;

interface Sources {
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
  extras: TokenizerExtras;
  files: {
    tokenizerJson: string;
    tokenizerConfig: string;
    specialTokensMap: string;
    generationConfig: string;
    chatTemplate: string;
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A special-token field as HF writes it: a string, `{content: ...}` (AddedToken), or null. */
function tokenContent(v: unknown, field: string, file: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  throw new TokenizerError(
    'INVALID_CONFIG',
    file,
    `${field}=${JSON.stringify(v)}: expected a string or an object with "content"`,
  );
}

type SpecialName = 'bos_token' | 'eos_token' | 'pad_token' | 'unk_token';
const SPECIAL_NAMES: SpecialName[] = ['bos_token', 'eos_token', 'pad_token', 'unk_token'];

export class Tokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;
  readonly unkToken: string | null;
  readonly bosTokenId: number | null;
  /** Ids that end generation: tokenizer_config's eos_token first, then generation_config's eos_token_id. */
  readonly eosTokenIds: number[];
  readonly padTokenId: number | null;
  readonly unkTokenId: number | null;
  /** Largest id (model vocabulary and added tokens) + 1. */
  readonly vocabSize: number;
  /** The chat template text in use, or null when the model has none. */
  readonly chatTemplate: string | null;

  private readonly hf: HfTokenizer;
  private readonly template: Template | null;
  private readonly configFile: string;

  private constructor(src: Sources) {
    const { files } = src;
    this.configFile = files.tokenizerConfig;

    // tokenizer.json
    const tj = src.tokenizerJson;
    if (!isObject(tj)) {
      throw new TokenizerError('INVALID_TOKENIZER', files.tokenizerJson, 'expected a JSON object');
    }
    if (!isObject(tj.model)) {
      throw new TokenizerError(
        'INVALID_TOKENIZER',
        files.tokenizerJson,
        'missing "model" (the tokenizer model: BPE, WordPiece, Unigram, ...)',
      );
    }
    if (tj.added_tokens !== undefined && !Array.isArray(tj.added_tokens)) {
      throw new TokenizerError(
        'INVALID_TOKENIZER',
        files.tokenizerJson,
        '"added_tokens" must be a list',
      );
    }
    // The library requires these keys to be present, even as null.
    const tokenizerJson: Json = {
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      ...tj,
      added_tokens: tj.added_tokens ?? [],
    };

    // tokenizer_config.json (+ special_tokens_map.json)
    const cfgIn = src.tokenizerConfig ?? {};
    if (!isObject(cfgIn)) {
      throw new TokenizerError('INVALID_CONFIG', files.tokenizerConfig, 'expected a JSON object');
    }
    const stm = src.extras.specialTokensMap ?? {};
    if (!isObject(stm)) {
      throw new TokenizerError('INVALID_CONFIG', files.specialTokensMap, 'expected a JSON object');
    }
    const specials = {} as Record<SpecialName, string | null>;
    for (const name of SPECIAL_NAMES) {
      specials[name] =
        tokenContent(cfgIn[name], name, files.tokenizerConfig) ??
        tokenContent(stm[name], name, files.specialTokensMap);
    }
    // Hand the library plain strings where HF allows AddedToken objects.
    const libConfig: Json = { ...cfgIn };
    for (const name of SPECIAL_NAMES) {
      if (specials[name] === null) delete libConfig[name];
      else libConfig[name] = specials[name];
    }
    if (Array.isArray(cfgIn.additional_special_tokens)) {
      libConfig.additional_special_tokens = cfgIn.additional_special_tokens.map((t, i) =>
        tokenContent(t, `additional_special_tokens[${i}]`, files.tokenizerConfig),
      );
    }

    try {
      this.hf = new HfTokenizer(tokenizerJson, libConfig);
    } catch (e) {
      throw new TokenizerError(
        'INVALID_TOKENIZER',
        files.tokenizerJson,
        `@huggingface/tokenizers could not load it: ${errorMessage(e)}`,
        { cause: e },
      );
    }

    let maxId = -1;
    for (const id of this.hf.get_vocab(true).values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;

    this.bosToken = specials.bos_token;
    this.eosToken = specials.eos_token;
    this.padToken = specials.pad_token;
    this.unkToken = specials.unk_token;
    const fileOf = (name: SpecialName): string =>
      cfgIn[name] !== undefined && cfgIn[name] !== null
        ? files.tokenizerConfig
        : files.specialTokensMap;
    // eos decides when generation stops, so a name that is not a token is an error; the others are
    // optional and resolve to null.
    this.bosTokenId = this.optionalId(this.bosToken);
    this.padTokenId = this.optionalId(this.padToken);
    this.unkTokenId = this.optionalId(this.unkToken);
    const eos: number[] = [];
    if (this.eosToken !== null) {
      const id = this.hf.token_to_id(this.eosToken);
      if (id === undefined) {
        throw new TokenizerError(
          'UNKNOWN_SPECIAL_TOKEN',
          fileOf('eos_token'),
          `eos_token ${JSON.stringify(this.eosToken)} is not a token of ${files.tokenizerJson}`,
        );
      }
      eos.push(id);
    }
    const gen = src.extras.generationConfig;
    if (gen !== undefined) {
      if (!isObject(gen)) {
        throw new TokenizerError(
          'INVALID_CONFIG',
          files.generationConfig,
          'expected a JSON object',
        );
      }
      const raw = gen.eos_token_id;
      const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
      for (const id of list) {
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
          throw new TokenizerError(
            'INVALID_CONFIG',
            files.generationConfig,
            `eos_token_id=${JSON.stringify(raw)}: every id must be an integer in [0, ${this.vocabSize})`,
          );
        }
        if (!eos.includes(id)) eos.push(id);
      }
    }
    this.eosTokenIds = eos;

    // Chat template: tokenizer_config.json `chat_template`, else chat_template.jinja.
    let templateText: string | null;
    let templateFile = files.tokenizerConfig;
    if (cfgIn.chat_template !== undefined && cfgIn.chat_template !== null) {
      templateText = selectChatTemplate(cfgIn.chat_template, files.tokenizerConfig);
    } else if (src.extras.chatTemplate !== undefined) {
      templateText = src.extras.chatTemplate;
      templateFile = files.chatTemplate;
    } else {
      templateText = null;
    }
    // R-Zero tests `if tokenizer.chat_template:`, so an empty template counts as none.
    if (templateText === '') templateText = null;
    this.chatTemplate = templateText;
    if (templateText === null) {
      this.template = null;
    } else {
      try {
        this.template = new Template(templateText);
      } catch (e) {
        throw new TokenizerError(
          'CHAT_TEMPLATE_PARSE',
          templateFile,
          `chat_template could not be parsed: ${errorMessage(e)}`,
          { cause: e },
        );
      }
    }
  }

  /** Loads `dir/tokenizer.json` and, when present, tokenizer_config.json, special_tokens_map.json,
   * generation_config.json and chat_template.jinja. */
  static async fromDir(dir: string): Promise<Tokenizer> {
    const p = (name: string): string => path.join(dir, name);
    const files = {
      tokenizerJson: p(TOKENIZER_JSON),
      tokenizerConfig: p(TOKENIZER_CONFIG),
      specialTokensMap: p(SPECIAL_TOKENS_MAP),
      generationConfig: p(GENERATION_CONFIG),
      chatTemplate: p(CHAT_TEMPLATE_JINJA),
    };
    const [tokenizerJson, tokenizerConfig, specialTokensMap, generationConfig, chatTemplate] =
      await Promise.all([
        readJson(files.tokenizerJson, true),
        readJson(files.tokenizerConfig, false),
        readJson(files.specialTokensMap, false),
        readJson(files.generationConfig, false),
        readText(files.chatTemplate, false),
      ]);
    const extras: TokenizerExtras = {};
    if (specialTokensMap !== undefined) extras.specialTokensMap = specialTokensMap as object;
    if (generationConfig !== undefined) extras.generationConfig = generationConfig as object;
    if (chatTemplate !== undefined) extras.chatTemplate = chatTemplate;
    return new Tokenizer({ tokenizerJson, tokenizerConfig, extras, files });
  }

  /** Builds a tokenizer from already-parsed JSON (errors name the files by their usual names). */
  static fromObjects(
    tokenizerJson: object,
    tokenizerConfig?: object,
    extras: TokenizerExtras = {},
  ): Tokenizer {
    return new Tokenizer({
      tokenizerJson,
      tokenizerConfig,
      extras,
      files: {
        tokenizerJson: TOKENIZER_JSON,
        tokenizerConfig: TOKENIZER_CONFIG,
        specialTokensMap: SPECIAL_TOKENS_MAP,
        generationConfig: GENERATION_CONFIG,
        chatTemplate: CHAT_TEMPLATE_JINJA,
      },
    });
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') {
      throw new TokenizerError(
        'INVALID_ARGUMENT',
        'encode',
        `text must be a string, got ${typeof text}`,
      );
    }
    const { ids, tokens } = this.hf.encode(text, {
      add_special_tokens: opts.addSpecialTokens ?? false,
    });
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === undefined) {
        // A model without an unk token (e.g. WordLevel) met a piece it has no id for.
        throw new TokenizerError(
          'UNENCODABLE_TEXT',
          'encode',
          `${JSON.stringify(tokens[i])} has no id and the tokenizer has no unk_token`,
        );
      }
    }
    return ids;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || this.hf.id_to_token(id) === undefined) {
        throw new TokenizerError(
          'INVALID_TOKEN_ID',
          'decode',
          `ids[${i}]=${id} is not a token id (vocabSize ${this.vocabSize})`,
        );
      }
    }
    return this.hf.decode(ids as number[], {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: opts.cleanUpTokenizationSpaces ?? false,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id);
  }

  /**
   * Renders a conversation as the prompt text, with the variables `transformers` passes to chat
   * templates: messages, add_generation_prompt, the special tokens that are set (bos_token,
   * eos_token, pad_token, unk_token), enable_thinking only when given, and `extra`.
   *
   * Without a chat template, the plain format of the official R-Zero code: each message as
   * `${role}: ${content}`, joined by "\n", and nothing after the last one (add_generation_prompt does
   * not apply). For R-Zero's [system, user] pair this is exactly
   * `"system: " + system + "\n" + "user: " + user`, the fallback in Chengsong-Huang/R-Zero
   * (commit 5699329d) question_evaluate/evaluate.py:107, vllm_service_init/start_vllm_server.py:153,
   * question_generate/question_generate.py:98 and verl/utils/dataset.py:250.
   */
  applyChatTemplate(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): string {
    if (!Array.isArray(messages)) {
      throw new TokenizerError('INVALID_ARGUMENT', 'applyChatTemplate', 'messages must be a list');
    }
    if (this.template === null) {
      return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
    }
    const vars: Record<string, unknown> = {};
    if (this.bosToken !== null) vars.bos_token = this.bosToken;
    if (this.eosToken !== null) vars.eos_token = this.eosToken;
    if (this.padToken !== null) vars.pad_token = this.padToken;
    if (this.unkToken !== null) vars.unk_token = this.unkToken;
    Object.assign(vars, opts.extra ?? {});
    vars.messages = messages.map((m) => ({ role: m.role, content: m.content }));
    vars.add_generation_prompt = opts.addGenerationPrompt ?? true;
    if (opts.enableThinking !== undefined) vars.enable_thinking = opts.enableThinking;
    try {
      return this.template.render(vars);
    } catch (e) {
      throw new TokenizerError(
        'CHAT_TEMPLATE_RENDER',
        this.configFile,
        `chat_template failed to render: ${errorMessage(e)}`,
        { cause: e },
      );
    }
  }

  private optionalId(token: string | null): number | null {
    if (token === null) return null;
    return this.hf.token_to_id(token) ?? null;
  }
}

/** The prompt's token ids: `applyChatTemplate` then `encode` without added special tokens (the
 * template already wrote them; adding them again would give Llama-3 two `<|begin_of_text|>`). */
export function encodeChat(
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  opts: ChatTemplateOptions = {},
): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate(messages, opts), { addSpecialTokens: false });
}

/** `chat_template` is a string, or a list of {name, template} (a {name: template} map is accepted
 * too); from a list, "default" is taken, as `transformers` does. */
function selectChatTemplate(v: unknown, file: string): string {
  if (typeof v === 'string') return v;
  let named: [string, unknown][];
  if (Array.isArray(v)) {
    named = v.map((e, i): [string, unknown] => {
      if (!isObject(e) || typeof e.name !== 'string') {
        throw new TokenizerError(
          'INVALID_CONFIG',
          file,
          `chat_template[${i}]: expected {"name": ..., "template": ...}`,
        );
      }
      return [e.name, e.template];
    });
  } else if (isObject(v)) {
    named = Object.entries(v);
  } else {
    throw new TokenizerError(
      'INVALID_CONFIG',
      file,
      `chat_template: expected a string or a list of {name, template}, got ${typeof v}`,
    );
  }
  const found = named.find(([name]) => name === 'default');
  if (found === undefined) {
    throw new TokenizerError(
      'INVALID_CONFIG',
      file,
      `chat_template: no template named "default" (names: ${named.map(([n]) => JSON.stringify(n)).join(', ')})`,
    );
  }
  if (typeof found[1] !== 'string') {
    throw new TokenizerError(
      'INVALID_CONFIG',
      file,
      'chat_template "default": template must be a string',
    );
  }
  return found[1];
}

async function readText(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (code === 'ENOENT') {
      throw new TokenizerError('FILE_NOT_FOUND', file, 'file not found', { cause: e });
    }
    throw new TokenizerError('FILE_UNREADABLE', file, `cannot read: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

async function readJson(file: string, required: boolean): Promise<unknown> {
  const text = await readText(file, required);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TokenizerError('INVALID_JSON', file, `invalid JSON: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

const shownToken = (t: unknown): string => {
  const s = JSON.stringify(t) ?? String(t);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Checks a parsed tokenizer.json against the model's vocabulary size before anything is built
 * from it: every id (model vocabulary, added tokens, post-processor tokens) an integer in
 * [0, vocabSize), and no list longer than the vocabulary (vocabulary entries, merges, added
 * tokens). @huggingface/tokenizers indexes its vocabulary by id, so one id near 2^31 alone costs
 * minutes of CPU to load; this costs one pass over the file's entries. Throws INVALID_TOKENIZER.
 */
export function checkTokenizerIds(json: unknown, vocabSize: number, file = TOKENIZER_JSON): void {
  const bad = (reason: string): never => {
    throw new TokenizerError('INVALID_TOKENIZER', file, reason);
  };
  const checkId = (where: string, token: unknown, id: unknown): void => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      bad(
        `${where}: token ${shownToken(token)} has id ${shownToken(id)}, not an integer below vocab_size ${vocabSize}`,
      );
    }
  };
  const checkCount = (where: string, n: number): void => {
    if (n > vocabSize) bad(`${where} has ${n} entries, more than vocab_size ${vocabSize}`);
  };
  if (!isObject(json)) return; // the constructor names what is wrong with the shape
  const model = json.model;
  if (isObject(model)) {
    const vocab = model.vocab;
    if (Array.isArray(vocab)) {
      // Unigram: [piece, score] pairs, the id is the position.
      checkCount('model.vocab', vocab.length);
      if (model.unk_id !== undefined && model.unk_id !== null)
        checkId('model.unk_id', 'unk', model.unk_id);
    } else if (isObject(vocab)) {
      const tokens = Object.keys(vocab);
      for (const token of tokens) checkId('model.vocab', token, vocab[token]);
      checkCount('model.vocab', tokens.length);
    }
    if (Array.isArray(model.merges)) checkCount('model.merges', model.merges.length);
  }
  if (Array.isArray(json.added_tokens)) {
    json.added_tokens.forEach((t: unknown, i) => {
      if (isObject(t)) checkId(`added_tokens[${i}]`, t.content, t.id);
    });
    checkCount('added_tokens', json.added_tokens.length);
  }
  const processors = (p: unknown): Json[] =>
    !isObject(p) ? [] : Array.isArray(p.processors) ? p.processors.flatMap(processors) : [p];
  for (const p of processors(json.post_processor)) {
    const kind = typeof p.type === 'string' ? p.type : 'post_processor';
    for (const key of ['sep', 'cls']) {
      const pair = p[key];
      if (Array.isArray(pair)) checkId(`post_processor ${kind}.${key}`, pair[0], pair[1]);
    }
    if (isObject(p.special_tokens)) {
      for (const [name, t] of Object.entries(p.special_tokens)) {
        const ids = isObject(t) && Array.isArray(t.ids) ? t.ids : [];
        for (const id of ids) checkId(`post_processor ${kind}.special_tokens`, name, id);
        checkCount(`post_processor ${kind}.special_tokens[${shownToken(name)}].ids`, ids.length);
      }
    }
  }
}

export interface CharTokenizerOptions {
  /** One of `specials`, emitted for characters outside `chars`; without it they are dropped. */
  unkToken?: string;
}

/**
 * A character-level tokenizer.json that @huggingface/tokenizers (and the Rust `tokenizers` crate)
 * loads: a BPE model with no merges over single characters, a Split pre-tokenizer isolating every
 * character, and a Fuse decoder, so decode(encode(s)) === s for any s over `chars` (special tokens
 * included). Ids: `specials` first (0..k-1, as added special tokens that are also in the model
 * vocabulary), then `chars` in the order given. No post-processor: nothing is added implicitly.
 */
export function buildCharTokenizerJson(
  chars: readonly string[],
  specials: readonly string[],
  opts: CharTokenizerOptions = {},
): object {
  const bad = (reason: string): TokenizerError =>
    new TokenizerError('INVALID_ARGUMENT', 'buildCharTokenizerJson', reason);
  if (chars.length === 0) throw bad('chars is empty');
  const seen = new Set<string>();
  for (const s of specials) {
    if (typeof s !== 'string' || s.length === 0)
      throw bad('special tokens must be non-empty strings');
    if (seen.has(s)) throw bad(`special token ${JSON.stringify(s)} given twice`);
    seen.add(s);
  }
  for (const c of chars) {
    if (typeof c !== 'string' || Array.from(c).length !== 1) {
      throw bad(`${JSON.stringify(c)} is not a single character`);
    }
    if (seen.has(c)) throw bad(`${JSON.stringify(c)} given twice (in chars or as a special token)`);
    seen.add(c);
  }
  if (opts.unkToken !== undefined && !specials.includes(opts.unkToken)) {
    throw bad(`unkToken ${JSON.stringify(opts.unkToken)} is not one of the special tokens`);
  }
  const vocab: Record<string, number> = {};
  specials.forEach((s, i) => (vocab[s] = i));
  chars.forEach((c, i) => (vocab[c] = specials.length + i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    // `[\s\S]` is one code point in both JS (u mode) and Oniguruma; `.` would skip "\n".
    pre_tokenizer: {
      type: 'Split',
      pattern: { Regex: '[\\s\\S]' },
      behavior: 'Isolated',
      invert: false,
    },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: opts.unkToken ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}
