/**
 * The metrics signal: items are data points; a metric needs a name (else all its data points
 * are rejected) and data (a metric with none is dropped with a warning, having no points).
 */

import { create } from "@bufbuild/protobuf";
import {
  ExportMetricsPartialSuccessSchema,
  ExportMetricsServiceRequestSchema,
  ExportMetricsServiceResponseSchema,
} from "../gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import type { Metric } from "../gen/opentelemetry/proto/metrics/v1/metrics_pb";
import { defineSignal, errorMessageOf, RejectionTally } from "./signal";

/** How many data points `metric` carries, whatever its kind. */
export function dataPointCount(metric: Metric): number {
  const data = metric.data;
  return data.case === undefined ? 0 : data.value.dataPoints.length;
}

/** `/v1/metrics`. */
export const metrics = defineSignal({
  name: "metrics",
  itemNoun: "data points",
  requestSchema: ExportMetricsServiceRequestSchema,
  responseSchema: ExportMetricsServiceResponseSchema,
  dropInvalid(request) {
    const tally = new RejectionTally();
    for (const resourceMetrics of request.resourceMetrics) {
      for (const scopeMetrics of resourceMetrics.scopeMetrics) {
        scopeMetrics.metrics = scopeMetrics.metrics.filter((metric) => {
          if (metric.name.trim() === "") {
            tally.add(dataPointCount(metric), "a metric must have a name");
            return false;
          }
          if (metric.data.case === undefined) {
            tally.add(0, `metric '${metric.name}' has no data and was dropped`);
            return false;
          }
          return true;
        });
      }
    }
    return tally.result();
  },
  countItems(request) {
    return request.resourceMetrics.reduce(
      (n, rm) =>
        n + rm.scopeMetrics.reduce((m, sm) => m + sm.metrics.reduce((k, x) => k + dataPointCount(x), 0), 0),
      0,
    );
  },
  response(rejection) {
    if (rejection.reasons.length === 0) return create(ExportMetricsServiceResponseSchema);
    return create(ExportMetricsServiceResponseSchema, {
      partialSuccess: create(ExportMetricsPartialSuccessSchema, {
        rejectedDataPoints: BigInt(rejection.rejected),
        errorMessage: errorMessageOf(rejection),
      }),
    });
  },
});
