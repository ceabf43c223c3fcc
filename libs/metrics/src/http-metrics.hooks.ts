import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Metrics } from './metrics.service';

/**
 * Counts and times every request by its route pattern (`/sessions/:id`, never the concrete
 * path, so ids do not explode the label set); requests that match no route are `unmatched`.
 * A Fastify `onResponse` hook: the time is Fastify's own measure of the request.
 */
@Injectable()
export class HttpMetricsHooks implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    // No HTTP server in an application context (the CLI): nothing to count.
    const instance = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!instance?.addHook) return;
    instance.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }
}
