/**
 * Database-level chores that need a connection to the server rather than to the app's database:
 * create the database if it is missing (demo, tests), drop a test database.
 */
import { Client } from 'pg';

function splitUrl(databaseUrl: string): { adminUrl: string; name: string } {
  const u = new URL(databaseUrl);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) {
    throw new Error(
      `database name must be 1-63 characters of [A-Za-z0-9_], got ${JSON.stringify(name)}`,
    );
  }
  u.pathname = '/postgres';
  return { adminUrl: u.toString(), name };
}

async function withAdmin<T>(
  databaseUrl: string,
  f: (c: Client, name: string) => Promise<T>,
): Promise<T> {
  const { adminUrl, name } = splitUrl(databaseUrl);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await f(client, name);
  } finally {
    await client.end();
  }
}

/** Creates the URL's database unless it exists. Returns whether it was created. */
export function ensureDatabase(databaseUrl: string): Promise<boolean> {
  return withAdmin(databaseUrl, async (c, name) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await c.query(`CREATE DATABASE "${name}"`);
    } catch (err) {
      // Two processes racing to create it: the other one won.
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  });
}

export function dropDatabase(databaseUrl: string): Promise<void> {
  return withAdmin(databaseUrl, async (c, name) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
