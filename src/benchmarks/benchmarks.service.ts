import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { canSee, isAdmin } from '../auth/principal';
import { builtinBenchmarkNames } from '../common/builtin-models';
import { DomainError, notFound } from '../common/domain-error';
import { parseBenchmarkJsonl } from '../rzero';
import type { BenchmarkSet } from '../rzero';
import { arithBenchmark } from '../tasks/arith';
import { BenchmarkItemEntity } from './benchmark-item.entity';
import { BenchmarkEntity } from './benchmark.entity';

export const DOMAINS = ['arith', 'math'] as const;
export type DomainName = (typeof DOMAINS)[number];

export interface BenchmarkView {
  id: string;
  name: string;
  owner: string | null;
  builtin: boolean;
  domain: string;
  itemCount: number;
  createdAt: string;
}

export interface BenchmarkItemsPage {
  items: { index: number; question: string; answer: string }[];
  total: number;
}

const INSERT_CHUNK = 1000;

@Injectable()
export class BenchmarksService {
  private readonly log = new Logger(BenchmarksService.name);

  constructor(
    @InjectRepository(BenchmarkEntity) private readonly benchmarks: Repository<BenchmarkEntity>,
    @InjectRepository(BenchmarkItemEntity) private readonly items: Repository<BenchmarkItemEntity>,
  ) {}

  /**
   * Every built-in model's benchmarks (builtin-models.ts), registered once (idempotent; safe when
   * several processes boot).
   */
  async registerBuiltinBenchmarks(): Promise<void> {
    for (const name of builtinBenchmarkNames()) {
      if (await this.benchmarks.findOne({ where: { name, owner: IsNull() } })) continue;
      try {
        await this.insert(null, name, 'builtin', 'arith', arithBenchmark(name));
        this.log.log({ benchmark: name }, 'registered built-in benchmark');
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err;
      }
    }
  }

  /** Parses JSONL; any bad line rejects the whole upload (nothing stored) with every line listed. */
  async uploadBenchmark(
    principal: Principal,
    name: string,
    domain: DomainName,
    jsonl: string,
  ): Promise<BenchmarkView> {
    const parsed = parseBenchmarkJsonl(jsonl);
    const { items } = parsed;
    // Postgres refuses 0x00 in text: a "\u0000" escape in a line is the line's error, not a 500.
    const bad = new Set(parsed.errors.map((e) => e.line));
    const errors = [...parsed.errors, ...nulLines(jsonl).filter((e) => !bad.has(e.line))].sort(
      (a, b) => a.line - b.line,
    );
    if (errors.length > 0) {
      const shown = errors.slice(0, 100);
      throw new DomainError(
        'BENCHMARK_INVALID',
        `${errors.length} bad line(s) in the JSONL${errors.length > shown.length ? ` (first ${shown.length} listed)` : ''}`,
        shown.map((e) => ({ field: e.line > 0 ? `line ${e.line}` : 'file', reason: e.reason })),
      );
    }
    return view(await this.insert(principal.owner, name, 'upload', domain, items));
  }

  /** The set row and all its items in one transaction. */
  private insert(
    owner: string | null,
    name: string,
    source: 'builtin' | 'upload',
    domain: string,
    items: BenchmarkSet['items'],
  ): Promise<BenchmarkEntity> {
    return this.benchmarks.manager.transaction(async (tx) => {
      const row = await tx.save(
        tx.create(BenchmarkEntity, { owner, name, source, domain, itemCount: items.length }),
      );
      for (let i = 0; i < items.length; i += INSERT_CHUNK) {
        await tx.insert(
          BenchmarkItemEntity,
          items.slice(i, i + INSERT_CHUNK).map((it, j) => ({
            benchmarkId: row.id,
            index: i + j,
            question: it.question,
            answer: it.answer,
          })),
        );
      }
      return row;
    });
  }

  async listBenchmarks(principal: Principal): Promise<BenchmarkView[]> {
    const where = isAdmin(principal) ? {} : [{ owner: principal.owner }, { owner: IsNull() }];
    return (await this.benchmarks.find({ where, order: { owner: 'DESC', name: 'ASC' } })).map(view);
  }

  async getBenchmark(principal: Principal, id: string): Promise<BenchmarkView> {
    return view(await this.findVisible(principal, id));
  }

  async listBenchmarkItems(
    principal: Principal,
    id: string,
    offset: number,
    limit: number,
  ): Promise<BenchmarkItemsPage> {
    const b = await this.findVisible(principal, id);
    const rows = await this.items.find({
      where: { benchmarkId: b.id },
      order: { index: 'ASC' },
      skip: offset,
      take: limit,
    });
    return {
      items: rows.map((r) => ({ index: r.index, question: r.question, answer: r.answer })),
      total: b.itemCount,
    };
  }

  async deleteBenchmark(principal: Principal, id: string): Promise<BenchmarkView> {
    const b = await this.findVisible(principal, id);
    if (b.owner === null) throw new DomainError('FORBIDDEN', `benchmark ${id} is built in`);
    // Its scores go with it (cascade); a queued or running run or evaluation would lose its items.
    const [{ n }] = (await this.benchmarks.manager.query(
      `SELECT (SELECT count(*) FROM runs WHERE status IN ('queued', 'running') AND benchmark_ids ? $1)
            + (SELECT count(*) FROM evaluations WHERE status IN ('queued', 'running') AND benchmark_ids ? $1) AS n`,
      [b.id],
    )) as [{ n: string }];
    if (Number(n) > 0) {
      throw new DomainError(
        'BENCHMARK_IN_USE',
        `benchmark ${id} is used by ${n} queued or running run(s) or evaluation(s)`,
      );
    }
    await this.benchmarks.delete(b.id);
    return view(b);
  }

  async findVisible(principal: Principal, id: string): Promise<BenchmarkEntity> {
    const b = await this.benchmarks.findOne({ where: { id } });
    if (!b || !canSee(principal, b.owner)) {
      throw notFound('BENCHMARK_NOT_FOUND', 'benchmark', id);
    }
    return b;
  }

  /** Checks that every id is visible; returns the rows in the given order. */
  async findAllVisible(
    principal: Principal,
    ids: string[],
    field = 'benchmarkIds',
  ): Promise<BenchmarkEntity[]> {
    const rows = ids.length ? await this.benchmarks.find({ where: { id: In(ids) } }) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const bad = ids.filter((id) => {
      const r = byId.get(id);
      return !r || !canSee(principal, r.owner);
    });
    if (bad.length > 0) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `unknown benchmark(s): ${bad.join(', ')}`,
        bad.map((id) => ({ field, reason: `benchmark ${id} not found` })),
      );
    }
    const out = ids.map((id) => byId.get(id)!);
    const names = out.map((b) => b.name);
    const dupes = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
    if (dupes.length > 0) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `benchmarks with the same name: ${dupes.join(', ')}`,
        dupes.map((n) => ({
          field,
          reason: `two benchmarks are named ${JSON.stringify(n)}; scores are reported by name`,
        })),
      );
    }
    return out;
  }

  /**
   * The ids of the built-in benchmarks of `domain` named in `names`, in that order (the default
   * benchmarks of a run); a name with no such benchmark is left out.
   */
  async builtinIds(domain: string, names: readonly string[]): Promise<string[]> {
    const rows = names.length
      ? await this.benchmarks.find({ where: { owner: IsNull(), domain, name: In([...names]) } })
      : [];
    const idByName = new Map(rows.map((r) => [r.name, r.id]));
    return names.flatMap((n) => idByName.get(n) ?? []);
  }

  async domainsOf(ids: string[]): Promise<string[]> {
    const rows = ids.length ? await this.benchmarks.find({ where: { id: In(ids) } }) : [];
    return rows.map((r) => r.domain);
  }

  /**
   * Benchmark sets for the engine, named by their names (events stay readable), with the map back
   * to ids. A run's benchmark names are unique (checked when the run is created).
   */
  async loadSets(
    ids: string[],
  ): Promise<{ sets: BenchmarkSet[]; idByName: Record<string, string> }> {
    const sets: BenchmarkSet[] = [];
    // No prototype: a benchmark named "__proto__" or "constructor" is just a name here.
    const idByName = Object.create(null) as Record<string, string>;
    for (const id of ids) {
      const b = await this.benchmarks.findOneByOrFail({ id });
      const rows = await this.items.find({ where: { benchmarkId: id }, order: { index: 'ASC' } });
      sets.push({
        name: b.name,
        items: rows.map((r) => ({ question: r.question, answer: r.answer })),
      });
      idByName[b.name] = id;
    }
    return { sets, idByName };
  }
}

/** Lines whose question or answer holds a NUL character (from a `\u0000` escape). */
const STORED_FIELDS = ['question', 'problem', 'answer'];
function nulLines(jsonl: string): { line: number; reason: string }[] {
  const out: { line: number; reason: string }[] = [];
  jsonl.split('\n').forEach((text, i) => {
    if (!text.includes('\\u0000') && !text.includes('\u0000')) return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      return; // the parser reports this line already
    }
    if (typeof row !== 'object' || row === null) return;
    for (const [field, v] of Object.entries(row)) {
      if (STORED_FIELDS.includes(field) && typeof v === 'string' && v.includes('\u0000')) {
        out.push({ line: i + 1, reason: `${field} must not contain NUL (\\u0000) characters` });
      }
    }
  });
  return out;
}

export function view(b: BenchmarkEntity): BenchmarkView {
  return {
    id: b.id,
    name: b.name,
    owner: b.owner,
    builtin: b.owner === null,
    domain: b.domain,
    itemCount: b.itemCount,
    createdAt: b.createdAt.toISOString(),
  };
}
