import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { requestContext } from './request-context';

const FRAMEWORK_CHATTER = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * Nest's logger on top of pino: every `Logger` in the code base writes structured lines with its
 * context, and the request id when it logs while serving a request.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    // Nest's own start-up chatter (one line per module and route) is debug, not info.
    const context = params[params.length - 1];
    const chatter = typeof context === 'string' && FRAMEWORK_CHATTER.has(context);
    this.write(chatter ? 'debug' : 'info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack?, context?).
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const stack = params.length > 1 ? params[0] : undefined;
    this.write('error', message, typeof context === 'string' ? [context] : [], stack);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal',
    message: unknown,
    params: unknown[],
    stack?: unknown,
  ): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string'
        ? params[params.length - 1]
        : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    const requestId = requestContext.getStore()?.requestId;
    if (requestId !== undefined) fields.reqId = requestId;
    if (typeof stack === 'string') fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
