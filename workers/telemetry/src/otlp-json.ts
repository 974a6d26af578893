/**
 * The one place OTLP/JSON differs from the canonical protobuf JSON mapping: trace and span ids
 * are hex strings, not base64. These walks convert between the two on a parsed JSON tree.
 */

import type { JsonValue } from "@bufbuild/protobuf";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";

/** Field names (JSON and proto spellings) that hold trace or span ids. */
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"]);

/** Thrown for an id that is not hex; the caller maps it to a 400. */
export class BadIdError extends Error {}

function hexToBytes(hex: string, field: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new BadIdError(`${field} '${hex.slice(0, 40)}' is not a hex string`);
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function mapIds(value: JsonValue, convert: (id: string, field: string) => string): JsonValue {
  if (Array.isArray(value)) return value.map((item) => mapIds(item, convert));
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = ID_FIELDS.has(key) && typeof child === "string" ? convert(child, key) : mapIds(child, convert);
  }
  return out;
}

/** OTLP/JSON (hex ids) to canonical protobuf JSON (base64 ids). Throws {@link BadIdError}. */
export function hexIdsToBase64(value: JsonValue): JsonValue {
  return mapIds(value, (id, field) => base64Encode(hexToBytes(id, field)));
}

/** Canonical protobuf JSON (base64 ids) to OTLP/JSON (hex ids). */
export function base64IdsToHex(value: JsonValue): JsonValue {
  return mapIds(value, (id) => bytesToHex(base64Decode(id)));
}
