import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '@nest-sso/metrics';
import { KeyStore } from './key-store';

/** Key store metrics, read from the store at each scrape. */
@Injectable()
export class KeyMetrics {
  constructor(metrics: Metrics, keyStore: KeyStore) {
    const registers = [metrics.registry];
    new Counter({
      name: 'nest_sso_key_reloads_total',
      help: 'Key store reloads attempted (file change, re-scan, SIGHUP)',
      registers,
      collect() {
        this.reset();
        this.inc(keyStore.status.reloads);
      },
    });
    new Counter({
      name: 'nest_sso_key_reload_failures_total',
      help: 'Key store reloads that failed (the last good key set stayed in use)',
      registers,
      collect() {
        this.reset();
        this.inc(keyStore.status.failures);
      },
    });
    new Gauge({
      name: 'nest_sso_key_store_last_reload_ok',
      help: 'Whether the last key store reload succeeded (0: a file is broken; the last good key set still serves, the log names the file)',
      registers,
      collect() {
        this.set(keyStore.status.lastError === null ? 1 : 0);
      },
    });
    new Gauge({
      name: 'nest_sso_signing_key_info',
      help: 'The key that signs for each issuer now (value 1), by issuer, kid and algorithm',
      labelNames: ['issuer', 'kid', 'alg'] as const,
      registers,
      collect() {
        this.reset();
        const keySet = keyStore.current;
        for (const issuer of keySet.issuers()) {
          const key = keySet.signingKey(issuer);
          if (key) this.set({ issuer, kid: key.kid, alg: key.algorithm }, 1);
        }
      },
    });
  }
}
