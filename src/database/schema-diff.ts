import type { DataSource } from 'typeorm';

/** The SQL TypeORM would run to bring the database to the entities (empty = they agree). */
export async function pendingSchemaQueries(
  ds: DataSource,
): Promise<{ up: string[]; down: string[] }> {
  const log = await ds.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((q) => q.query),
    down: log.downQueries.map((q) => q.query),
  };
}
