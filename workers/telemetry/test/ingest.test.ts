/**
 * The receiver end to end inside workerd: each signal in protobuf and JSON, gzip, answers in
 * kind, partial success, and storage in R2 read back through the read-back route.
 */

import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExportLogsServiceResponseSchema } from "../src/gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import { ExportMetricsServiceResponseSchema } from "../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import {
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
} from "../src/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import { SIGNAL_NAMES } from "../src/signals";
import {
  encode,
  gzip,
  id,
  must,
  post,
  requestOf,
  storedBatchOf,
  storedSpans,
  traceRequest,
  uniqueService,
} from "./fixtures";

const EXPECTED_ITEMS = { traces: 2, metrics: 3, logs: 1 } as const;
const RESPONSE_SCHEMA = {
  traces: ExportTraceServiceResponseSchema,
  metrics: ExportMetricsServiceResponseSchema,
  logs: ExportLogsServiceResponseSchema,
} as const;

describe.each(SIGNAL_NAMES)("/v1/%s", (signal) => {
  it("accepts protobuf, answers an empty protobuf response and stores the batch", async () => {
    const service = uniqueService(`${signal}-pb`);
    const { schema, message } = requestOf(signal, service);
    const response = await post(signal, encode(schema, message, "protobuf"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-protobuf");
    const body = new Uint8Array(await response.arrayBuffer());
    const answer = fromBinary(RESPONSE_SCHEMA[signal], body);
    expect(answer.partialSuccess).toBeUndefined();

    const stored = await storedBatchOf(signal, service);
    expect(stored).toMatchObject({
      signal,
      format: "protobuf",
      encoding: "identity",
      accepted: EXPECTED_ITEMS[signal],
      rejected: 0,
    });
  });

  it("accepts OTLP/JSON and answers in JSON", async () => {
    const service = uniqueService(`${signal}-json`);
    const { schema, message } = requestOf(signal, service);
    const response = await post(signal, encode(schema, message, "json"), { format: "json" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({});
    const stored = await storedBatchOf(signal, service);
    expect(stored).toMatchObject({ format: "json", accepted: EXPECTED_ITEMS[signal] });
  });

  it("accepts a gzip body", async () => {
    const service = uniqueService(`${signal}-gzip`);
    const { schema, message } = requestOf(signal, service);
    const response = await post(signal, await gzip(encode(schema, message, "protobuf")), {
      headers: { "content-encoding": "gzip" },
    });
    expect(response.status).toBe(200);
    const stored = await storedBatchOf(signal, service);
    expect(stored).toMatchObject({ encoding: "gzip", accepted: EXPECTED_ITEMS[signal] });
  });
});

describe("stored batches", () => {
  it("keep the request in OTLP/JSON with hex ids, integer enums and resource attributes", async () => {
    const service = uniqueService("shape");
    await post("traces", encode(ExportTraceServiceRequestSchema, traceRequest(service), "protobuf"));
    const stored = await storedBatchOf("traces", service);
    const request = must(stored, "stored batch").request as { resourceSpans: Array<{ resource: unknown }> };
    expect(request.resourceSpans[0]?.resource).toEqual({
      attributes: [{ key: "service.name", value: { stringValue: service } }],
    });
    const spans = storedSpans(stored);
    expect(spans?.[0]).toMatchObject({
      traceId: "ab".repeat(16),
      spanId: "01".repeat(8),
      kind: 2,
      name: "GET /health",
      startTimeUnixNano: "1700000000000000000",
    });
    expect(spans?.[1]).toMatchObject({ parentSpanId: "01".repeat(8) });
  });

  it("the same JSON sent twice is stored the same way (JSON ids are hex on the way in too)", async () => {
    const service = uniqueService("roundtrip");
    const json = encode(ExportTraceServiceRequestSchema, traceRequest(service), "json");
    expect(new TextDecoder().decode(json)).toContain(`"traceId":"${"ab".repeat(16)}"`);
    expect((await post("traces", json, { format: "json" })).status).toBe(200);
    const stored = await storedBatchOf("traces", service);
    expect(JSON.stringify(stored?.request)).toBe(new TextDecoder().decode(json));
  });
});

describe("partial success", () => {
  it("drops spans with bad ids, keeps the rest and says how many were rejected", async () => {
    const service = uniqueService("partial");
    const request = traceRequest(service);
    const spans = request.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    const first = must(spans[0], "first span");
    spans.push(
      { ...structuredClone(first), traceId: id(3, 1) },
      { ...structuredClone(first), spanId: id(8, 0) },
    );
    const response = await post("traces", encode(ExportTraceServiceRequestSchema, request, "json"), {
      format: "json",
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      partialSuccess?: { rejectedSpans: string; errorMessage: string };
    };
    expect(answer.partialSuccess?.rejectedSpans).toBe("2");
    expect(answer.partialSuccess?.errorMessage).toContain("trace_id must be 16 bytes");
    expect(answer.partialSuccess?.errorMessage).toContain("span_id must be 8 bytes");
    const stored = await storedBatchOf("traces", service);
    expect(stored).toMatchObject({ accepted: 2, rejected: 2 });
  });

  it("answers partial success in protobuf when the request was protobuf", async () => {
    const service = uniqueService("partial-pb");
    const request = traceRequest(service);
    const spans = request.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    must(spans[1], "second span").parentSpanId = id(5, 1);
    const response = await post("traces", encode(ExportTraceServiceRequestSchema, request, "protobuf"));
    expect(response.status).toBe(200);
    const answer = fromBinary(ExportTraceServiceResponseSchema, new Uint8Array(await response.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedSpans).toBe(1n);
  });
});
