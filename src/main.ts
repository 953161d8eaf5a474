/** The api process: REST + SSE (and, with RZERO_EMBEDDED_WORKER=1, a worker in the same process). */
import { createApi } from './app';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApi(config);
  await app.listen(config.port);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
