/**
 * Every refusal of the receiver inside workerd: size caps (413, also after decompression),
 * bad data (400), unsupported media (415), keys (401), throttling (429) and storage failure
 * (503), each with a `google.rpc.Status` body in the request's encoding and nothing stored.
 */

import { env } from "cloudflare:test";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StatusSchema } from "../src/gen/google/rpc/status_pb";
import { ExportLogsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import { ExportTraceServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import worker from "../src/index";
import {
  encode,
  exportRequest,
  gzip,
  INGEST_KEY,
  logsRequest,
  post,
  readBack,
  storedBatchOf,
  traceRequest,
  uniqueService,
} from "./fixtures";

const MAX = 4 * 1024 * 1024;

async function jsonStatus(response: Response): Promise<{ code: number; message: string }> {
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as { code: number; message: string };
}

function tracesBody(service: string): Uint8Array {
  return encode(ExportTraceServiceRequestSchema, traceRequest(service), "protobuf");
}

describe("size cap", () => {
  it("refuses a declared Content-Length over the cap with 413", async () => {
    const body = new Uint8Array(MAX + 1);
    const response = await post("traces", body, { format: "json" });
    expect(response.status).toBe(413);
    expect(response.headers.get("x-pryx-error")).toBe("body_too_large");
    expect((await jsonStatus(response)).message).toContain("over the limit");
  });

  it("refuses a streamed body over the cap with 413 (no Content-Length)", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 5) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await post("traces", stream);
    expect(response.status).toBe(413);
    const status = fromBinary(StatusSchema, new Uint8Array(await response.arrayBuffer()));
    expect(status.message).toContain("over the limit");
  });

  it("refuses a small gzip body that inflates over the cap with 413", async () => {
    const bomb = await gzip(new Uint8Array(MAX + 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await post("traces", bomb, { format: "json", headers: { "content-encoding": "gzip" } });
    expect(response.status).toBe(413);
    expect((await jsonStatus(response)).message).toContain("decompressed request body");
  });

  it("accepts a body just under the cap", async () => {
    const service = uniqueService("big");
    const request = traceRequest(service);
    const span = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    if (span) span.name = "x".repeat(MAX - 1024);
    const response = await post("traces", encode(ExportTraceServiceRequestSchema, request, "protobuf"));
    expect(response.status).toBe(200);
  });
});

describe("bad data answers 400 (do not retry)", () => {
  const service = uniqueService("bad");

  it.each([
    ["truncated protobuf", "protobuf", tracesBody(service).slice(0, 20)],
    ["protobuf of the wrong wire type", "protobuf", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])],
    ["JSON that does not parse", "json", new TextEncoder().encode('{"resourceSpans": [')],
    ["JSON of the wrong shape", "json", new TextEncoder().encode('{"resourceSpans": "nope"}')],
    [
      "a trace id that is not hex",
      "json",
      new TextEncoder().encode('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}'),
    ],
    ["bytes that are not UTF-8", "json", new Uint8Array([0x7b, 0xff, 0x7d])],
  ] as const)("%s", async (_name, format, body) => {
    const response = await post("traces", body, { format });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-pryx-error")).toBe("bad_data");
    expect(response.headers.get("retry-after")).toBeNull();
  });

  it("gzip that is not gzip", async () => {
    const response = await post("logs", new Uint8Array([1, 2, 3, 4]), {
      headers: { "content-encoding": "gzip" },
    });
    expect(response.status).toBe(400);
    const status = fromBinary(StatusSchema, new Uint8Array(await response.arrayBuffer()));
    expect(status.code).toBe(3);
  });

  it("stores nothing for a refused body", async () => {
    const before = (await readBack("traces")).length;
    await post("traces", tracesBody(service).slice(0, 20));
    expect(await storedBatchOf("traces", service)).toBeUndefined();
    expect((await readBack("traces")).length).toBe(before);
  });
});

describe("unsupported requests", () => {
  it("refuses an unknown Content-Type with 415", async () => {
    const response = await post("traces", "hello", { headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(415);
    expect((await jsonStatus(response)).message).toContain("text/plain");
  });

  it("refuses an unknown Content-Encoding with 415", async () => {
    const response = await post("traces", tracesBody("x"), { headers: { "content-encoding": "br" } });
    expect(response.status).toBe(415);
  });

  it("refuses GET on an export path with 405", async () => {
    const response = await worker.fetch(new Request("http://t/v1/metrics"), env);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("answers 404 in the project's error shape for unknown routes", async () => {
    const response = await worker.fetch(new Request("http://t/v2/traces"), env);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "not_found", message: "no route for GET /v2/traces", details: {} },
    });
  });
});

describe("ingest key", () => {
  it.each([
    ["missing", null, "no key presented"],
    ["empty bearer", "Bearer ", "no key presented"],
    ["wrong", "Bearer not-the-key", "not valid"],
    ["a prefix of the key", `Bearer ${INGEST_KEY.slice(0, -1)}`, "not valid"],
    ["the key with a suffix", `Bearer ${INGEST_KEY}x`, "not valid"],
    ["the key without the Bearer scheme", INGEST_KEY, "no key presented"],
  ])("refuses a %s key with 401 and stores nothing", async (_name, authorization, message) => {
    const service = uniqueService("auth");
    const response = await post("traces", tracesBody(service), { authorization, format: "protobuf" });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    const status = fromBinary(StatusSchema, new Uint8Array(await response.arrayBuffer()));
    expect(status.code).toBe(16);
    expect(status.message).toContain(message);
    expect(status.message).not.toContain(INGEST_KEY);
    expect(await storedBatchOf("traces", service)).toBeUndefined();
  });

  it("accepts the key in x-pryx-ingest-key", async () => {
    const service = uniqueService("header-key");
    const response = await post("traces", tracesBody(service), {
      authorization: null,
      headers: { "x-pryx-ingest-key": INGEST_KEY },
    });
    expect(response.status).toBe(200);
    expect(await storedBatchOf("traces", service)).toBeDefined();
  });

  it("refuses a wrong x-pryx-ingest-key", async () => {
    const response = await post("traces", tracesBody("x"), {
      authorization: null,
      headers: { "x-pryx-ingest-key": "wrong" },
    });
    expect(response.status).toBe(401);
  });

  it("refuses everything with 500 (not retried) when INGEST_KEY is not set", async () => {
    const { INGEST_KEY: _unset, ...rest } = env;
    const response = await worker.fetch(exportRequest("traces", tracesBody("x")), rest);
    expect(response.status).toBe(500);
    expect(response.headers.get("x-pryx-error")).toBe("not_configured");
  });
});

describe("throttling and storage failure", () => {
  it("answers 429 with Retry-After once the limiter's budget is spent", async () => {
    const tight = { ...env, INGEST_LIMITER: env.TIGHT_LIMITER };
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await worker.fetch(
        exportRequest("logs", encode(ExportLogsServiceRequestSchema, logsRequest("throttled"), "protobuf")),
        tight,
      );
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.slice(2)).toEqual([429, 429]);
    expect(last?.headers.get("retry-after")).toBe("60");
    expect(last?.headers.get("x-pryx-error")).toBe("throttled");
  });

  it("answers 503 with Retry-After when R2 refuses the batch", async () => {
    const failing = {
      ...env,
      BATCHES: {
        ...env.BATCHES,
        put: () => Promise.reject(new Error("R2 is down")),
      } as unknown as R2Bucket,
    };
    const response = await worker.fetch(exportRequest("traces", tracesBody("x")), failing);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    const status = fromBinary(StatusSchema, new Uint8Array(await response.arrayBuffer()));
    expect(status.code).toBe(14);
  });
});
