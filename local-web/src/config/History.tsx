// The kept versions of the config: view one, restore it (guarded by the current revision).
import { useState } from "react";
import { ApiError, call, describe, get } from "../api/client";
import type { HistoryView } from "../api/types";
import { Json } from "../components/Json";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { useResource } from "../live/resource";

/** The history list; `revision` is the version now current, `onRestored` reloads the page. */
export function History(props: { revision: string; onRestored: () => void }) {
  const history = useResource(() => get("/api/v1/config/history"), ["config.changed"]);
  const [open, setOpen] = useState<HistoryView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (history.data === undefined) {
    return history.status === "error" ? (
      <ErrorNote error={history.error} />
    ) : (
      <Loading what="history" />
    );
  }
  const view = async (id: string) => {
    setProblem(null);
    try {
      setOpen(await get("/api/v1/config/history/{id}", { params: { id } }));
    } catch (error) {
      setProblem(describe(error));
    }
  };
  const restore = async (id: string) => {
    setBusy(true);
    setProblem(null);
    try {
      await call("post", "/api/v1/config/history/{id}/restore", undefined, {
        params: { id },
        ifMatch: props.revision,
      });
      setOpen(null);
      props.onRestored();
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.code === "config_conflict"
          ? "The config changed meanwhile; the page has the newest version now — try again."
          : describe(error),
      );
      props.onRestored();
    } finally {
      setBusy(false);
    }
  };
  if (history.data.entries.length === 0) {
    return <Empty>No earlier versions yet: every save keeps the version it replaces here.</Empty>;
  }
  return (
    <div className="history">
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
      <ul className="list">
        {history.data.entries.map((entry) => (
          <li key={entry.id} className="row">
            <div className="row-main">
              <span>
                Replaced{" "}
                <time dateTime={entry.replaced_at}>
                  {new Date(entry.replaced_at).toLocaleString()}
                </time>
                <span className="muted"> · {entry.size} bytes</span>
              </span>
              <div className="row-side">
                <button type="button" onClick={() => void view(entry.id)}>
                  View
                </button>
                <button type="button" disabled={busy} onClick={() => void restore(entry.id)}>
                  Restore
                </button>
              </div>
            </div>
            {open?.entry.id === entry.id &&
              (open.config ? (
                <Json value={open.config} label="This version" />
              ) : (
                <p className="error-text">This version cannot be read: {open.error}</p>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
