import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { joinClusterMetrics } from './cluster-metrics';

/**
 * The Prometheus registry of one server instance (not prom-client's global one, so several
 * instances in a process, as in the tests, do not collide), with the metrics every library
 * shares. Libraries add their own gauges with `register`.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'nest_sso_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'nest_sso_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly tokensIssued = new Counter({
    name: 'nest_sso_tokens_issued_total',
    help: 'Tokens signed, by type (session or auth)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly authEvents = new Counter({
    name: 'nest_sso_auth_events_total',
    help: 'Audit events by type and reason: login_failed, login_locked (lockouts), session_revoked, authorize_denied, ...',
    labelNames: ['type', 'reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    joinClusterMetrics(this.registry);
  }
}
