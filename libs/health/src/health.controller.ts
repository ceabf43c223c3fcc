import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { KeyStore } from '@nest-sso/keys';
import { ShutdownState } from './shutdown-state';

type Check = { status: 'up' } | { status: 'down'; error: string };

/** Liveness and readiness for orchestrators. Public, cheap, and free of secrets. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keyStore: KeyStore,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly shutdown: ShutdownState,
  ) {}

  /** The process is up and serving HTTP. */
  @Public()
  @Get('live')
  live() {
    return { status: 'up' };
  }

  /**
   * Ready to serve logins: the database answers, a key can sign, and the last key reload
   * succeeded. 503 otherwise, with the failing check named.
   */
  @Public()
  @Get('ready')
  async ready(@Res() response: Response): Promise<void> {
    const checks: Record<string, Check> = { database: await this.database(), keys: this.keys() };
    if (this.shutdown.draining) {
      checks.shutdown = { status: 'down', error: 'the server is shutting down' };
    }
    const up = Object.values(checks).every((check) => check.status === 'up');
    response
      .status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .json({ status: up ? 'up' : 'down', checks });
  }

  private async database(): Promise<Check> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'up' };
    } catch {
      return { status: 'down', error: 'the database does not answer' };
    }
  }

  private keys(): Check & { active_kid?: string } {
    const signing = this.keyStore.current.signingKey(this.config.identity);
    if (!signing) return { status: 'down', error: 'no key can sign' };
    const { lastError } = this.keyStore.status;
    // Key file errors name a file and a parse problem, never key material.
    if (lastError !== null)
      return {
        status: 'down',
        error: `last key reload failed: ${lastError}`,
        active_kid: signing.kid,
      };
    return { status: 'up', active_kid: signing.kid };
  }
}
