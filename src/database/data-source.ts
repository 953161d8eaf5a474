/**
 * The one TypeORM data-source definition, shared by Nest, `npm run migrate` and the tests.
 * `synchronize` stays off: the schema changes only through the migrations in migrations/.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { BenchmarkItemEntity } from '../benchmarks/benchmark-item.entity';
import { BenchmarkEntity } from '../benchmarks/benchmark.entity';
import { EvaluationEntity } from '../evaluations/evaluation.entity';
import { RunEventEntity } from '../events/run-event.entity';
import { ModelEntity } from '../models/model.entity';
import { CurriculumItemEntity } from '../runs/curriculum-item.entity';
import { IterationEntity } from '../runs/iteration.entity';
import { RunEntity } from '../runs/run.entity';
import { ScoreEntity } from '../scores/score.entity';

export const ENTITIES = [
  ApiKeyEntity,
  ModelEntity,
  RunEntity,
  IterationEntity,
  CurriculumItemEntity,
  RunEventEntity,
  BenchmarkEntity,
  BenchmarkItemEntity,
  EvaluationEntity,
  ScoreEntity,
];

/** Compiled migrations: dist/migrations/*.js beside dist/src. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', 'migrations', '*.js');

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'migrations',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    logging: false,
    applicationName: 'rzero-service',
    extra: { max: 10 },
  };
}

export function createDataSource(databaseUrl: string): DataSource {
  return new DataSource(dataSourceOptions(databaseUrl));
}
