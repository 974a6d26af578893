/**
 * Decoding OTLP requests and encoding answers, in protobuf or OTLP/JSON as the request chose.
 */

import {
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonValue,
  type MessageShape,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { IngestError } from "./errors";
import { BadIdError, base64IdsToHex, hexIdsToBase64 } from "./otlp-json";

/** The two OTLP/HTTP encodings. */
export type WireFormat = "protobuf" | "json";

/** The `Content-Type` each encoding is sent and answered with. */
export const CONTENT_TYPE: Record<WireFormat, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

/** The encoding a `Content-Type` names; anything else is refused with 415. */
export function wireFormatOf(contentType: string | null): WireFormat {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/x-protobuf" || mediaType === "application/protobuf") {
    return "protobuf";
  }
  if (mediaType === "application/json") return "json";
  throw new IngestError(
    "unsupported_media_type",
    `Content-Type '${mediaType}' is not supported; send application/x-protobuf or application/json`,
  );
}

/** The encoding to answer an error in: the request's, or JSON when it named none we know. */
export function answerFormatOf(contentType: string | null): WireFormat {
  try {
    return wireFormatOf(contentType);
  } catch {
    return "json";
  }
}

function parseJson(bytes: Uint8Array): JsonValue {
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  return JSON.parse(text) as JsonValue;
}

/**
 * Decodes `bytes` as a `schema` message. Malformed data (bad protobuf, bad UTF-8 or JSON, a
 * value of the wrong type, an id that is not hex) is a 400; unknown JSON fields are ignored,
 * as OTLP asks of receivers.
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  format: WireFormat,
  bytes: Uint8Array,
): MessageShape<Desc> {
  try {
    if (format === "protobuf") return fromBinary(schema, bytes);
    return fromJson(schema, hexIdsToBase64(parseJson(bytes)), { ignoreUnknownFields: true });
  } catch (error) {
    const reason = error instanceof BadIdError ? error.message : String(error);
    throw new IngestError("bad_data", `the ${format} body is not a valid ${schema.name}: ${reason}`);
  }
}

/** `message` in OTLP/JSON: lowerCamelCase names, enums as integers, hex ids. */
export function toOtlpJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return base64IdsToHex(toJson(schema, message, { enumAsInteger: true }));
}

/** `message` encoded in `format`, ready to be a response body. */
export function encodeMessage<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  format: WireFormat,
): Uint8Array | string {
  return format === "protobuf" ? toBinary(schema, message) : JSON.stringify(toOtlpJson(schema, message));
}
