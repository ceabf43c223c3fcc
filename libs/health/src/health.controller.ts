import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { PoolWatchdog } from '@nest-sso/database';
import { KeyStore } from '@nest-sso/keys';
import { ShutdownState } from './shutdown-state';

/**
 * Liveness and readiness for orchestrators (`@nestjs/terminus`). Public, cheap, and free of
 * secrets: 200 `{"status": "ok", …}` or 503 `{"status": "error", …}`, with each check in `details`.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly keyStore: KeyStore,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly shutdown: ShutdownState,
    private readonly watchdog: PoolWatchdog,
  ) {}

  /** The process is up and serving HTTP. */
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiResponse({ status: 200, description: '{"status": "ok", …}' })
  @Public()
  @Get('live')
  live(@Res() response: FastifyReply): Promise<void> {
    return this.answer(response, [() => this.poolCheck()]);
  }

  /**
   * Ready to serve logins: the database answers, a key can sign, the last key reload succeeded,
   * and the server is not draining for shutdown.
   */
  @ApiOperation({ summary: 'Readiness: database, signing key, last key reload, not draining' })
  @ApiResponse({ status: 200, description: '{"status": "ok", "details": {…}}' })
  @ApiResponse({ status: 503, description: '{"status": "error", "error": {…}, "details": {…}}' })
  @Public()
  @Get('ready')
  ready(@Res() response: FastifyReply): Promise<void> {
    return this.answer(response, [
      () => this.databaseCheck(),
      () => this.keysCheck(),
      () => this.shutdownCheck(),
    ]);
  }

  private async answer(
    response: FastifyReply,
    checks: (() => Promise<HealthIndicatorResult> | HealthIndicatorResult)[],
  ): Promise<void> {
    try {
      await response.status(200).send(await this.health.check(checks));
    } catch (error) {
      // Terminus reports failure as a 503 exception carrying the result; answer it as is.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      await response.status(503).send(error.getResponse());
    }
  }

  private async databaseCheck(): Promise<HealthIndicatorResult> {
    try {
      const result = await this.database.pingCheck('database', { timeout: 2000 });
      if (result.database.status === 'up') return result;
    } catch {
      // reported below
    }
    // Terminus' own message may carry driver details; ours does not.
    return this.indicators.check('database').down({ message: 'the database does not answer' });
  }

  /**
   * Up while a key signs. A failed reload of a shared key store leaves every replica serving the
   * last good key set, so it must not take them all out of the load balancer: it shows here as a
   * warning (`last_reload: "failed"`), in `nest_sso_key_store_last_reload_ok` and in the log line
   * that names the file. The details never name files or paths: this route is public.
   */
  private keysCheck(): HealthIndicatorResult {
    const keys = this.indicators.check('keys');
    const signing = this.keyStore.current.signingKey(this.config.identity);
    if (!signing) return keys.down({ message: 'no key can sign' });
    if (this.keyStore.status.lastError !== null) {
      return keys.up({
        active_kid: signing.kid,
        last_reload: 'failed',
        message: 'the last key reload failed; serving the last good key set (see the server log)',
      });
    }
    return keys.up({ active_kid: signing.kid, last_reload: 'ok' });
  }

  /**
   * Liveness fails only for what a restart cures: a connection pool wedged past
   * `DATABASE_STALL_TIMEOUT`. A database that is away is readiness' business, not liveness'.
   */
  private poolCheck(): HealthIndicatorResult {
    const pool = this.indicators.check('database_pool');
    const stalled = this.watchdog.stalledFor();
    return stalled > 0
      ? pool.down({
          message: `every connection has been checked out, with requests waiting, for ${Math.round(stalled)} s`,
        })
      : pool.up();
  }

  private shutdownCheck(): HealthIndicatorResult {
    const shutdown = this.indicators.check('shutdown');
    return this.shutdown.draining
      ? shutdown.down({ message: 'the server is shutting down' })
      : shutdown.up();
  }
}
