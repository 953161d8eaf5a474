/**
 * Writes a migration for the difference between the entities and the schema the existing
 * migrations build, measured on a scratch database (so nobody's data is touched):
 *
 *   npm run migration:generate -- <Name>
 *
 * Prints "no changes" and writes nothing when entities and migrations agree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropDatabase, ensureDatabase } from '../src/database/admin';
import { createDataSource } from '../src/database/data-source';
import { pendingSchemaQueries } from '../src/database/schema-diff';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
  }
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rzero');
  base.pathname = `/rzero_migration_gen_${process.pid}`;
  const url = base.toString();
  await ensureDatabase(url);
  const ds = createDataSource(url);
  try {
    await ds.initialize();
    await ds.runMigrations();
    const { up, down } = await pendingSchemaQueries(ds);
    if (up.length === 0) {
      console.log('no changes: entities and migrations agree');
      return;
    }
    const ts = Date.now();
    const cls = `${name}${ts}`;
    const q = (s: string) => `    await queryRunner.query(${JSON.stringify(s)});`;
    const body = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${cls} implements MigrationInterface {
  name = '${cls}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up.map(q).join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${down.reverse().map(q).join('\n')}
  }
}
`;
    const file = join(
      __dirname.includes('dist') ? join(__dirname, '../..') : join(__dirname, '..'),
      'migrations',
      `${ts}-${name}.ts`,
    );
    writeFileSync(file, body);
    console.log(`wrote ${file} (${up.length} statements)`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await dropDatabase(url);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
