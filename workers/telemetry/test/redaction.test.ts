/**
 * Redaction on arrival, end to end inside workerd: whatever an exporter sends, the batch read
 * back from R2 holds no secret and no home path, while keys, numbers and plain text stay.
 */

import { describe, expect, it } from "vitest";
import { ExportLogsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import { ExportMetricsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { ExportTraceServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import {
  attr,
  encode,
  intAttr,
  logsRequest,
  metricsRequest,
  must,
  post,
  storedBatchOf,
  storedSpans,
  traceRequest,
  uniqueService,
} from "./fixtures";

const OPENAI_KEY = "sk-proj-abcdefghij0123456789ABCDEFGH";
const BEARER = "eyBearerTokenValue0123456789";
const PASSWORD = "hunter2-correct-horse";
const SECRETS = [OPENAI_KEY, BEARER, PASSWORD, "alice", "bob", "ghp_0123456789abcdefghijABCDEFGHIJ012345"];

function expectNoSecret(stored: unknown): string {
  const text = JSON.stringify(stored);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  return text;
}

describe.each(["protobuf", "json"] as const)("redaction on arrival (%s)", (format) => {
  it("redacts span attributes by key and by value, and home paths anywhere", async () => {
    const service = uniqueService("redact-traces");
    const request = traceRequest(service, [
      attr("openai_api_key", "not-shaped-like-a-key"),
      attr("http.request.header.authorization", `Bearer ${BEARER}`),
      attr("db.password", PASSWORD),
      intAttr("gen_ai.usage.input_tokens", 12),
      attr("code.filepath", "/home/alice/src/pryx/main.rs"),
      attr("error.message", `provider refused ${OPENAI_KEY} (401)`),
      attr("cmd", "git push https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.example/x.git"),
    ]);
    const span = must(request.resourceSpans[0]?.scopeSpans[0]?.spans[1], "second span");
    span.name = "open /Users/bob/Library/pryx.db";
    span.status = {
      $typeName: "opentelemetry.proto.trace.v1.Status",
      code: 2,
      message: `password=${PASSWORD}`,
    };
    const response = await post("traces", encode(ExportTraceServiceRequestSchema, request, format), {
      format,
    });
    expect(response.status).toBe(200);

    const stored = must(await storedBatchOf("traces", service), "stored batch");
    expectNoSecret(stored.request);
    expect(stored.redactions).toBeGreaterThanOrEqual(8);
    const [first, second] = storedSpans(stored);
    const attributes = Object.fromEntries(
      (must(first, "first span").attributes as Array<{ key: string; value: Record<string, unknown> }>).map(
        (kv) => [kv.key, kv.value],
      ),
    );
    expect(attributes).toEqual({
      openai_api_key: { stringValue: "<redacted>" },
      "http.request.header.authorization": { stringValue: "<redacted>" },
      "db.password": { stringValue: "<redacted>" },
      "gen_ai.usage.input_tokens": { intValue: "12" },
      "code.filepath": { stringValue: "~/src/pryx/main.rs" },
      "error.message": { stringValue: "provider refused <redacted> (401)" },
      cmd: { stringValue: "git push <redacted>" },
    });
    expect(second?.name).toBe("open ~/Library/pryx.db");
    expect(second?.status).toEqual({ code: 2, message: "password=<redacted>" });
  });

  it("redacts log bodies and attributes", async () => {
    const service = uniqueService("redact-logs");
    const request = logsRequest(
      service,
      `runtime crashed in /home/alice/.pryx: Authorization: Bearer ${BEARER}`,
      [
        attr("session_token", "abc"),
        attr("exception.stacktrace", `at /home/alice/pryx/runtime.ts:10\nkey ${OPENAI_KEY}`),
      ],
    );
    const response = await post("logs", encode(ExportLogsServiceRequestSchema, request, format), { format });
    expect(response.status).toBe(200);
    const stored = must(await storedBatchOf("logs", service), "stored batch");
    const text = expectNoSecret(stored.request);
    expect(text).toContain("runtime crashed in ~/.pryx: Authorization: Bearer <redacted>");
    expect(text).toContain('{"key":"session_token","value":{"stringValue":"<redacted>"}}');
  });

  it("redacts metric data point attributes but keeps values", async () => {
    const service = uniqueService("redact-metrics");
    const request = metricsRequest(service);
    const metric = must(request.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0], "metric");
    if (metric.data.case === "sum") {
      must(metric.data.value.dataPoints[0], "point").attributes.push(attr("user.home", "/Users/bob/"));
    }
    const response = await post("metrics", encode(ExportMetricsServiceRequestSchema, request, format), {
      format,
    });
    expect(response.status).toBe(200);
    const stored = must(await storedBatchOf("metrics", service), "stored batch");
    const text = expectNoSecret(stored.request);
    expect(text).toContain('{"key":"user.home","value":{"stringValue":"~/"}}');
    expect(text).toContain('"asInt":"7"');
  });
});
