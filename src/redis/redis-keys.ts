import Redis from 'ioredis';
import { redisOptions } from './redis.module';

/** Deletes every key under `<prefix>:` (a test's or a demo's queues), by SCAN, never KEYS. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(redisOptions(url));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
