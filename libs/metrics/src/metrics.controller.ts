import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Public, SsoError } from '@nest-sso/common';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { clusterMetrics, inClusterWorker } from './cluster-metrics';
import { Metrics } from './metrics.service';

/** Prometheus metrics; behind `Authorization: Bearer <SSO_METRICS_TOKEN>` when that is set. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
  ) {}

  @ApiOperation({
    summary: 'Prometheus metrics (Authorization: Bearer <SSO_METRICS_TOKEN> when set)',
  })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Prometheus text format' })
  @ApiResponse({ status: 401, description: 'SSO_METRICS_TOKEN is set and was not sent' })
  @Public()
  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() response: FastifyReply,
  ): Promise<void> {
    const expected = this.config.metricsToken;
    if (expected !== null && !matches(authorization, `Bearer ${expected}`)) {
      throw new SsoError('not_authenticated', 'Send "Authorization: Bearer <SSO_METRICS_TOKEN>"');
    }
    // Under SSO_WORKERS > 1, one scrape reaches one worker: it answers for all of them.
    const text = inClusterWorker() ? await clusterMetrics() : await this.metrics.registry.metrics();
    await response.type(this.metrics.registry.contentType).send(text);
  }
}

function matches(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
