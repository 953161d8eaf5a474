import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { RedisPubSub } from '../redis/redis.module';

/**
 * Counts one hit in a fixed window that starts with the window's first hit; returns the count and
 * the window's remaining milliseconds. Atomic in Redis, so every api process shares the count.
 */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/**
 * Request rate limits kept in Redis (shared by every api replica): RZERO_RATE_LIMIT_REQUESTS per
 * API key per RZERO_RATE_LIMIT_WINDOW_MS, and RZERO_AUTH_FAILURE_LIMIT unknown keys per client IP
 * per window, after which that IP gets 429 on every authenticated route until the window ends.
 * Both answer 429 RATE_LIMITED with Retry-After. If Redis fails, requests pass (logged): the
 * limits protect the service, they must not take it down.
 */
@Injectable()
export class RateLimiter {
  private readonly log = new Logger(RateLimiter.name);

  constructor(
    private readonly redis: RedisPubSub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts a request of the key `keyId` ('admin' for the bootstrap key); 429 above the limit. */
  async takeRequest(keyId: string): Promise<void> {
    const limit = this.config.rateLimitRequests;
    if (limit === 0) return;
    const hit = await this.hit(`ratelimit:key:${keyId}`);
    if (hit && hit.count > limit) {
      throw limited(
        `more than ${limit} requests in ${this.config.rateLimitWindowMs / 1000} s with this API key`,
        hit.ttlMs,
      );
    }
  }

  /** 429 when `ip` presented too many unknown keys in the current window. */
  async checkAuthFailures(ip: string): Promise<void> {
    const limit = this.config.authFailureLimit;
    if (limit === 0) return;
    const key = this.key(`ratelimit:authfail:${ip}`);
    try {
      const [count, ttl] = (await this.redis.publisher.multi().get(key).pttl(key).exec())!.map(
        ([err, v]) => {
          if (err) throw err;
          return Number(v);
        },
      ) as [number, number];
      if (count >= limit) {
        throw limited(
          `${count} failed authentications from this address; try again later`,
          ttl > 0 ? ttl : this.config.rateLimitWindowMs,
        );
      }
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.log.warn({ err }, 'rate limiter unavailable; request let through');
    }
  }

  /** Counts an unknown key presented from `ip`. */
  async recordAuthFailure(ip: string): Promise<void> {
    if (this.config.authFailureLimit === 0) return;
    await this.hit(`ratelimit:authfail:${ip}`);
  }

  private key(name: string): string {
    return `${this.config.redisPrefix}:${name}`;
  }

  private async hit(name: string): Promise<{ count: number; ttlMs: number } | null> {
    try {
      const [count, ttlMs] = (await this.redis.publisher.eval(
        HIT,
        1,
        this.key(name),
        this.config.rateLimitWindowMs,
      )) as [number, number];
      return { count, ttlMs };
    } catch (err) {
      this.log.warn({ err }, 'rate limiter unavailable; request let through');
      return null;
    }
  }
}

function limited(message: string, ttlMs: number): DomainError {
  return new DomainError('RATE_LIMITED', message, [], {
    'Retry-After': String(Math.max(1, Math.ceil(ttlMs / 1000))),
  });
}
