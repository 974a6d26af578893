/**
 * GET /v1/batches inside workerd: the operators' key only, newest first, paging, bad input.
 */

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ExportLogsServiceRequestSchema } from "../src/gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import worker from "../src/index";
import type { BatchPage } from "../src/storage";
import { BASE, encode, INGEST_KEY, logsRequest, post, READ_KEY, readBack, uniqueService } from "./fixtures";

function get(query: string, key: string | null = READ_KEY): Promise<Response> {
  const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
  return exports.default.fetch(`${BASE}/v1/batches${query}`, { headers });
}

async function postLog(service: string): Promise<void> {
  const response = await post(
    "logs",
    encode(ExportLogsServiceRequestSchema, logsRequest(service), "protobuf"),
  );
  expect(response.status).toBe(200);
}

describe("GET /v1/batches", () => {
  it("lists a signal's batches newest first", async () => {
    const older = uniqueService("older");
    const newer = uniqueService("newer");
    await postLog(older);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await postLog(newer);
    const texts = (await readBack("logs", 2)).map((batch) => JSON.stringify(batch.request));
    expect(texts[0]).toContain(newer);
    expect(texts[1]).toContain(older);
  });

  it("pages with limit and cursor", async () => {
    for (let i = 0; i < 3; i++) await postLog(uniqueService("page"));
    const first = (await (await get("?signal=logs&limit=2")).json()) as BatchPage;
    expect(first.batches).toHaveLength(2);
    expect(first.cursor).toBeTypeOf("string");
    const second = (await (await get(`?signal=logs&limit=2&cursor=${first.cursor}`)).json()) as BatchPage;
    expect(second.batches.length).toBeGreaterThan(0);
    const firstKeys = first.batches.map((batch) => batch.key);
    for (const batch of second.batches) expect(firstKeys).not.toContain(batch.key);
  });

  it.each([
    ["no signal", "?limit=5", "signal must be one of"],
    ["an unknown signal", "?signal=profiles", "signal must be one of"],
    ["a zero limit", "?signal=logs&limit=0", "limit must be"],
    ["a limit over 100", "?signal=logs&limit=101", "limit must be"],
    ["a limit that is not a number", "?signal=logs&limit=ten", "limit must be"],
  ])("refuses %s with 400 in the project's error shape", async (_name, query, message) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain(message);
  });

  it.each([
    ["no key", null],
    ["a wrong key", "wrong"],
    ["the ingest key (every exporter holds it)", INGEST_KEY],
  ])("refuses %s with 401", async (_name, key) => {
    const response = await get("?signal=logs", key);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("unauthenticated");
  });

  it("does not exist when READ_KEY is not set", async () => {
    const { READ_KEY: _unset, ...rest } = env;
    const response = await worker.fetch(
      new Request(`${BASE}/v1/batches?signal=logs`, { headers: { authorization: `Bearer ${READ_KEY}` } }),
      rest,
    );
    expect(response.status).toBe(404);
  });
});

describe("GET /health", () => {
  it("answers ok without a key", async () => {
    const response = await exports.default.fetch(`${BASE}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});
