/**
 * The pure parts: secret keys, secret text, OTLP/JSON ids, Analytics Engine points, limits.
 */

import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import sharedKeyNames from "../../../docs/fixtures/secret-key-names.json";
import { ingestPoint, MAX_METRIC_POINTS, metricPoints } from "../src/analytics";
import { keysMatch, presentedKey } from "../src/auth";
import { DEFAULT_MAX_BODY_BYTES, limitsFrom } from "../src/env";
import { ExportMetricsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import { base64IdsToHex, hexIdsToBase64 } from "../src/otlp-json";
import { isSecretKey } from "../src/redact/secret-keys";
import { scrubText } from "../src/redact/secret-text";
import { batchKey } from "../src/storage";
import { attr, metricsRequest } from "./fixtures";

describe("isSecretKey", () => {
  it.each([
    "token",
    "bot_token",
    "client_secret",
    "db.password",
    "OPENAI_API_KEY",
    "apiKey",
    "openai_key",
    "openai_key_2",
    "http.request.header.authorization",
    "cookie",
    "api_key_id",
    "slack_webhook_url",
  ])("%s is a secret", (key) => expect(isSecretKey(key)).toBe(true));

  it.each(["max_tokens", "service.name", "public_key", "sort_key", "monkey", "keyboard.layout", ""])(
    "%s is not a secret",
    (key) => expect(isSecretKey(key)).toBe(false),
  );

  // The list the host's rule is tested against too (pryx-core-api config::secrets).
  it.each(sharedKeyNames.secret)("%s (shared list) is a secret", (key) =>
    expect(isSecretKey(key)).toBe(true),
  );
  it.each(sharedKeyNames.not_secret)("%s (shared list) is not a secret", (key) =>
    expect(isSecretKey(key)).toBe(false),
  );
});

describe("scrubText", () => {
  it.each([
    ["my key is sk-abcdefghij0123456789XYZ, ok?", "my key is <redacted>, ok?"],
    ["curl -H 'Authorization: Bearer abcdefgh12345678' x", "curl -H 'Authorization: Bearer <redacted>' x"],
    ["Basic dXNlcjpwYXNzd29yZA==", "Basic <redacted>"],
    ["token=abc123 rest", "token=<redacted> rest"],
    ["postgres://app:hunter2@db:5432/app", "<redacted>"],
    ["AKIAIOSFODNN7EXAMPLE", "<redacted>"],
    ["x\n-----BEGIN RSA PRIVATE KEY-----\nMII...\n", "x\n<redacted>"],
    ["/home/alice/.pryx/logs", "~/.pryx/logs"],
    ["see /Users/bob and /home/carol/x", "see ~ and ~/x"],
    ["C:\\Users\\dave\\AppData", "~\\AppData"],
  ])("%j becomes %j", (input, output) => {
    const result = scrubText(input);
    expect(result.text).toBe(output);
    expect(result.count).toBeGreaterThan(0);
  });

  it.each([
    "",
    "gpt-4o-mini",
    "sk-learn-is-a-python-library",
    "http://localhost:11434",
    "/home",
    "/var/lib/pryx",
  ])("%j is left alone", (plain) => expect(scrubText(plain)).toEqual({ text: plain, count: 0 }));
});

describe("OTLP/JSON ids", () => {
  it("converts hex ids to base64 and back, leaving other fields", () => {
    const otlp = {
      spans: [{ traceId: "000102030405060708090a0b0c0d0e0f", spanId: "ffffffffffffffff", name: "abcd" }],
    };
    const canonical = hexIdsToBase64(otlp);
    expect(canonical).toEqual({
      spans: [{ traceId: "AAECAwQFBgcICQoLDA0ODw==", spanId: "//////////8=", name: "abcd" }],
    });
    expect(base64IdsToHex(canonical)).toEqual(otlp);
  });

  it("refuses an id that is not hex", () => {
    expect(() => hexIdsToBase64({ traceId: "xyz1" })).toThrow("not a hex string");
    expect(() => hexIdsToBase64({ spanId: "abc" })).toThrow("not a hex string");
  });
});

describe("Analytics Engine points", () => {
  it("writes one point per data point with service, metric, kind, unit and attributes", () => {
    const { points, skipped } = metricPoints(metricsRequest("svc"));
    expect(skipped).toBe(0);
    expect(points).toHaveLength(3);
    expect(points[0]).toEqual({
      indexes: ["svc"],
      blobs: [
        "http.server.requests",
        "sum",
        "1",
        "svc",
        '{"http.route":"/health","http.response.status_code":"200"}',
      ],
      doubles: [7, 1, 7, 7, 1_700_000_000_000],
    });
    expect(points[2]?.doubles).toEqual([12.5, 3, 1, 8, 0]);
  });

  it("caps the points of one request and counts the rest", () => {
    const request = create(ExportMetricsServiceRequestSchema, metricsRequest("svc"));
    const metric = request.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0];
    if (metric?.data.case === "sum") {
      const point = metric.data.value.dataPoints[0];
      for (let i = 0; i < MAX_METRIC_POINTS + 50 && point; i++) {
        metric.data.value.dataPoints.push({ ...point, attributes: [attr("i", String(i))] });
      }
    }
    const { points, skipped } = metricPoints(request);
    expect(points).toHaveLength(MAX_METRIC_POINTS);
    expect(skipped).toBe(53);
  });

  it("summarises one request", () => {
    const point = ingestPoint({
      signal: "logs",
      serviceName: "pryx-host",
      format: "json",
      encoding: "gzip",
      accepted: 4,
      rejected: 1,
      bytes: 900,
      redactions: 2,
    });
    expect(point).toEqual({
      indexes: ["ingest"],
      blobs: ["logs", "pryx-host", "json", "gzip"],
      doubles: [4, 1, 900, 2],
    });
  });
});

describe("keys and limits", () => {
  it("reads the key from Authorization: Bearer, else x-pryx-ingest-key", () => {
    expect(presentedKey(new Headers({ authorization: "bearer abc" }))).toBe("abc");
    expect(presentedKey(new Headers({ "x-pryx-ingest-key": " def " }))).toBe("def");
    expect(presentedKey(new Headers({ authorization: "Basic abc" }))).toBe("");
  });

  it("compares keys exactly", async () => {
    expect(await keysMatch("same", "same")).toBe(true);
    expect(await keysMatch("same", "Same")).toBe(false);
    expect(await keysMatch("same", "same ")).toBe(false);
  });

  it("takes defaults for missing or malformed limits", () => {
    expect(limitsFrom({ MAX_BODY_BYTES: "1024" } as never).maxBodyBytes).toBe(1024);
    expect(limitsFrom({ MAX_BODY_BYTES: "-5" } as never).maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(limitsFrom({} as never).throttleRetryAfterSeconds).toBe(60);
  });

  it("keys batches so that newer sorts first", () => {
    const older = batchKey("traces", 1_000, "a");
    const newer = batchKey("traces", 2_000, "a");
    expect(newer < older).toBe(true);
    expect(older).toMatch(/^traces\/\d{13}-a\.json$/);
  });
});
