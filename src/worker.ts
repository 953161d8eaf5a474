/** The worker process: consumes the `runs`, `evaluations` and `webhooks` queues. */
import { createWorker } from './app';
import { ConfigError, loadConfig } from './config/app-config';

async function main(): Promise<void> {
  const ctx = await createWorker(loadConfig());
  await ctx.init();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
