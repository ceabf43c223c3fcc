export * from './data-source-options';
export * from './database.module';
export * from './embedded-lock';
export * from './run-migrations';
export * from './prepared-query';
