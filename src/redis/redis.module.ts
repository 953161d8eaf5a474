import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/** ioredis options from a redis:// or rediss:// URL (Bull takes the same object). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: Number.isInteger(db) ? db : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
  };
}

/**
 * The process's Redis connections for pub/sub: one publisher, one subscriber shared by every SSE
 * stream of this process (a channel listener map, not a connection per client).
 */
@Injectable()
export class RedisPubSub implements OnApplicationShutdown {
  readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Set<(message: string) => void>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.publisher = new Redis(redisOptions(config.redisUrl));
    this.subscriber = new Redis(redisOptions(config.redisUrl));
    this.subscriber.on('message', (channel: string, message: string) => {
      for (const f of this.listeners.get(channel) ?? []) f(message);
    });
  }

  channel(name: string): string {
    return `${this.config.redisPrefix}:${name}`;
  }

  async publish(name: string, message: string): Promise<void> {
    await this.publisher.publish(this.channel(name), message);
  }

  /** Subscribes to a channel; resolves once Redis confirms. Returns the unsubscribe function. */
  async subscribe(
    name: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    const channel = this.channel(name);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(onMessage);
    await this.subscriber.subscribe(channel);
    return async () => {
      const s = this.listeners.get(channel);
      s?.delete(onMessage);
      if (s && s.size === 0) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}

@Global()
@Module({ providers: [RedisPubSub], exports: [RedisPubSub] })
export class RedisModule {}
