// Skills: search, enable/disable, eligibility and why not, the errors of broken skills, details.
import { useState } from "react";
import { call, describe, get } from "../api/client";
import type { Skill } from "../api/types";
import { Badge } from "../components/Badge";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { Switch } from "../components/Switch";
import { useResource } from "../live/resource";

/** Whether `skill` matches the search `query` (id, name, title, description). */
export function skillMatches(skill: Skill, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === "") return true;
  return [skill.id, skill.name, skill.title, skill.description].some((text) =>
    (text ?? "").toLowerCase().includes(q),
  );
}

/** The skills page. */
export function SkillsPage() {
  const skills = useResource(() => get("/api/v1/skills"), ["skills.*"]);
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  if (skills.data === undefined) {
    return skills.status === "error" ? (
      <ErrorNote error={skills.error} />
    ) : (
      <Loading what="skills" />
    );
  }
  const shown = skills.data.skills.filter((skill) => skillMatches(skill, query));
  return (
    <>
      <div className="toolbar">
        <label className="field-inline">
          <span>Search</span>
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <span className="muted">
          {skills.data.skills.filter((s) => s.enabled).length} of {skills.data.skills.length}{" "}
          enabled
        </span>
      </div>
      {skills.status === "error" && <ErrorNote error={skills.error} />}
      {skills.data.skills.length === 0 ? (
        <Empty>
          No skills found. Put a skill (a directory with a SKILL.md) under the skills directory of
          the data directory; it shows here within a second.
        </Empty>
      ) : shown.length === 0 ? (
        <Empty>No skill matches “{query}”.</Empty>
      ) : (
        <ul className="list">
          {shown.map((skill) => (
            <SkillRow
              key={skill.id}
              skill={skill}
              open={open === skill.id}
              onToggleOpen={() => setOpen(open === skill.id ? null : skill.id)}
              onChanged={skills.reload}
            />
          ))}
        </ul>
      )}
    </>
  );
}

function SkillRow(props: {
  skill: Skill;
  open: boolean;
  onToggleOpen: () => void;
  onChanged: () => void;
}) {
  const { skill } = props;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const toggle = async (on: boolean) => {
    setBusy(true);
    setProblem(null);
    try {
      await call(
        "post",
        on ? "/api/v1/skills/{id}/enable" : "/api/v1/skills/{id}/disable",
        undefined,
        {
          params: { id: skill.id },
        },
      );
      props.onChanged();
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setBusy(false);
    }
  };
  const missing = [
    ...skill.missing.bins.map((b) => `program ${b}`),
    ...skill.missing.env.map((e) => `variable ${e}`),
  ];
  return (
    <li className="row" data-skill={skill.id}>
      <div className="row-main">
        <div>
          <button
            type="button"
            className="link-button"
            aria-expanded={props.open}
            onClick={props.onToggleOpen}
          >
            {skill.emoji && <span aria-hidden="true">{skill.emoji} </span>}
            {skill.title ?? skill.name}
          </button>
          <span className="muted"> {skill.id}</span>
          {skill.description && <p className="muted">{skill.description}</p>}
          {skill.error ? (
            <p className="error-text">Cannot be read: {skill.error}</p>
          ) : !skill.eligible ? (
            <p className="warn-text">Not usable here: missing {missing.join(", ")}.</p>
          ) : null}
          {problem && <p className="error-text">{problem}</p>}
        </div>
        <div className="row-side">
          <Badge
            label={skill.enabled ? "enabled" : "disabled"}
            tone={skill.enabled ? "ok" : "idle"}
          />
          <Switch
            checked={skill.enabled}
            busy={busy}
            disabled={Boolean(skill.error) && !skill.enabled}
            label={`Enable ${skill.name}`}
            onChange={(on) => void toggle(on)}
          />
        </div>
      </div>
      {props.open && (
        <dl className="facts details">
          <dt>Source</dt>
          <dd>{skill.source}</dd>
          <dt>Version</dt>
          <dd>{skill.version ?? "—"}</dd>
          <dt>Author</dt>
          <dd>{skill.author ?? "—"}</dd>
          <dt>Path</dt>
          <dd>
            <code>{skill.path ?? "—"}</code>
          </dd>
          <dt>Needs programs</dt>
          <dd>{skill.requires.bins.join(", ") || "none"}</dd>
          <dt>Needs variables</dt>
          <dd>{skill.requires.env.join(", ") || "none"}</dd>
        </dl>
      )}
    </li>
  );
}
