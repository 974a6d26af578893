// Loading, empty and error states that say what to do.
import type { ReactNode } from "react";
import { ApiError, describe } from "../api/client";
import { LiveError } from "../live/socket";

/** A quiet "loading" line, announced to screen readers. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="note" role="status">
      Loading {what}…
    </p>
  );
}

/** An empty list, with what a person can do about it. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="note empty">{children}</p>;
}

/** What to do about an error code, when we know. */
export function hintFor(code: string): string | null {
  switch (code) {
    case "runtime_unavailable":
      return "The agent runtime is not running. See its state on the Dashboard, where you can restart it.";
    case "runtime_timeout":
      return "The runtime did not answer in time; it may be busy or hung. Try again, or restart it from the Dashboard.";
    case "runtime_error":
      return "The runtime refused the call; an older runtime may not offer it.";
    case "host_unreachable":
    case "offline":
      return "Is the host still running? The page reconnects on its own.";
    case "config_unreadable":
      return "Fix config.yaml by hand (it is not valid YAML); writes are refused until then.";
    case "storage_error":
      return "The host could not read or write its files; check the disk and the file named.";
    default:
      return null;
  }
}

function codeOf(error: unknown): string | null {
  if (error instanceof ApiError || error instanceof LiveError) return error.code;
  return null;
}

/** An error, its stable code and a hint; `action` offers a retry or similar. */
export function ErrorNote({ error, action }: { error: unknown; action?: ReactNode }) {
  const code = codeOf(error);
  const hint = code === null ? null : hintFor(code);
  return (
    <div className="error-note" role="alert">
      <p>
        <strong>{describe(error)}</strong>
        {code !== null && <code className="code">{code}</code>}
      </p>
      {hint !== null && <p>{hint}</p>}
      {action}
    </div>
  );
}
