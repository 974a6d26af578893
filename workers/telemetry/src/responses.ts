/**
 * Mapping results and errors to HTTP responses, once, at the edge. OTLP routes answer errors
 * with a `google.rpc.Status` in the request's encoding (as OTLP/HTTP asks); the other routes
 * answer with the project's `{"error":{"code","message","details"}}`.
 */

import { create } from "@bufbuild/protobuf";
import { CONTENT_TYPE, encodeMessage, type WireFormat } from "./codec";
import { type ErrorCode, IngestError } from "./errors";
import { StatusSchema } from "./gen/google/rpc/status_pb";

/** The header carrying the stable error code on every error response. */
export const ERROR_CODE_HEADER = "x-pryx-error";

function errorHeaders(error: IngestError, contentType: string): Headers {
  const headers = new Headers({ "content-type": contentType, [ERROR_CODE_HEADER]: error.code });
  if (error.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(error.retryAfterSeconds));
  }
  if (error.code === "unauthenticated") headers.set("www-authenticate", 'Bearer realm="pryx-telemetry"');
  if (error.code === "method_not_allowed") headers.set("allow", "POST");
  return headers;
}

/** Any thrown value as an {@link IngestError}; an unexpected one is logged and kept vague. */
export function asIngestError(error: unknown): IngestError {
  if (error instanceof IngestError) return error;
  console.error("unexpected error", error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new IngestError("internal", "the Worker failed to handle the request");
}

/** An OTLP error answer: `google.rpc.Status { code, message }` in `format`. */
export function otlpErrorResponse(error: IngestError, format: WireFormat): Response {
  const status = create(StatusSchema, { code: error.grpcCode, message: error.message });
  return new Response(encodeMessage(StatusSchema, status, format), {
    status: error.status,
    headers: errorHeaders(error, CONTENT_TYPE[format]),
  });
}

/** A non-OTLP error answer in the project's structured JSON. */
export function jsonErrorResponse(error: IngestError, details: Record<string, unknown> = {}): Response {
  const body = { error: { code: error.code, message: error.message, details } };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: errorHeaders(error, "application/json"),
  });
}

/** A JSON success answer. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Shorthand for throwing a refusal. */
export function refuse(code: ErrorCode, message: string, retryAfterSeconds?: number): never {
  throw new IngestError(code, message, retryAfterSeconds);
}
