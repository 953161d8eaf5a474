/**
 * Benchmark files in JSONL: one {"question", "answer"} object per line ("problem" is accepted for
 * "question", as in MATH-500), or GSM8K lines whose answer is a worked solution ending in
 * "#### <answer>" (the part after the last "####" is the answer). Every bad line is reported with
 * its number, so an upload is accepted whole or not at all.
 */
import type { BenchmarkSet } from './domain';

export interface BenchmarkLineError {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface ParsedBenchmark {
  items: BenchmarkSet['items'];
  errors: BenchmarkLineError[];
}

export function parseBenchmarkJsonl(text: string, maxItems = 100_000): ParsedBenchmark {
  const items: { question: string; answer: string }[] = [];
  const errors: BenchmarkLineError[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const n = i + 1;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      errors.push({ line: n, reason: `not valid JSON (${(err as Error).message})` });
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      errors.push({ line: n, reason: 'expected a JSON object' });
      continue;
    }
    const r = row as Record<string, unknown>;
    const question = typeof r.question === 'string' ? r.question : r.problem;
    if (typeof question !== 'string' || question.trim() === '') {
      errors.push({ line: n, reason: 'field "question" must be a non-empty string' });
      continue;
    }
    const answerRaw =
      typeof r.answer === 'number' && Number.isFinite(r.answer) ? String(r.answer) : r.answer;
    if (typeof answerRaw !== 'string') {
      errors.push({ line: n, reason: 'field "answer" must be a string or a number' });
      continue;
    }
    const hashes = answerRaw.lastIndexOf('####');
    const answer = (hashes >= 0 ? answerRaw.slice(hashes + 4) : answerRaw).trim();
    if (answer === '') {
      errors.push({
        line: n,
        reason: hashes >= 0 ? 'nothing after "####"' : 'field "answer" is empty',
      });
      continue;
    }
    items.push({ question, answer });
  }
  if (items.length === 0 && errors.length === 0)
    errors.push({ line: 0, reason: 'the file has no items' });
  if (items.length > maxItems) errors.push({ line: 0, reason: `more than ${maxItems} items` });
  return { items, errors };
}
