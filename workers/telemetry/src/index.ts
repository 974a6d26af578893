/**
 * The Pryx telemetry Worker: an OTLP/HTTP receiver (`POST /v1/traces|metrics|logs`), a
 * read-back route for operators (`GET /v1/batches`) and a liveness route (`GET /health`).
 */

import { answerFormatOf } from "./codec";
import type { Env } from "./env";
import { IngestError } from "./errors";
import { handleExport } from "./ingest";
import { handleReadBack } from "./readback";
import { asIngestError, jsonErrorResponse, jsonResponse, otlpErrorResponse } from "./responses";
import { isSignalName, SIGNALS } from "./signals";

export type { Env } from "./env";

async function route(request: Request, env: Env): Promise<Response> {
  const { pathname } = new URL(request.url);
  const signal = /^\/v1\/([a-z]+)\/?$/.exec(pathname)?.[1] ?? "";
  if (isSignalName(signal)) {
    try {
      if (request.method !== "POST") {
        throw new IngestError("method_not_allowed", `${pathname} takes POST`);
      }
      return await handleExport(request, env, SIGNALS[signal]);
    } catch (error) {
      return otlpErrorResponse(asIngestError(error), answerFormatOf(request.headers.get("content-type")));
    }
  }
  try {
    if (pathname === "/v1/batches" && request.method === "GET") return await handleReadBack(request, env);
    if (pathname === "/health" && request.method === "GET") return jsonResponse({ status: "ok" });
    throw new IngestError("not_found", `no route for ${request.method} ${pathname}`);
  } catch (error) {
    return jsonErrorResponse(asIngestError(error));
  }
}

export default {
  fetch: route,
} satisfies ExportedHandler<Env>;
