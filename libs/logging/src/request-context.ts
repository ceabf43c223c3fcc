import { AsyncLocalStorage } from 'node:async_hooks';

/** The request being served, for log lines written anywhere while serving it. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();
