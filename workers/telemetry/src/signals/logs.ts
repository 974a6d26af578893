/**
 * The logs signal: items are log records; a record's trace id must be empty or 16 bytes and
 * its span id empty or 8 bytes.
 */

import { create } from "@bufbuild/protobuf";
import {
  ExportLogsPartialSuccessSchema,
  ExportLogsServiceRequestSchema,
  ExportLogsServiceResponseSchema,
} from "../gen/opentelemetry/proto/collector/logs/v1/logs_service_pb";
import type { LogRecord } from "../gen/opentelemetry/proto/logs/v1/logs_pb";
import { defineSignal, errorMessageOf, RejectionTally } from "./signal";

function recordProblem(record: LogRecord): string | undefined {
  if (record.traceId.length !== 0 && record.traceId.length !== 16) {
    return "trace_id must be empty or 16 bytes";
  }
  if (record.spanId.length !== 0 && record.spanId.length !== 8) {
    return "span_id must be empty or 8 bytes";
  }
  return undefined;
}

/** `/v1/logs`. */
export const logs = defineSignal({
  name: "logs",
  itemNoun: "log records",
  requestSchema: ExportLogsServiceRequestSchema,
  responseSchema: ExportLogsServiceResponseSchema,
  dropInvalid(request) {
    const tally = new RejectionTally();
    for (const resourceLogs of request.resourceLogs) {
      for (const scopeLogs of resourceLogs.scopeLogs) {
        scopeLogs.logRecords = scopeLogs.logRecords.filter((record) => {
          const problem = recordProblem(record);
          if (problem !== undefined) tally.add(1, problem);
          return problem === undefined;
        });
      }
    }
    return tally.result();
  },
  countItems(request) {
    return request.resourceLogs.reduce(
      (n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0),
      0,
    );
  },
  response(rejection) {
    if (rejection.reasons.length === 0) return create(ExportLogsServiceResponseSchema);
    return create(ExportLogsServiceResponseSchema, {
      partialSuccess: create(ExportLogsPartialSuccessSchema, {
        rejectedLogRecords: BigInt(rejection.rejected),
        errorMessage: errorMessageOf(rejection),
      }),
    });
  },
});
