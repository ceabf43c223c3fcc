import { Global, Module } from '@nestjs/common';
import { HttpMetricsHooks } from './http-metrics.hooks';
import { MetricsController } from './metrics.controller';
import { Metrics } from './metrics.service';

/** `GET /metrics`, the HTTP metrics, and the `Metrics` registry every library records into. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, HttpMetricsHooks],
  exports: [Metrics],
})
export class MetricsModule {}
