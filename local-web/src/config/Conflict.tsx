// A save met another writer: both versions of every key that differs, and two ways out.
import type { ConfigDocument, ConfigView } from "../api/types";
import { changedKeys } from "./fields";

/** Shows my draft against the current version; the person picks what to keep. */
export function ConflictView(props: {
  base: ConfigDocument;
  mine: ConfigDocument;
  theirs: ConfigView;
  busy: boolean;
  onApplyMine: () => void;
  onTakeTheirs: () => void;
}) {
  const mineChanged = new Set(changedKeys(props.base, props.mine));
  const theirsChanged = new Set(changedKeys(props.base, props.theirs.config));
  const keys = [...new Set([...mineChanged, ...theirsChanged])].sort();
  const clash = keys.filter((k) => mineChanged.has(k) && theirsChanged.has(k));
  return (
    <section className="card card-bad conflict" role="alert" aria-labelledby="conflict-h">
      <h2 id="conflict-h">Someone else saved the config while you were editing</h2>
      <p>
        Nothing was overwritten. Compare the versions, then keep your changes on top of theirs
        {clash.length > 0 && ` (yours win for ${clash.join(", ")})`}, or drop yours.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Yours</th>
            <th scope="col">Now on the host</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key} className={clash.includes(key) ? "clash" : undefined}>
              <th scope="row">
                <code>{key}</code>
              </th>
              <td>
                <code>{show(props.mine[key])}</code>
              </td>
              <td>
                <code>{show(props.theirs.config[key])}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="primary" disabled={props.busy} onClick={props.onApplyMine}>
          Apply my changes on top of theirs
        </button>
        <button type="button" disabled={props.busy} onClick={props.onTakeTheirs}>
          Discard mine, use theirs
        </button>
      </div>
    </section>
  );
}

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}
