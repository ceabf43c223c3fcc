import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IpRateLimiter } from './ip-rate-limiter';
import { LoginLockoutService } from './login-lockout.service';
import { LoginThrottle } from './login-throttle.entity';
import { RateLimitGuard } from './rate-limit.guard';

/** Abuse protection: per-IP rate limits on routes marked `@RateLimit`, and per-login-name lockout. */
@Module({
  imports: [TypeOrmModule.forFeature([LoginThrottle])],
  providers: [IpRateLimiter, LoginLockoutService, RateLimitGuard],
  exports: [IpRateLimiter, LoginLockoutService, RateLimitGuard],
})
export class ThrottlingModule {}
