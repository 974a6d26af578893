/**
 * POST /v1/{traces,metrics,logs}: authenticate, throttle, read within the cap, decode, drop
 * invalid items, redact, store the batch in R2, write metrics to Analytics Engine, and answer
 * in the request's encoding.
 */

import type { Message } from "@bufbuild/protobuf";
import { ingestPoint, metricPoints, serviceNameOf, writePoints } from "./analytics";
import { requireKey } from "./auth";
import { bodyEncodingOf, readRequestBody } from "./body";
import { CONTENT_TYPE, decodeMessage, encodeMessage, toOtlpJson, wireFormatOf } from "./codec";
import { type Env, limitsFrom } from "./env";
import type { ExportMetricsServiceRequest } from "./gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb";
import type { KeyValue } from "./gen/opentelemetry/proto/common/v1/common_pb";
import { redactMessage } from "./redact/redact";
import { refuse } from "./responses";
import type { Signal } from "./signals";
import { putBatch } from "./storage";

/** Seconds an exporter is told to wait when storage fails. */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** The first resource's attributes of any signal's request, for its `service.name`. */
function firstResourceAttributes(request: Message): KeyValue[] | undefined {
  const fields = request as unknown as Record<string, Array<{ resource?: { attributes: KeyValue[] } }>>;
  const groups = fields.resourceSpans ?? fields.resourceMetrics ?? fields.resourceLogs ?? [];
  return groups[0]?.resource?.attributes;
}

async function throttle(request: Request, env: Env, signal: Signal, retryAfter: number): Promise<void> {
  if (env.INGEST_LIMITER === undefined) return;
  const client = request.headers.get("cf-connecting-ip") ?? "local";
  const { success } = await env.INGEST_LIMITER.limit({ key: `${signal.name}:${client}` });
  if (!success)
    refuse("throttled", `too many ${signal.name} requests; retry after ${retryAfter} s`, retryAfter);
}

/** Handles one export request for `signal`; throws an `IngestError` for any refusal. */
export async function handleExport(request: Request, env: Env, signal: Signal): Promise<Response> {
  const limits = limitsFrom(env);
  await requireKey(request.headers, env.INGEST_KEY, "INGEST_KEY");
  const format = wireFormatOf(request.headers.get("content-type"));
  const encoding = bodyEncodingOf(request.headers.get("content-encoding"));
  await throttle(request, env, signal, limits.throttleRetryAfterSeconds);

  const body = await readRequestBody(request, limits.maxBodyBytes);
  const message = decodeMessage(signal.requestSchema, format, body);
  const rejection = signal.dropInvalid(message);
  const redactions = redactMessage(message);
  const accepted = signal.countItems(message);

  const metric =
    signal.name === "metrics"
      ? metricPoints(message as unknown as ExportMetricsServiceRequest)
      : { points: [], skipped: 0 };
  await putBatch(
    env.BATCHES,
    {
      signal: signal.name,
      receivedAt: new Date().toISOString(),
      format,
      encoding,
      bytes: body.byteLength,
      accepted,
      rejected: rejection.rejected,
      rejectionReasons: rejection.reasons,
      redactions,
      analytics: { points: metric.points.length, skipped: metric.skipped },
      request: toOtlpJson(signal.requestSchema, message),
    },
    STORAGE_RETRY_AFTER_SECONDS,
  );
  const summary = ingestPoint({
    signal: signal.name,
    serviceName: serviceNameOf(firstResourceAttributes(message)),
    format,
    encoding,
    accepted,
    rejected: rejection.rejected,
    bytes: body.byteLength,
    redactions,
  });
  writePoints(env.METRICS, [...metric.points, summary]);

  const response = signal.response(rejection);
  return new Response(encodeMessage(signal.responseSchema, response, format), {
    status: 200,
    headers: { "content-type": CONTENT_TYPE[format] },
  });
}
