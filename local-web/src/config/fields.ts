// The known config keys the form edits (the host validates the same keys and publishes them as
// the `Config` schema of its OpenAPI document; schema-sync.test.ts keeps the two equal), and the
// pure helpers behind save and conflict resolution.
import type { ConfigDocument } from "../api/types";

export type FieldKind =
  "text" | "url" | "hostport" | "number" | "bool" | "duration" | "list" | "secret" | "choice";

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  group: string;
  help?: string;
  /** The values a `choice` field offers (besides "not set"). */
  options?: string[];
}

/** The marker the host returns for a secret (sending it back keeps the stored value). */
export const REDACTED = "<redacted>";

export const FIELDS: FieldSpec[] = [
  { key: "model_provider", label: "Model provider", kind: "text", group: "Model" },
  { key: "model_name", label: "Model name", kind: "text", group: "Model" },
  {
    key: "ollama_endpoint",
    label: "Ollama endpoint",
    kind: "url",
    group: "Model",
    help: "http(s) URL",
  },
  {
    key: "configured_providers",
    label: "Configured providers",
    kind: "list",
    group: "Model",
    help: "one per line",
  },
  {
    key: "listen_addr",
    label: "Runtime listen address",
    kind: "hostport",
    group: "Runtime",
    help: "host:port",
  },
  { key: "database_path", label: "Database path", kind: "text", group: "Runtime" },
  { key: "skills_path", label: "Skills path", kind: "text", group: "Runtime" },
  { key: "cache_path", label: "Cache path", kind: "text", group: "Runtime" },
  { key: "cloud_api_url", label: "Cloud API URL", kind: "url", group: "Runtime" },
  {
    key: "max_messages_per_session",
    label: "Max messages per session",
    kind: "number",
    group: "Runtime",
  },
  { key: "memory_enabled", label: "Memory", kind: "bool", group: "Memory" },
  { key: "memory_auto_flush", label: "Flush memory automatically", kind: "bool", group: "Memory" },
  {
    key: "memory_flush_threshold_tokens",
    label: "Flush threshold (tokens)",
    kind: "number",
    group: "Memory",
  },
  { key: "enable_memory_profiling", label: "Memory profiling", kind: "bool", group: "Memory" },
  { key: "agent_detect_enabled", label: "Detect other agents", kind: "bool", group: "Agents" },
  {
    key: "agent_detect_interval",
    label: "Detection interval",
    kind: "duration",
    group: "Agents",
    help: "e.g. 30s, 5m, 1h30m",
  },
  { key: "telegram_enabled", label: "Telegram", kind: "bool", group: "Channels" },
  { key: "telegram_token", label: "Telegram bot token", kind: "secret", group: "Channels" },
  { key: "slack_enabled", label: "Slack", kind: "bool", group: "Channels" },
  { key: "slack_app_token", label: "Slack app token", kind: "secret", group: "Channels" },
  { key: "slack_bot_token", label: "Slack bot token", kind: "secret", group: "Channels" },
  {
    key: "allowed_origins",
    label: "Allowed origins",
    kind: "list",
    group: "Network",
    help: "one origin per line, no wildcards",
  },
  {
    key: "websocket_allowed_origins",
    label: "WebSocket allowed origins",
    kind: "list",
    group: "Network",
    help: "one per line",
  },
  {
    key: "max_websocket_connections",
    label: "Max WebSocket connections",
    kind: "number",
    group: "Network",
  },
  {
    key: "max_websocket_message_size",
    label: "Max WebSocket message size (bytes)",
    kind: "number",
    group: "Network",
  },
  {
    key: "websocket_rate_limit_per_minute",
    label: "WebSocket messages per minute",
    kind: "number",
    group: "Network",
  },
  {
    key: "websocket_buffer_size",
    label: "WebSocket buffer size",
    kind: "number",
    group: "Network",
  },
  { key: "telemetry_disabled", label: "Turn telemetry off", kind: "bool", group: "Telemetry" },
  { key: "telemetry.enabled", label: "Export telemetry", kind: "bool", group: "Telemetry" },
  {
    key: "telemetry.endpoint",
    label: "Export endpoint",
    kind: "url",
    group: "Telemetry",
    help: "OTLP/HTTP base URL (the telemetry Worker)",
  },
  { key: "telemetry.ingest_key", label: "Ingest key", kind: "secret", group: "Telemetry" },
  {
    key: "telemetry.compression",
    label: "Compression",
    kind: "choice",
    options: ["gzip", "none"],
    group: "Telemetry",
    help: "not set: gzip for the Pryx endpoint",
  },
];

/** Whether two JSON values are equal. */
/** The value at a dotted key (`telemetry.endpoint`) of a document. */
export function getPath(doc: ConfigDocument, key: string): unknown {
  let current: unknown = doc;
  for (const part of key.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A copy of `doc` with the value at a dotted key set (maps on the way are copied or made). */
export function setPath(doc: ConfigDocument, key: string, value: unknown): ConfigDocument {
  const [head, ...rest] = key.split(".");
  if (head === undefined) return doc;
  if (rest.length === 0) return { ...doc, [head]: value };
  const inner = doc[head];
  const child =
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? (inner as ConfigDocument)
      : {};
  return { ...doc, [head]: setPath(child, rest.join("."), value) };
}

export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The top-level keys whose values differ between `a` and `b`. */
export function changedKeys(a: ConfigDocument, b: ConfigDocument): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => !same(a[key], b[key])).sort();
}

/** A JSON Merge Patch that turns `base` into `mine` (top-level keys; `null` deletes). */
export function mergePatch(base: ConfigDocument, mine: ConfigDocument): ConfigDocument {
  const patch: ConfigDocument = {};
  for (const key of changedKeys(base, mine)) patch[key] = key in mine ? mine[key] : null;
  return patch;
}

/** The value a form field shows for `value` of kind `kind`. */
export function toInput(kind: FieldKind, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (kind === "list") return Array.isArray(value) ? value.join("\n") : String(value);
  if (kind === "secret" && value === REDACTED) return "";
  return String(value);
}

/** The config value for what a person typed into a field of kind `kind`. */
export function fromInput(kind: FieldKind, text: string): unknown {
  switch (kind) {
    case "list":
      return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
    case "number": {
      if (text.trim() === "") return null;
      const n = Number(text);
      return Number.isFinite(n) ? n : text; // the host names the field when it is not a number
    }
    case "choice":
      return text === "" ? null : text;
    default:
      return text;
  }
}
