/**
 * Turning OTLP metrics into Workers Analytics Engine data points, and one data point per
 * accepted request of any signal. The column layout is documented in README.md.
 */

import type { ExportMetricsServiceRequest } from "./gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import type { AnyValue, KeyValue } from "./gen/opentelemetry/proto/common/v1/common_pb";
import type { Metric } from "./gen/opentelemetry/proto/metrics/v1/metrics_pb";
import type { SignalName } from "./signals";

/** Analytics Engine takes at most 250 points per invocation; one is kept for the summary. */
export const MAX_METRIC_POINTS = 200;
/** The index (sampling key) of ingest summary points. */
export const INGEST_INDEX = "ingest";
/** Longest attributes blob written, in characters. */
const MAX_ATTRIBUTES_CHARS = 1024;
/** Analytics Engine indexes are at most 96 bytes. */
const MAX_INDEX_CHARS = 96;

/** The metric points of one request, and how many did not fit. */
export interface MetricPoints {
  points: AnalyticsEngineDataPoint[];
  skipped: number;
}

/** What one accepted request was, for its summary point. */
export interface IngestSummary {
  signal: SignalName;
  serviceName: string;
  format: string;
  encoding: string;
  accepted: number;
  rejected: number;
  bytes: number;
  redactions: number;
}

function anyValueText(value: AnyValue | undefined): string {
  const member = value?.value;
  if (member === undefined || member.case === undefined) return "";
  switch (member.case) {
    case "stringValue":
      return member.value;
    case "boolValue":
    case "intValue":
    case "doubleValue":
      return String(member.value);
    case "bytesValue":
      return `<${member.value.length} bytes>`;
    case "arrayValue":
      return `[${member.value.values.map(anyValueText).join(",")}]`;
    case "kvlistValue":
      return `{${member.value.values.map((kv) => `${kv.key}=${anyValueText(kv.value)}`).join(",")}}`;
  }
}

/** `service.name` among `attributes`, or "unknown_service" as OpenTelemetry names it. */
export function serviceNameOf(attributes: KeyValue[] | undefined): string {
  const attribute = attributes?.find((kv) => kv.key === "service.name");
  const name = anyValueText(attribute?.value);
  return name === "" ? "unknown_service" : name;
}

function attributesBlob(attributes: KeyValue[]): string {
  const pairs = attributes.map((kv) => [kv.key, anyValueText(kv.value)]);
  return JSON.stringify(Object.fromEntries(pairs)).slice(0, MAX_ATTRIBUTES_CHARS);
}

function nanosToMillis(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

/** doubles: [value or sum, count, min, max, time in ms]. */
function metricDoubles(metric: Metric): Array<{ attributes: KeyValue[]; doubles: number[] }> {
  const data = metric.data;
  switch (data.case) {
    case "gauge":
    case "sum":
      return data.value.dataPoints.map((p) => {
        const value = p.value.case === undefined ? Number.NaN : Number(p.value.value);
        return { attributes: p.attributes, doubles: [value, 1, value, value, nanosToMillis(p.timeUnixNano)] };
      });
    case "histogram":
    case "exponentialHistogram":
      return data.value.dataPoints.map((p) => ({
        attributes: p.attributes,
        doubles: [
          p.sum ?? Number.NaN,
          Number(p.count),
          p.min ?? Number.NaN,
          p.max ?? Number.NaN,
          nanosToMillis(p.timeUnixNano),
        ],
      }));
    case "summary":
      return data.value.dataPoints.map((p) => ({
        attributes: p.attributes,
        doubles: [p.sum, Number(p.count), Number.NaN, Number.NaN, nanosToMillis(p.timeUnixNano)],
      }));
    default:
      return [];
  }
}

/**
 * One point per metric data point, at most {@link MAX_METRIC_POINTS}: index `service.name`,
 * blobs [metric name, kind, unit, service name, attributes as JSON], doubles [value or sum,
 * count, min, max, time in ms].
 */
export function metricPoints(request: ExportMetricsServiceRequest): MetricPoints {
  const points: AnalyticsEngineDataPoint[] = [];
  let skipped = 0;
  for (const resourceMetrics of request.resourceMetrics) {
    const service = serviceNameOf(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) {
        for (const { attributes, doubles } of metricDoubles(metric)) {
          if (points.length >= MAX_METRIC_POINTS) {
            skipped++;
            continue;
          }
          points.push({
            indexes: [service.slice(0, MAX_INDEX_CHARS)],
            blobs: [metric.name, metric.data.case ?? "", metric.unit, service, attributesBlob(attributes)],
            doubles,
          });
        }
      }
    }
  }
  return { points, skipped };
}

/**
 * The summary point of one accepted request: index "ingest", blobs [signal, service name,
 * format, encoding], doubles [accepted, rejected, bytes, redactions].
 */
export function ingestPoint(summary: IngestSummary): AnalyticsEngineDataPoint {
  return {
    indexes: [INGEST_INDEX],
    blobs: [summary.signal, summary.serviceName, summary.format, summary.encoding],
    doubles: [summary.accepted, summary.rejected, summary.bytes, summary.redactions],
  };
}

/** Writes `points`; Analytics Engine writes never fail a request (it is best effort). */
export function writePoints(dataset: AnalyticsEngineDataset, points: AnalyticsEngineDataPoint[]): void {
  for (const point of points) {
    try {
      dataset.writeDataPoint(point);
    } catch (error) {
      console.error("analytics engine write failed", String(error));
      return;
    }
  }
}
