// Log lines from the host's log API and live `log` events, whatever exact shape they come in
// (the telemetry work defines it; this reads the common field names).

export interface LogLine {
  timestamp: string;
  level: string;
  source: string;
  message: string;
  fields?: Record<string, unknown>;
}

const LEVELS = ["trace", "debug", "info", "warn", "error"];

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** A log line from one record; `fallbackTime` when it carries no time of its own. */
export function toLogLine(value: unknown, fallbackTime: string): LogLine {
  const r = (
    typeof value === "object" && value !== null ? value : { message: String(value) }
  ) as Record<string, unknown>;
  const level = (str(r.level) ?? "info").toLowerCase();
  const fields =
    typeof r.fields === "object" && r.fields !== null
      ? (r.fields as Record<string, unknown>)
      : undefined;
  return {
    timestamp: str(r.timestamp) ?? str(r.ts) ?? str(r.time) ?? fallbackTime,
    level: level === "warning" ? "warn" : level,
    source: str(r.source) ?? str(r.target) ?? "host",
    message: str(r.message) ?? str(r.msg) ?? JSON.stringify(r),
    fields,
  };
}

/** Whether `line` is at `min` level or above. */
export function atLeast(line: LogLine, min: string): boolean {
  const have = LEVELS.indexOf(line.level);
  return have === -1 || have >= LEVELS.indexOf(min);
}

/** One line as text, for copying. */
export function lineText(line: LogLine): string {
  return `${line.timestamp} ${line.level.toUpperCase()} ${line.source} ${line.message}`;
}
