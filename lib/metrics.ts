import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '#lib/config';

/**
 * Custom CloudWatch metrics, written with Powertools Metrics as Embedded Metric Format: one JSON line
 * on stdout per data point, which CloudWatch Logs turns into metrics with no API call in the request
 * path. Each point is its own single metric so that its dimensions are its own (one process serves
 * every route locally). The names below are what the CDK stack's alarms and dashboard read
 * (infra/aws/constructs/monitoring.ts). Off unless FRAMESEEK_METRICS=emf (set in AWS).
 */
export const METRICS_NAMESPACE = 'Frameseek';

export const METRIC = {
  /** Every API answer, dimension `route`. */
  requests: 'Requests',
  /** Every error answer, dimension `route` (4xx and 5xx alike). */
  errorResponses: 'ErrorResponses',
  /** Every error answer, dimension `code` (the error catalogue's). */
  errorsByCode: 'ErrorsByCode',
  /** Time to answer, dimension `route`. */
  latency: 'Latency',
  /** Time a search took inside the search domain, no dimension. */
  searchLatency: 'SearchLatency',
  /** Jobs that ended, dimension `outcome` (completed | failed). */
  jobsFinished: 'JobsFinished',
  /** Seconds of indexing work per minute of video, for each video indexed. */
  indexingSecondsPerVideoMinute: 'IndexingSecondsPerVideoMinute',
} as const;

export interface MetricsRecorder {
  recordAnswer(answer: { route: string; status: number; code?: string; durationMs: number }): void;
  recordSearch(latencyMs: number): void;
  recordJobFinished(outcome: 'completed' | 'failed'): void;
  recordIndexing(indexingSecs: number, videoSecs: number): void;
}

export function metricsRecorder(enabled: boolean): MetricsRecorder {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'frameseek' });
  const point = (name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions: Record<string, string> = {}): void => {
    if (!enabled) return;
    const single = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions)) single.addDimension(dimension, dimensionValue);
    single.addMetric(name, unit, value);
  };
  return {
    recordAnswer({ route, status, code, durationMs }) {
      point(METRIC.requests, MetricUnit.Count, 1, { route });
      point(METRIC.latency, MetricUnit.Milliseconds, durationMs, { route });
      if (status < 400) return;
      point(METRIC.errorResponses, MetricUnit.Count, 1, { route });
      if (code) point(METRIC.errorsByCode, MetricUnit.Count, 1, { code });
    },
    recordSearch(latencyMs) {
      point(METRIC.searchLatency, MetricUnit.Milliseconds, latencyMs);
    },
    recordJobFinished(outcome) {
      point(METRIC.jobsFinished, MetricUnit.Count, 1, { outcome });
    },
    recordIndexing(indexingSecs, videoSecs) {
      if (videoSecs > 0) point(METRIC.indexingSecondsPerVideoMinute, MetricUnit.Seconds, indexingSecs / (videoSecs / 60));
    },
  };
}

export const metrics = metricsRecorder(config.FRAMESEEK_METRICS === 'emf');
