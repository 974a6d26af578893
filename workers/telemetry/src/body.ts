/**
 * Reading a request body within a byte cap, on the wire and again after gzip decompression,
 * so neither a large upload nor a small "zip bomb" can take the Worker's memory.
 */

import { IngestError } from "./errors";

/** Content-Encodings the receiver understands. */
export type BodyEncoding = "identity" | "gzip";

/** Parses `Content-Encoding`; anything but gzip or identity is refused with 415. */
export function bodyEncodingOf(header: string | null): BodyEncoding {
  const value = (header ?? "").trim().toLowerCase();
  if (value === "" || value === "identity") return "identity";
  if (value === "gzip" || value === "x-gzip") return "gzip";
  throw new IngestError(
    "unsupported_encoding",
    `Content-Encoding '${value}' is not supported; send gzip or identity`,
  );
}

/**
 * Reads `stream` to the end, refusing (413) as soon as more than `maxBytes` arrive; `what`
 * names the body in the message. A stream that fails mid-way (bad gzip data) is a 400.
 */
async function readCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new IngestError("body_too_large", `${what} is over the limit of ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw new IngestError("bad_data", `${what} could not be read: ${String(error)}`);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/**
 * The request's body, decompressed, at most `maxBytes` long both as sent and as decompressed.
 * A declared `Content-Length` over the cap is refused before anything is read.
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const encoding = bodyEncodingOf(request.headers.get("content-encoding"));
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new IngestError(
      "body_too_large",
      `request body of ${declared} bytes is over the limit of ${maxBytes} bytes`,
    );
  }
  if (request.body === null) return new Uint8Array(0);
  const wire = await readCapped(request.body, maxBytes, "request body");
  if (encoding === "identity") return wire;
  const inflated = new Blob([wire]).stream().pipeThrough(new DecompressionStream("gzip"));
  return readCapped(inflated, maxBytes, "decompressed request body");
}
