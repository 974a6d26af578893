/**
 * Redaction on arrival: whatever an exporter sent, no secret and no home path is stored.
 * Walks any decoded OTLP message in place, so every field (resource and scope attributes,
 * span names, events, links, status messages, metric descriptions and data point attributes,
 * log bodies and attributes) is covered, including ones a future proto adds.
 */

import { isSecretKey } from "./secret-keys";
import { REDACTED, scrubText } from "./secret-text";

const KEY_VALUE = "opentelemetry.proto.common.v1.KeyValue";
const ANY_VALUE = "opentelemetry.proto.common.v1.AnyValue";

type Node = { [field: string]: unknown };

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array);
}

/** A oneof member as @bufbuild/protobuf represents it: `{ case, value }`. */
function isOneof(node: Node): node is { case: string | undefined; value: unknown } {
  return !("$typeName" in node) && "case" in node;
}

/**
 * Redacts under a secret attribute: every string or bytes leaf becomes {@link REDACTED};
 * numbers and booleans stay (a `max_tokens` count is no secret, nor is `input_tokens: 12`).
 */
function redactSecretValue(anyValue: Node): number {
  const member = anyValue.value;
  if (!isNode(member) || !isOneof(member)) return 0;
  if (member.case === "stringValue" || member.case === "bytesValue") {
    if (member.case === "stringValue" && (member.value === "" || member.value === REDACTED)) {
      return 0;
    }
    anyValue.value = { case: "stringValue", value: REDACTED };
    return 1;
  }
  return walk(member.value, true);
}

function walkFields(node: Node, secret: boolean): number {
  let count = 0;
  for (const [field, child] of Object.entries(node)) {
    if (field === "$typeName" || field === "$unknown") continue;
    if (typeof child === "string") {
      const scrubbed = scrubText(child);
      if (scrubbed.count > 0) node[field] = scrubbed.text;
      count += scrubbed.count;
    } else {
      count += walk(child, secret);
    }
  }
  return count;
}

function walk(value: unknown, secret: boolean): number {
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + walk(item, secret), 0);
  if (!isNode(value)) return 0;
  if (value.$typeName === KEY_VALUE) {
    const key = typeof value.key === "string" ? value.key : "";
    return walk(value.value, secret || isSecretKey(key));
  }
  if (value.$typeName === ANY_VALUE && secret) return redactSecretValue(value);
  if (isOneof(value)) {
    if (typeof value.value === "string") {
      const scrubbed = scrubText(value.value);
      if (scrubbed.count > 0) value.value = scrubbed.text;
      return scrubbed.count;
    }
    return walk(value.value, secret);
  }
  return walkFields(value, secret);
}

/**
 * Redacts `message` in place and returns how many values were replaced. Attribute keys are
 * kept as they are (queries need them); values under a secret key are replaced whole; every
 * other string has secret-shaped words and home directory prefixes replaced.
 */
export function redactMessage(message: object): number {
  return walk(message, false);
}
