import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IpRateLimiter } from './ip-rate-limiter';
import { LoginLockoutService } from './login-lockout.service';
import { LoginThrottle } from './login-throttle.entity';
import { rateLimitMiddleware } from './rate-limit.middleware';

/** Abuse protection: per-IP rate limits on login and authorize, and per-login-name lockout. */
@Module({
  imports: [TypeOrmModule.forFeature([LoginThrottle])],
  providers: [IpRateLimiter, LoginLockoutService],
  exports: [IpRateLimiter, LoginLockoutService],
})
export class ThrottlingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(rateLimitMiddleware('login'))
      .forRoutes({ path: 'session', method: RequestMethod.POST });
    consumer
      .apply(rateLimitMiddleware('authorize'))
      .forRoutes({ path: 'authorize', method: RequestMethod.POST });
  }
}
