export * from './create-root-logger';
export * from './pino-logger.service';
export * from './request-context';
export * from './request-logging';
