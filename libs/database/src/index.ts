export * from './data-source-options';
export * from './database.module';
export * from './embedded-lock';
export * from './run-migrations';
export * from './prepared-query';
export * from './evicting-client';
export * from './pool-watchdog';
