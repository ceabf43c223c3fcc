export * from './ip-rate-limiter';
export * from './login-lockout.service';
export * from './login-throttle.entity';
export * from './throttling.module';
export * from './rate-limit.guard';
