// Live tail of host and runtime logs: level and source filter, pause, copy. Reads
// GET /api/v1/logs and live `log` events where the host offers them (the telemetry work).
import { useEffect, useState } from "react";
import { describe } from "../api/client";
import { features } from "../api/features";
import { Empty } from "../components/Notes";
import { addLogLines, logs } from "../state/live";
import { atLeast, lineText, toLogLine, type LogLine } from "../state/logs";
import { useStore } from "../state/store";

/** The logs page. */
export function LogsPage() {
  const all = useStore(logs);
  const [available, setAvailable] = useState<boolean | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [level, setLevel] = useState("info");
  const [source, setSource] = useState("all");
  const [paused, setPaused] = useState<LogLine[] | null>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void features().then(async (f) => {
      if (cancelled) return;
      setAvailable(f.logs);
      if (!f.logs) return;
      try {
        const response = await fetch("/api/v1/logs", { credentials: "same-origin" });
        if (!response.ok) throw new Error(`the host answered ${response.status}`);
        const body = (await response.json()) as {
          lines?: unknown[];
          logs?: unknown[];
          entries?: unknown[];
        };
        const records = body.lines ?? body.logs ?? body.entries ?? [];
        if (!cancelled && logs.get().length === 0)
          addLogLines(records.map((r) => toLogLine(r, "")));
      } catch (error) {
        if (!cancelled) setProblem(describe(error));
      }
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const shownFrom = paused ?? all;
  const sources = ["all", ...new Set(all.map((l) => l.source))];
  const shown = shownFrom.filter(
    (l) => atLeast(l, level) && (source === "all" || l.source === source),
  );
  const copy = async () => {
    await navigator.clipboard.writeText(shown.map(lineText).join("\n"));
    setCopied(true);
  };
  return (
    <>
      {available === false && (
        <p className="note">
          This host does not serve logs yet (no <code>GET /api/v1/logs</code> in its API). Live
          <code> log</code> events show here as soon as it publishes them.
        </p>
      )}
      {problem && <p className="error-text">{problem}</p>}
      <div className="toolbar">
        <label className="field-inline">
          <span>Level</span>
          <select value={level} onChange={(e) => setLevel(e.target.value)}>
            {["trace", "debug", "info", "warn", "error"].map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span>Source</span>
          <select value={source} onChange={(e) => setSource(e.target.value)}>
            {sources.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          aria-pressed={paused !== null}
          onClick={() => setPaused(paused ? null : all)}
        >
          {paused ? "Resume" : "Pause"}
        </button>
        <button type="button" disabled={shown.length === 0} onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      {shown.length === 0 ? (
        <Empty>No log lines{all.length > 0 ? " match the filter" : " yet"}.</Empty>
      ) : (
        <ol className="logs" aria-label="Log lines" tabIndex={0}>
          {shown.slice(-500).map((line, i) => (
            <li key={i} className={`log log-${line.level}`}>
              {lineText(line)}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
