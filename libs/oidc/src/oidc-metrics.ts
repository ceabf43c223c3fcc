import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics } from '@nest-sso/metrics';

/** OpenID Connect metrics, on the server's registry (`GET /metrics`). */
@Injectable()
export class OidcMetrics {
  /** Access tokens issued by the OIDC token endpoint, by grant type. */
  readonly tokensIssued: Counter<'grant_type'>;
  /** Sign-ins on the hosted page, by client (bounded by the registered clients). */
  readonly logins: Counter<'client_id'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.tokensIssued = new Counter({
      name: 'nest_sso_oidc_tokens_issued_total',
      help: 'Access tokens issued by the OpenID Connect token endpoint, by grant type',
      labelNames: ['grant_type'],
      registers,
    });
    this.logins = new Counter({
      name: 'nest_sso_oidc_logins_total',
      help: 'Successful sign-ins on the hosted page, by client',
      labelNames: ['client_id'],
      registers,
    });
  }
}
