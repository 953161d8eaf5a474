import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795646851221 implements MigrationInterface {
  name = 'Initial1795646851221';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(100) NOT NULL, "owner" character varying(100) NOT NULL, "role" character varying(16) NOT NULL, "key_hash" character(64) NOT NULL, "key_prefix" character varying(16) NOT NULL, "webhook_secret" character varying(128) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_api_keys_owner" ON "api_keys" ("owner") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_api_keys_key_hash" ON "api_keys" ("key_hash") ',
    );
    await queryRunner.query(
      'CREATE TABLE "benchmarks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(100), "name" character varying(200) NOT NULL, "source" character varying(16) NOT NULL, "domain" character varying(32) NOT NULL, "item_count" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7e1ca1c910680770da116e0b95c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_benchmarks_builtin_name" ON "benchmarks" ("name") WHERE owner IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_benchmarks_owner_created" ON "benchmarks" ("owner", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "benchmark_items" ("benchmark_id" uuid NOT NULL, "index" integer NOT NULL, "question" text NOT NULL, "answer" text NOT NULL, CONSTRAINT "PK_207b49a1c25c225667a9e6282d7" PRIMARY KEY ("benchmark_id", "index"))',
    );
    await queryRunner.query(
      'CREATE TABLE "models" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(100), "name" character varying(200) NOT NULL, "source" character varying(16) NOT NULL, "architecture" character varying(64) NOT NULL, "model_type" character varying(32) NOT NULL, "parameter_count" bigint NOT NULL, "sha256" character(64) NOT NULL, "size_bytes" bigint NOT NULL, "storage_key" character varying(300) NOT NULL, "config" jsonb NOT NULL, "source_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ef9ed7160ea69013636466bf2d5" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_models_builtin_name" ON "models" ("name") WHERE owner IS NULL AND deleted_at IS NULL',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_models_owner_created" ON "models" ("owner", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "evaluations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(100) NOT NULL, "model_id" uuid NOT NULL, "benchmark_ids" jsonb NOT NULL, "metric" character varying(32) NOT NULL, "status" character varying(16) NOT NULL, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_f683b433eba0e6dae7e19b29e29" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_evaluations_owner_created" ON "evaluations" ("owner", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner" character varying(100) NOT NULL, "api_key_id" uuid, "base_model_id" uuid NOT NULL, "status" character varying(16) NOT NULL, "preset" character varying(16) NOT NULL, "config" jsonb NOT NULL, "domain" character varying(32) NOT NULL, "benchmark_ids" jsonb NOT NULL, "idempotency_key" character varying(200), "request_hash" character(64) NOT NULL, "webhook_url" text, "progress" real NOT NULL DEFAULT \'0\', "iteration" integer NOT NULL DEFAULT \'0\', "phase" character varying(16), "completed_iterations" integer NOT NULL DEFAULT \'0\', "best_iteration" integer, "error" text, "backend" character varying(64), "attempt" integer NOT NULL DEFAULT \'0\', "last_event_id" bigint NOT NULL DEFAULT \'0\', "solver_model_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "cancel_requested_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_46d6a1e257c38ba58f1a3c30836" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_runs_owner_idempotency_key" ON "runs" ("owner", "idempotency_key") WHERE idempotency_key IS NOT NULL',
    );
    await queryRunner.query('CREATE INDEX "IDX_runs_base_model" ON "runs" ("base_model_id") ');
    await queryRunner.query('CREATE INDEX "IDX_runs_status" ON "runs" ("status") ');
    await queryRunner.query(
      'CREATE INDEX "IDX_runs_owner_created" ON "runs" ("owner", "created_at", "id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "run_events" ("run_id" uuid NOT NULL, "id" bigint NOT NULL, "type" character varying(48) NOT NULL, "iteration" integer, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b24365faa1e9c9b8ea6f03c95ef" PRIMARY KEY ("run_id", "id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "curriculum_items" ("run_id" uuid NOT NULL, "iteration" integer NOT NULL, "index" integer NOT NULL, "question" text NOT NULL, "raw" text NOT NULL, "challenger_answer" text NOT NULL, "solver_answers" jsonb NOT NULL, "majority" text, "p" real NOT NULL, "uncertainty" real NOT NULL, "repetition_penalty" real NOT NULL, "cluster" integer NOT NULL, "kept" boolean NOT NULL, "drop_reason" character varying(16), "oracle" jsonb, CONSTRAINT "PK_7883591df2d85686f81399be4b1" PRIMARY KEY ("run_id", "iteration", "index"))',
    );
    await queryRunner.query(
      'CREATE INDEX "IDX_curriculum_items_kept" ON "curriculum_items" ("run_id", "iteration", "kept", "index") ',
    );
    await queryRunner.query(
      'CREATE TABLE "iterations" ("run_id" uuid NOT NULL, "iteration" integer NOT NULL, "seconds" real NOT NULL, "phases" jsonb NOT NULL, "challenger_metrics" jsonb, "solver_metrics" jsonb, "curriculum_stats" jsonb NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_5e56dd26d68c147e8a4e079dbfb" PRIMARY KEY ("run_id", "iteration"))',
    );
    await queryRunner.query(
      'CREATE TABLE "scores" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "run_id" uuid, "iteration" integer, "evaluation_id" uuid, "model_id" uuid, "benchmark_id" uuid NOT NULL, "metric" character varying(32) NOT NULL, "score" double precision NOT NULL, "items" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c36917e6f26293b91d04b8fd521" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "IDX_scores_model" ON "scores" ("model_id") ');
    await queryRunner.query('CREATE INDEX "IDX_scores_evaluation" ON "scores" ("evaluation_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "UQ_scores_run_iteration" ON "scores" ("run_id", "iteration", "benchmark_id", "metric") WHERE run_id IS NOT NULL',
    );
    await queryRunner.query(
      'ALTER TABLE "benchmark_items" ADD CONSTRAINT "FK_benchmark_items_benchmark" FOREIGN KEY ("benchmark_id") REFERENCES "benchmarks"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "evaluations" ADD CONSTRAINT "FK_evaluations_model" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "runs" ADD CONSTRAINT "FK_runs_api_key" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "runs" ADD CONSTRAINT "FK_runs_base_model" FOREIGN KEY ("base_model_id") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "run_events" ADD CONSTRAINT "FK_run_events_run" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "curriculum_items" ADD CONSTRAINT "FK_curriculum_items_run" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "iterations" ADD CONSTRAINT "FK_iterations_run" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "scores" ADD CONSTRAINT "FK_scores_run" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "scores" ADD CONSTRAINT "FK_scores_evaluation" FOREIGN KEY ("evaluation_id") REFERENCES "evaluations"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "scores" ADD CONSTRAINT "FK_scores_model" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "scores" ADD CONSTRAINT "FK_scores_benchmark" FOREIGN KEY ("benchmark_id") REFERENCES "benchmarks"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "scores" DROP CONSTRAINT "FK_scores_benchmark"');
    await queryRunner.query('ALTER TABLE "scores" DROP CONSTRAINT "FK_scores_model"');
    await queryRunner.query('ALTER TABLE "scores" DROP CONSTRAINT "FK_scores_evaluation"');
    await queryRunner.query('ALTER TABLE "scores" DROP CONSTRAINT "FK_scores_run"');
    await queryRunner.query('ALTER TABLE "iterations" DROP CONSTRAINT "FK_iterations_run"');
    await queryRunner.query(
      'ALTER TABLE "curriculum_items" DROP CONSTRAINT "FK_curriculum_items_run"',
    );
    await queryRunner.query('ALTER TABLE "run_events" DROP CONSTRAINT "FK_run_events_run"');
    await queryRunner.query('ALTER TABLE "runs" DROP CONSTRAINT "FK_runs_base_model"');
    await queryRunner.query('ALTER TABLE "runs" DROP CONSTRAINT "FK_runs_api_key"');
    await queryRunner.query('ALTER TABLE "evaluations" DROP CONSTRAINT "FK_evaluations_model"');
    await queryRunner.query(
      'ALTER TABLE "benchmark_items" DROP CONSTRAINT "FK_benchmark_items_benchmark"',
    );
    await queryRunner.query('DROP INDEX "public"."UQ_scores_run_iteration"');
    await queryRunner.query('DROP INDEX "public"."IDX_scores_evaluation"');
    await queryRunner.query('DROP INDEX "public"."IDX_scores_model"');
    await queryRunner.query('DROP TABLE "scores"');
    await queryRunner.query('DROP TABLE "iterations"');
    await queryRunner.query('DROP INDEX "public"."IDX_curriculum_items_kept"');
    await queryRunner.query('DROP TABLE "curriculum_items"');
    await queryRunner.query('DROP TABLE "run_events"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_owner_created"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_status"');
    await queryRunner.query('DROP INDEX "public"."IDX_runs_base_model"');
    await queryRunner.query('DROP INDEX "public"."UQ_runs_owner_idempotency_key"');
    await queryRunner.query('DROP TABLE "runs"');
    await queryRunner.query('DROP INDEX "public"."IDX_evaluations_owner_created"');
    await queryRunner.query('DROP TABLE "evaluations"');
    await queryRunner.query('DROP INDEX "public"."IDX_models_owner_created"');
    await queryRunner.query('DROP INDEX "public"."UQ_models_builtin_name"');
    await queryRunner.query('DROP TABLE "models"');
    await queryRunner.query('DROP TABLE "benchmark_items"');
    await queryRunner.query('DROP INDEX "public"."IDX_benchmarks_owner_created"');
    await queryRunner.query('DROP INDEX "public"."UQ_benchmarks_builtin_name"');
    await queryRunner.query('DROP TABLE "benchmarks"');
    await queryRunner.query('DROP INDEX "public"."UQ_api_keys_key_hash"');
    await queryRunner.query('DROP INDEX "public"."IDX_api_keys_owner"');
    await queryRunner.query('DROP TABLE "api_keys"');
  }
}
