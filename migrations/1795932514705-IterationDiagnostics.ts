import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IterationDiagnostics1795932514705 implements MigrationInterface {
  name = 'IterationDiagnostics1795932514705';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "iterations" ADD "diagnostics" jsonb');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "iterations" DROP COLUMN "diagnostics"');
  }
}
