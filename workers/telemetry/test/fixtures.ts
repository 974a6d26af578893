/**
 * Building real OTLP export requests of each signal, and posting them to the Worker.
 */

import { exports } from "cloudflare:workers";
import { create, type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { encodeMessage, type WireFormat } from "../src/codec";
import { ExportLogsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import { ExportMetricsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { ExportTraceServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import {
  AnyValueSchema,
  type KeyValue,
  KeyValueSchema,
} from "../src/gen/opentelemetry/proto/common/v1/common_pb";
import type { SignalName } from "../src/signals";
import type { BatchPage, ListedBatch } from "../src/storage";

export const INGEST_KEY = "test-ingest-key-0123456789";
export const READ_KEY = "test-read-key-0123456789";
export const BASE = "http://telemetry.test";

/** A string attribute. */
export function attr(key: string, value: string): KeyValue {
  return create(KeyValueSchema, {
    key,
    value: create(AnyValueSchema, { value: { case: "stringValue", value } }),
  });
}

/** An integer attribute. */
export function intAttr(key: string, value: number): KeyValue {
  return create(KeyValueSchema, {
    key,
    value: create(AnyValueSchema, { value: { case: "intValue", value: BigInt(value) } }),
  });
}

/** `n` bytes of `fill`. */
export function id(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

const resource = (service: string, extra: KeyValue[] = []) => ({
  attributes: [attr("service.name", service), ...extra],
});

/** Two spans (one child of the other) of `service`. */
export function traceRequest(service: string, spanAttributes: KeyValue[] = []) {
  return create(ExportTraceServiceRequestSchema, {
    resourceSpans: [
      {
        resource: resource(service),
        scopeSpans: [
          {
            scope: { name: "pryx-server", version: "0.1.0" },
            spans: [
              {
                traceId: id(16, 0xab),
                spanId: id(8, 0x01),
                name: "GET /health",
                kind: 2,
                startTimeUnixNano: 1_700_000_000_000_000_000n,
                endTimeUnixNano: 1_700_000_000_500_000_000n,
                attributes: spanAttributes,
              },
              {
                traceId: id(16, 0xab),
                spanId: id(8, 0x02),
                parentSpanId: id(8, 0x01),
                name: "ipc call",
                kind: 3,
              },
            ],
          },
        ],
      },
    ],
  });
}

/** A counter with two data points and a histogram with one, of `service`. */
export function metricsRequest(service: string) {
  return create(ExportMetricsServiceRequestSchema, {
    resourceMetrics: [
      {
        resource: resource(service),
        scopeMetrics: [
          {
            scope: { name: "pryx-server" },
            metrics: [
              {
                name: "http.server.requests",
                unit: "1",
                data: {
                  case: "sum",
                  value: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: [
                          attr("http.route", "/health"),
                          intAttr("http.response.status_code", 200),
                        ],
                        timeUnixNano: 1_700_000_000_000_000_000n,
                        value: { case: "asInt", value: 7n },
                      },
                      {
                        attributes: [attr("http.route", "/api/v1/logs")],
                        timeUnixNano: 1_700_000_000_000_000_000n,
                        value: { case: "asInt", value: 2n },
                      },
                    ],
                  },
                },
              },
              {
                name: "http.server.duration",
                unit: "ms",
                data: {
                  case: "histogram",
                  value: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      { count: 3n, sum: 12.5, min: 1, max: 8, bucketCounts: [1n, 2n], explicitBounds: [5] },
                    ],
                  },
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

/** One error log record of `service` with `body`. */
export function logsRequest(
  service: string,
  body = "runtime exited with status 1",
  attributes: KeyValue[] = [],
) {
  return create(ExportLogsServiceRequestSchema, {
    resourceLogs: [
      {
        resource: resource(service),
        scopeLogs: [
          {
            scope: { name: "pryx-host" },
            logRecords: [
              {
                timeUnixNano: 1_700_000_000_000_000_000n,
                severityNumber: 17,
                severityText: "ERROR",
                body: { value: { case: "stringValue", value: body } },
                attributes,
                traceId: id(16, 0xcd),
                spanId: id(8, 0x03),
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The request of each signal for `service`, with its schema. */
export function requestOf(
  signal: SignalName,
  service: string,
): { schema: DescMessage; message: MessageShape<DescMessage> } {
  switch (signal) {
    case "traces":
      return { schema: ExportTraceServiceRequestSchema, message: traceRequest(service) };
    case "metrics":
      return { schema: ExportMetricsServiceRequestSchema, message: metricsRequest(service) };
    case "logs":
      return { schema: ExportLogsServiceRequestSchema, message: logsRequest(service) };
  }
}

/** `message` encoded as OTLP in `format`. */
export function encode<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  format: WireFormat,
): Uint8Array {
  const encoded = encodeMessage(schema, message, format);
  return typeof encoded === "string" ? new TextEncoder().encode(encoded) : encoded;
}

/** `toBinary`, re-exported for tests that build protobuf bodies by hand. */
export { toBinary };

/** gzip of `bytes`. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export interface PostOptions {
  format?: WireFormat;
  headers?: Record<string, string>;
  /** Authorization header value; default `Bearer <INGEST_KEY>`; null sends none. */
  authorization?: string | null;
}

/** The request for POST /v1/<signal> with `body`. */
export function exportRequest(signal: SignalName, body: BodyInit, options: PostOptions = {}): Request {
  const format = options.format ?? "protobuf";
  const headers = new Headers({
    "content-type": format === "protobuf" ? "application/x-protobuf" : "application/json",
    ...options.headers,
  });
  const authorization = options.authorization === undefined ? `Bearer ${INGEST_KEY}` : options.authorization;
  if (authorization !== null) headers.set("authorization", authorization);
  return new Request(`${BASE}/v1/${signal}`, { method: "POST", headers, body });
}

/** POSTs to /v1/<signal> through the Worker. */
export function post(signal: SignalName, body: BodyInit, options: PostOptions = {}): Promise<Response> {
  return exports.default.fetch(exportRequest(signal, body, options));
}

/** Reads back `signal`'s newest batches. */
export async function readBack(signal: SignalName, limit = 100): Promise<ListedBatch[]> {
  const response = await exports.default.fetch(`${BASE}/v1/batches?signal=${signal}&limit=${limit}`, {
    headers: { authorization: `Bearer ${READ_KEY}` },
  });
  if (response.status !== 200)
    throw new Error(`read-back answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as BatchPage).batches;
}

/** The stored batch whose first resource has `service.name` = `service`, if any. */
export async function storedBatchOf(signal: SignalName, service: string): Promise<ListedBatch | undefined> {
  const batches = await readBack(signal);
  return batches.find((batch) => JSON.stringify(batch.request).includes(`"stringValue":"${service}"`));
}

/** `value`, or a test failure saying `what` was missing. */
export function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}

/** The spans of a stored traces batch's first resource and scope, in OTLP/JSON. */
export function storedSpans(batch: ListedBatch | undefined): Array<Record<string, unknown>> {
  const request = must(batch, "stored batch").request as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
  };
  return must(request.resourceSpans[0]?.scopeSpans[0]?.spans, "spans");
}

/** A fresh service name, so tests sharing storage find their own batches. */
export function uniqueService(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
