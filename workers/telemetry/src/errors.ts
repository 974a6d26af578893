/**
 * The one error type of the Worker: every refusal carries its HTTP status, a stable code, a
 * message for people and, when the client should come back, a `Retry-After`.
 */

/** Stable error codes (also sent as the `x-pryx-error` header). */
export type ErrorCode =
  | "unauthenticated"
  | "not_configured"
  | "not_found"
  | "method_not_allowed"
  | "unsupported_media_type"
  | "unsupported_encoding"
  | "body_too_large"
  | "bad_data"
  | "bad_request"
  | "throttled"
  | "storage_unavailable"
  | "internal";

/** gRPC status codes used in OTLP `google.rpc.Status` bodies. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_OF: Record<ErrorCode, number> = {
  unauthenticated: 401,
  not_configured: 500,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  unsupported_encoding: 415,
  body_too_large: 413,
  bad_data: 400,
  bad_request: 400,
  throttled: 429,
  storage_unavailable: 503,
  internal: 500,
};

const GRPC_OF: Record<ErrorCode, number> = {
  unauthenticated: GrpcCode.UNAUTHENTICATED,
  not_configured: GrpcCode.INTERNAL,
  not_found: GrpcCode.NOT_FOUND,
  method_not_allowed: GrpcCode.UNIMPLEMENTED,
  unsupported_media_type: GrpcCode.INVALID_ARGUMENT,
  unsupported_encoding: GrpcCode.INVALID_ARGUMENT,
  body_too_large: GrpcCode.INVALID_ARGUMENT,
  bad_data: GrpcCode.INVALID_ARGUMENT,
  bad_request: GrpcCode.INVALID_ARGUMENT,
  throttled: GrpcCode.RESOURCE_EXHAUSTED,
  storage_unavailable: GrpcCode.UNAVAILABLE,
  internal: GrpcCode.INTERNAL,
};

/** A request the Worker refuses; mapped to a response once, at the edge. */
export class IngestError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;
  /** Seconds the client should wait before retrying, if it should retry. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = "IngestError";
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The HTTP status this error answers with. */
  get status(): number {
    return STATUS_OF[this.code];
  }

  /** The gRPC code for the OTLP `Status` body. */
  get grpcCode(): number {
    return GRPC_OF[this.code];
  }
}
