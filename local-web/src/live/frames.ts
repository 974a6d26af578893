// The frames of the host's /ws protocol (docs/ws-protocol.md) the UI reads and writes.

/** One published event. */
export interface LiveEvent {
  seq: number;
  event: string;
  session_id?: string;
  payload: unknown;
  timestamp: string;
}

export interface HelloFrame {
  type: "hello";
  protocol: number;
  epoch: string;
  last_seq: number;
  limits?: { ping_interval_ms?: number };
}

export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type ServerFrame =
  | HelloFrame
  | ({ type: "event" } & LiveEvent)
  | { type: "events"; events: ({ type: "event" } & LiveEvent)[] }
  | { type: "lagged"; missed: number }
  | { type: "resync"; reason: string; last_seq: number }
  | { type: "response"; id: string | number; result?: unknown; error?: WireError }
  | { type: "result"; id?: string | number; event: string; result?: unknown; error?: WireError }
  | { type: "error"; id?: string | number; error: WireError }
  | { type: "pong"; id?: string | number }
  | { type: "subscriptions"; id?: string | number; subscriptions: string[] };

/** Parses one text frame; `null` for anything that is not a JSON object with a `type`. */
export function parseFrame(text: string): ServerFrame | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && "type" in value) {
      return value as ServerFrame;
    }
  } catch {
    // not JSON: ignored, as the protocol asks of clients
  }
  return null;
}

/** Whether event name `name` matches pattern `pattern` (`*`, `a.b`, `a.*`), as on the host. */
export function matches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) {
    const prefix = pattern.slice(0, -2);
    return name === prefix || name.startsWith(`${prefix}.`);
  }
  return pattern === name;
}
