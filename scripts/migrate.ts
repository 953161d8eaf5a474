/**
 * Applies pending TypeORM migrations to DATABASE_URL, creating the database first if missing.
 *   npm run migrate            apply
 *   npm run migrate -- --revert   undo the last one
 */
import { ensureDatabase } from '../src/database/admin';
import { createDataSource } from '../src/database/data-source';
import { ConfigError, loadConfig } from '../src/config/app-config';

export async function migrate(
  databaseUrl: string,
  log: (s: string) => void = console.log,
): Promise<string[]> {
  if (await ensureDatabase(databaseUrl)) log('created the database');
  const ds = createDataSource(databaseUrl);
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  const { databaseUrl } = loadConfig();
  if (process.argv.includes('--revert')) {
    const ds = createDataSource(databaseUrl);
    await ds.initialize();
    await ds.undoLastMigration({ transaction: 'each' });
    await ds.destroy();
    console.log('reverted the last migration');
    return;
  }
  const applied = await migrate(databaseUrl);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(
      err instanceof ConfigError ? err.message : err instanceof Error ? err.message : err,
    );
    process.exit(1);
  });
}
