import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The owner "admin" belongs to the bootstrap admin key: user keys made with it before it was
 * reserved could read and delete the bootstrap key's resources. They are revoked.
 */
export class ReserveAdminOwner1795700000000 implements MigrationInterface {
  name = 'ReserveAdminOwner1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "api_keys" SET "revoked_at" = now() WHERE lower("owner") = 'admin' AND "role" <> 'admin' AND "revoked_at" IS NULL`,
    );
  }

  public async down(): Promise<void> {
    // Revoked keys stay revoked: un-revoking them would reopen the hole.
  }
}
