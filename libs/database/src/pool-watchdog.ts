import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';

/** What node-postgres' pool reports and emits. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max: number };
  on(event: 'release' | 'connect', listener: () => void): unknown;
  off(event: 'release' | 'connect', listener: () => void): unknown;
}

/** How often the pool is looked at. */
const SAMPLE_MS = 500;

/**
 * Watches the PostgreSQL pool for a wedge: every connection checked out, requests waiting for
 * one, and no connection given back, for longer than `DATABASE_STALL_TIMEOUT`. Timeouts and
 * eviction should make that impossible; if it happens anyway, restarting the process is the way
 * out, so `/health/live` reports it (and an orchestrator restarts the process). A database that
 * is simply down is not a wedge: connections fail and are given back, and readiness reports it.
 */
@Injectable()
export class PoolWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private pool: PgPool | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the pool was last seen not exhausted, or last gave a connection back. */
  private lastProgress = Date.now();
  private readonly onProgress = () => (this.lastProgress = Date.now());

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const pool = (this.dataSource.driver as { master?: Partial<PgPool> }).master;
    // The embedded database has no pool to wedge.
    if (typeof pool?.waitingCount !== 'number' || typeof pool.on !== 'function') return;
    this.pool = pool as PgPool;
    this.pool.on('release', this.onProgress);
    this.pool.on('connect', this.onProgress);
    this.timer = setInterval(() => {
      if (!this.exhausted()) this.lastProgress = Date.now();
    }, SAMPLE_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.pool?.off('release', this.onProgress);
    this.pool?.off('connect', this.onProgress);
  }

  /** Seconds the pool has been wedged for, or 0; logged once when it passes the bound. */
  stalledFor(): number {
    if (!this.pool || !this.exhausted()) return 0;
    const seconds = (Date.now() - this.lastProgress) / 1000;
    if (seconds < this.config.database.stallTimeout) return 0;
    this.logger.error(
      `The connection pool has been exhausted for ${Math.round(seconds)} s with requests waiting and no connection given back: liveness is red`,
    );
    return seconds;
  }

  private exhausted(): boolean {
    const pool = this.pool!;
    return pool.waitingCount > 0 && pool.idleCount === 0 && pool.totalCount >= pool.options.max;
  }
}
