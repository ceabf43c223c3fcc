export * from './data-source-options';
export * from './database-connection';
export * from './database.module';
export * from './embedded-driver';
export * from './embedded-lock';
export * from './run-migrations';
export * from './prepared-query';
export * from './wait-for-database';
