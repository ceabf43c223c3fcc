import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { Metrics } from '@nest-sso/metrics';

/** What node-postgres' pool reports about itself. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** PostgreSQL connection pool usage, read at each scrape (nothing for the embedded database). */
@Injectable()
export class PoolMetrics {
  constructor(metrics: Metrics, dataSource: DataSource) {
    const pool = () => (dataSource.driver as { master?: PgPool }).master;
    new Gauge({
      name: 'nest_sso_db_pool_connections',
      help: 'PostgreSQL pool connections by state: total, idle, waiting (requests queued for one)',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      collect() {
        this.reset();
        const p = pool();
        // The embedded database has no pool: its driver object has none of these counters.
        if (!p || typeof p.totalCount !== 'number') return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
  }
}
