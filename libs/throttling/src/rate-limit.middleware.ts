import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { IpRateLimiter, RateLimitBucket } from './ip-rate-limiter';

/**
 * Applies a bucket's per-IP budget before anything else runs (body validation, token checks,
 * password hashing), so a flood is refused at the cost of one counter update. The IP is Express's
 * `request.ip`: the peer address, or `X-Forwarded-For` only behind `SSO_TRUSTED_PROXIES`.
 */
export function rateLimitMiddleware(bucket: RateLimitBucket) {
  @Injectable()
  class RateLimitMiddleware implements NestMiddleware {
    constructor(readonly limiter: IpRateLimiter) {}

    // Thrown, not passed to next(): Nest then answers through the error filter (JSON shape).
    async use(request: Request, _response: Response, next: NextFunction): Promise<void> {
      await this.limiter.consume(bucket, request.ip ?? 'unknown');
      next();
    }
  }
  return RateLimitMiddleware;
}
