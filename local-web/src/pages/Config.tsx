// The config: a form for the known keys, a raw editor, a save that never overwrites another
// writer's change (If-Match; a conflict shows both versions), and the history with restore.
import { useCallback, useEffect, useState } from "react";
import { ApiError, call, get } from "../api/client";
import type { ConfigDocument, ConfigView, FieldError } from "../api/types";
import { ConfigForm } from "../config/ConfigForm";
import { ConflictView } from "../config/Conflict";
import { changedKeys, FIELDS, mergePatch } from "../config/fields";
import { History } from "../config/History";
import { RawEditor } from "../config/RawEditor";
import { ErrorNote, Loading } from "../components/Notes";
import { useLiveEvent, useResync } from "../live/context";

type Tab = "form" | "raw" | "history";

/** Top-level keys the form edits (`telemetry` for `telemetry.endpoint`). */
const FORM_KEYS = new Set(FIELDS.map((field) => field.key.split(".")[0] ?? field.key));

/** The config page. */
export function ConfigPage() {
  const [base, setBase] = useState<ConfigView | null>(null);
  const [draft, setDraft] = useState<ConfigDocument>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [fields, setFields] = useState<FieldError[]>([]);
  const [conflict, setConflict] = useState<ConfigView | null>(null);
  const [elsewhere, setElsewhere] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [tab, setTab] = useState<Tab>("form");
  const [rawKey, setRawKey] = useState(0);

  const adopt = useCallback((view: ConfigView) => {
    setBase(view);
    setDraft(view.config);
    setFields([]);
    setConflict(null);
    setElsewhere(false);
    setRawKey((k) => k + 1);
  }, []);

  const load = useCallback(async () => {
    try {
      adopt(await get("/api/v1/config"));
      setLoadError(null);
    } catch (error) {
      setLoadError(error);
    }
  }, [adopt]);

  useEffect(() => {
    let cancelled = false;
    get("/api/v1/config").then(
      (view) => cancelled || adopt(view),
      (error: unknown) => cancelled || setLoadError(error),
    );
    return () => {
      cancelled = true;
    };
  }, [adopt]);

  const dirty = base !== null && changedKeys(base.config, draft).length > 0;
  const onExternalChange = (revision: unknown) => {
    if (base === null || revision === base.revision) return;
    if (dirty) setElsewhere(true);
    else void load();
  };
  useLiveEvent("config.changed", (event) =>
    onExternalChange((event.payload as { revision?: string }).revision),
  );
  useResync(() => onExternalChange(null));

  const write = async (run: () => Promise<ConfigView>) => {
    setBusy(true);
    setSaveError(null);
    setSaved(false);
    try {
      adopt(await run());
      setSaved(true);
    } catch (error) {
      if (error instanceof ApiError && error.code === "config_conflict") {
        setConflict(await get("/api/v1/config"));
      } else {
        if (error instanceof ApiError) setFields(error.fields);
        setSaveError(error);
      }
    } finally {
      setBusy(false);
    }
  };

  if (base === null)
    return loadError ? <ErrorNote error={loadError} /> : <Loading what="the config" />;

  const save = () =>
    write(
      async () => (await call("put", "/api/v1/config", draft, { ifMatch: base.revision })).body,
    );
  const applyMine = (theirs: ConfigView) =>
    write(async () => {
      const patch = mergePatch(base.config, draft);
      return (
        await call("patch", "/api/v1/config", patch, {
          ifMatch: theirs.revision,
          contentType: "application/merge-patch+json",
        })
      ).body;
    });
  // Errors the form cannot show at a field (keys it does not know, or the raw view is open).
  const unknownFieldErrors = fields.filter(
    (f) => tab !== "form" || !FORM_KEYS.has(f.path.split(/[.[]/)[0] ?? ""),
  );

  return (
    <div className="config">
      {!base.persisted && (
        <p className="note">
          No config.yaml yet: these are the defaults. The first save writes the whole file.
        </p>
      )}
      {elsewhere && !conflict && (
        <p className="banner" role="status">
          The config was changed elsewhere while you edit. Saving will show both versions.
        </p>
      )}
      {conflict && (
        <ConflictView
          base={base.config}
          mine={draft}
          theirs={conflict}
          busy={busy}
          onApplyMine={() => void applyMine(conflict)}
          onTakeTheirs={() => adopt(conflict)}
        />
      )}
      <div className="tabs" role="tablist" aria-label="Config views">
        {(["form", "raw", "history"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
          >
            {t === "form" ? "Form" : t === "raw" ? "Raw JSON" : "History"}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === "form" && <ConfigForm draft={draft} errors={fields} onChange={setDraft} />}
        {tab === "raw" && <RawEditor key={rawKey} draft={draft} onChange={setDraft} />}
        {tab === "history" && <History revision={base.revision} onRestored={() => void load()} />}
      </div>
      {tab !== "history" && (
        <div className="savebar">
          {saveError !== null && <ErrorNote error={saveError} />}
          {unknownFieldErrors.length > 0 && (
            <ul className="error-text">
              {unknownFieldErrors.map((f) => (
                <li key={f.path}>
                  <code>{f.path}</code>: {f.message}
                </li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={!dirty || busy || conflict !== null}
              onClick={() => void save()}
            >
              {busy ? "Saving…" : "Save"}
            </button>
            <button type="button" disabled={!dirty || busy} onClick={() => adopt(base)}>
              Undo changes
            </button>
            <span className="muted" role="status">
              {dirty
                ? `Changed: ${changedKeys(base.config, draft).join(", ")}`
                : saved
                  ? "Saved."
                  : "No changes."}
            </span>
          </div>
        </div>
      )}
    </div>
  );
}
