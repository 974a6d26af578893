// A small coloured word for a state: ok (green), warn (amber), bad (red), idle (grey).
export type Tone = "ok" | "warn" | "bad" | "idle";

/** The tone of a host, port or runtime state. */
export function toneOf(state: string): Tone {
  switch (state) {
    case "ok":
    case "ready":
    case "done":
    case "approved":
      return "ok";
    case "degraded":
    case "starting":
    case "restarting":
    case "pending":
    case "running":
    case "requested":
      return "warn";
    case "failed":
    case "error":
    case "unresponsive":
    case "denied":
      return "bad";
    default:
      return "idle";
  }
}

/** `label` in the colour of `tone` (default: the tone of the label itself). */
export function Badge({ label, tone }: { label: string; tone?: Tone }) {
  return <span className={`badge badge-${tone ?? toneOf(label)}`}>{label}</span>;
}
