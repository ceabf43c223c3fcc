export * from './metrics.module';
export * from './metrics.service';
export { serveClusterMetrics } from './cluster-metrics';
