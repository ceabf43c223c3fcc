import pino, { DestinationStream, Logger } from 'pino';
import type { SsoConfig } from '@nest-sso/config';

/**
 * The process's pino logger: JSON lines (or pretty ones in development), ISO timestamps, and the
 * Authorization and Cookie headers redacted wherever they appear. Tokens and passwords are never
 * passed to it; the redaction is the second line of defence.
 */
export function createRootLogger(
  config: Pick<SsoConfig, 'log' | 'identity'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.log.level,
    base: { service: 'nest-sso', identity: config.identity },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  if (destination) return pino(options, destination);
  if (config.log.format === 'pretty') {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,identity' },
      },
    });
  }
  return pino(options);
}
