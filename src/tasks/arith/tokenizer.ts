/**
 * The character-level tokenizer of the tiny arithmetic model: one token per character, built with
 * the engine's buildCharTokenizerJson (BPE without merges, so @huggingface/tokenizers and the Rust
 * crate load it and decode(encode(s)) === s).
 *
 * Ids: 0 <|bos|>, 1 <|eos|>, 2 <|pad|>, then ARITH_CHARS in code-point order (3 = "\n", 4 = " ",
 * ...), 53 tokens in all. The character set is exactly what the formats can emit: digits and
 * "+-*()=?" of questions and steps, "\boxed{}" and "<question></question>", "system: "/"user: ",
 * newline, and the letters and punctuation of the three fixed prompt texts (formats.ts); tests
 * check it is neither short nor padded. It is a literal, not derived from the prompts, so that a
 * prompt edit can never silently renumber the vocabulary of a trained model: such an edit fails
 * the tests until the list (and the model) are updated on purpose. Text outside the set is dropped
 * by encode (no unk token), which the tests rule out for everything the domain writes.
 */
import { Tokenizer, buildCharTokenizerJson } from '../../engine/tokenizer';

export const ARITH_BOS = '<|bos|>';
export const ARITH_EOS = '<|eos|>';
export const ARITH_PAD = '<|pad|>';
export const ARITH_SPECIAL_TOKENS: readonly string[] = Object.freeze([
  ARITH_BOS,
  ARITH_EOS,
  ARITH_PAD,
]);

export const ARITH_CHARS: readonly string[] = Object.freeze(
  Array.from('\n ()*+,-./0123456789:<=>?NPS\\abdeilmnopqrstuvwxy{}'),
);

/** Longest document of the corpus and of every benchmark is under 220 characters. */
export const ARITH_MODEL_MAX_LENGTH = 256;

export interface ArithTokenizerFiles {
  'tokenizer.json': object;
  'tokenizer_config.json': object;
}

/** tokenizer.json and tokenizer_config.json of the tiny model (no chat_template on purpose). */
export function arithTokenizerFiles(): ArithTokenizerFiles {
  return {
    'tokenizer.json': buildCharTokenizerJson(ARITH_CHARS, ARITH_SPECIAL_TOKENS),
    'tokenizer_config.json': {
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: ARITH_BOS,
      eos_token: ARITH_EOS,
      pad_token: ARITH_PAD,
      model_max_length: ARITH_MODEL_MAX_LENGTH,
      // Lossless decoding: HF's clean-up would rewrite " ." and similar.
      clean_up_tokenization_spaces: false,
    },
  };
}

/** The tokenizer loaded through the engine. */
export function arithTokenizer(): Tokenizer {
  const files = arithTokenizerFiles();
  return Tokenizer.fromObjects(files['tokenizer.json'], files['tokenizer_config.json']);
}
