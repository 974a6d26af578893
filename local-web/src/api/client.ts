// The one HTTP client of the UI. Paths and bodies are typed by the generated OpenAPI types;
// every failure becomes an `ApiError` carrying the host's stable error code.
import type { paths } from "./schema";
import type { FieldError } from "./types";

type Method = "get" | "put" | "post" | "patch" | "delete";

/** The JSON body of the 2xx answer (200, 201 or 202) `M` on path `P` declares (`void` for 204). */
type Ok<P extends keyof paths, M extends Method> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { "application/json": infer B } } }
    ? B
    : R extends { 201: { content: { "application/json": infer B } } }
      ? B
      : R extends { 202: { content: { "application/json": infer B } } }
        ? B
        : void
  : never;

/** The JSON request body operation `M` on `P` declares. */
type Body<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody: { content: infer C };
}
  ? C extends { "application/json": infer B }
    ? B
    : C extends { "application/merge-patch+json": infer B }
      ? B
      : never
  : never;

/** Paths on which method `M` exists. */
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined | never ? never : P;
}[keyof paths];

/** An API failure: HTTP status, the stable `code`, a sentence for a person, details. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** The `ETag` of the answer (a conflict's current revision). */
  readonly etag: string | null;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    etag: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.etag = etag;
  }

  /** `details.fields` of a `config_invalid`, or none. */
  get fields(): FieldError[] {
    const fields = this.details.fields;
    return Array.isArray(fields) ? (fields as FieldError[]) : [];
  }
}

/** Listeners told when any call answers 401 (the session ended or was never there). */
const unauthorizedListeners = new Set<() => void>();

/** Calls `listener` whenever an API call answers 401; returns the unsubscribe function. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface CallOptions {
  /** The revision for `If-Match` (quoted here). */
  ifMatch?: string;
  /** Path parameters, substituted into `{name}`. */
  params?: Record<string, string>;
  contentType?: string;
  signal?: AbortSignal;
}

/** A successful answer: the body and the `ETag` when one came. */
export interface Answer<T> {
  body: T;
  etag: string | null;
}

function expand(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

async function errorFrom(response: Response): Promise<ApiError> {
  const etag = unquote(response.headers.get("ETag"));
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> | null };
    };
    const error = body.error ?? {};
    return new ApiError(
      response.status,
      error.code ?? "http_error",
      error.message ?? `the host answered ${response.status}`,
      error.details ?? {},
      etag,
    );
  } catch {
    return new ApiError(response.status, "http_error", `the host answered ${response.status}`);
  }
}

function unquote(etag: string | null): string | null {
  if (etag === null) return null;
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** Performs one API call; resolves with the body and ETag or rejects with an `ApiError`. */
export async function call<M extends Method, P extends PathsWith<M>>(
  method: M,
  path: P,
  body?: Body<P, M>,
  options: CallOptions = {},
): Promise<Answer<Ok<P, M>>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
  if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
  let response: Response;
  try {
    response = await fetch(expand(path, options.params), {
      method: method.toUpperCase(),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "host_unreachable", "the host cannot be reached; is it running?");
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener());
    throw error;
  }
  const etag = unquote(response.headers.get("ETag"));
  const text = await response.text();
  return { body: (text === "" ? undefined : JSON.parse(text)) as Ok<P, M>, etag };
}

/** `call` for reads: just the body. */
export async function get<P extends PathsWith<"get">>(
  path: P,
  options: CallOptions = {},
): Promise<Ok<P, "get">> {
  return (await call("get", path, undefined, options)).body;
}

/** A sentence for any error thrown by the client (or anything else). */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
