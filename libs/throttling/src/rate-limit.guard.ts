import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IpRateLimiter, RateLimitBucket } from './ip-rate-limiter';

const RATE_LIMIT_BUCKET = 'sso:rateLimitBucket';

/**
 * Puts a route under a bucket's per-IP budget (`SSO_RATE_LIMIT_<BUCKET>` requests per minute).
 * Read by `RateLimitGuard`, which the auth module installs ahead of the session guard.
 */
export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);

/**
 * Applies the route's bucket before anything else runs (token checks, body validation, password
 * hashing), so that a flood is refused at the cost of one counter update. The IP is Express's
 * `request.ip`: the peer address, or `X-Forwarded-For` only behind `SSO_TRUSTED_PROXIES`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: IpRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const bucket = this.reflector.get<RateLimitBucket | undefined>(
      RATE_LIMIT_BUCKET,
      context.getHandler(),
    );
    if (bucket === undefined) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    await this.limiter.consume(bucket, request.ip ?? 'unknown');
    return true;
  }
}
