import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics.service';

/**
 * Counts and times every request by its route pattern (`/sessions/:id`, never the concrete
 * path, so ids do not explode the label set); requests that match no route are `unmatched`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: request.method, route, status: String(response.statusCode) };
      this.metrics.httpRequests.inc(labels);
      end(labels);
    });
    next();
  }
}
