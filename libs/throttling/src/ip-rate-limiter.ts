import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';

/** The rate-limited routes, each with its own budget per client IP per minute. */
export type RateLimitBucket = 'login' | 'authorize' | 'password';
const BUCKETS: readonly RateLimitBucket[] = ['login', 'authorize', 'password'];

/**
 * Requests per client IP per minute, per bucket (rate-limiter-flexible). Counters live in memory,
 * per process, unless `REDIS_URL` is set: then every replica shares them. If Redis fails, each
 * process falls back to its own in-memory counters rather than refusing or waving through every
 * request.
 */
@Injectable()
export class IpRateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis | null;
  private readonly limiters = new Map<RateLimitBucket, RateLimiterAbstract>();

  constructor(@Inject(SSO_CONFIG) config: SsoConfig) {
    this.redis = config.redisUrl
      ? new Redis(config.redisUrl, {
          // Fail fast while Redis is away, so the in-memory fallback answers at once.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
        })
      : null;
    this.redis?.on('error', (error: Error) =>
      this.logger.warn(`Redis: ${error.message} (rate limits fall back to in-memory counters)`),
    );
    for (const bucket of BUCKETS) {
      const points = config.rateLimit[bucket];
      if (points === 0) continue;
      const options = { keyPrefix: `nest-sso:rl:${bucket}`, points, duration: 60 };
      this.limiters.set(
        bucket,
        this.redis
          ? new RateLimiterRedis({
              ...options,
              storeClient: this.redis,
              insuranceLimiter: new RateLimiterMemory(options),
            })
          : new RateLimiterMemory(options),
      );
    }
  }

  /** Counts one request; throws `rate_limited` (429, with `Retry-After`) over the budget. */
  async consume(bucket: RateLimitBucket, ip: string): Promise<void> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) return;
    try {
      await limiter.consume(ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new SsoError(
          'rate_limited',
          'Too many requests from this address; try again later',
          undefined,
          rejection.msBeforeNext / 1000,
        );
      }
      throw rejection;
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.redis && this.redis.status !== 'end') {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    }
  }
}
