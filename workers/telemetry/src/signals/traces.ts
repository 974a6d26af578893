/**
 * The traces signal: items are spans; a span needs a 16-byte trace id and an 8-byte span id
 * (neither all zero), and a parent span id that is empty or 8 bytes.
 */

import { create } from "@bufbuild/protobuf";
import {
  ExportTracePartialSuccessSchema,
  ExportTraceServiceRequestSchema,
  ExportTraceServiceResponseSchema,
} from "../gen/opentelemetry/proto/collector/trace/v1/trace_service_pb";
import type { Span } from "../gen/opentelemetry/proto/trace/v1/trace_pb";
import { defineSignal, errorMessageOf, isValidId, RejectionTally } from "./signal";

function spanProblem(span: Span): string | undefined {
  if (!isValidId(span.traceId, 16)) return "trace_id must be 16 bytes, not all zero";
  if (!isValidId(span.spanId, 8)) return "span_id must be 8 bytes, not all zero";
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8) {
    return "parent_span_id must be empty or 8 bytes";
  }
  return undefined;
}

/** `/v1/traces`. */
export const traces = defineSignal({
  name: "traces",
  itemNoun: "spans",
  requestSchema: ExportTraceServiceRequestSchema,
  responseSchema: ExportTraceServiceResponseSchema,
  dropInvalid(request) {
    const tally = new RejectionTally();
    for (const resourceSpans of request.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        scopeSpans.spans = scopeSpans.spans.filter((span) => {
          const problem = spanProblem(span);
          if (problem !== undefined) tally.add(1, problem);
          return problem === undefined;
        });
      }
    }
    return tally.result();
  },
  countItems(request) {
    return request.resourceSpans.reduce(
      (n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0),
      0,
    );
  },
  response(rejection) {
    if (rejection.reasons.length === 0) return create(ExportTraceServiceResponseSchema);
    return create(ExportTraceServiceResponseSchema, {
      partialSuccess: create(ExportTracePartialSuccessSchema, {
        rejectedSpans: BigInt(rejection.rejected),
        errorMessage: errorMessageOf(rejection),
      }),
    });
  },
});
