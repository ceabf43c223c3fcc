export * from './http-error.filter';
export * from './sso-error';
export * from './validation.pipe';
export * from './public.decorator';
export * from './client-error-handler';
export * from './database-unavailable';
export * from './api-docs';
