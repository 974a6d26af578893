// The whole document as JSON text; keys the form does not know are edited here.
import { useState } from "react";
import type { ConfigDocument } from "../api/types";

/** A JSON editor of `draft`; `onChange` gets the next document once the text parses. */
export function RawEditor(props: {
  draft: ConfigDocument;
  onChange: (next: ConfigDocument) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.draft, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const edit = (next: string) => {
    setText(next);
    try {
      const value: unknown = JSON.parse(next);
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        setProblem("The config must be a JSON object.");
        return;
      }
      setProblem(null);
      props.onChange(value as ConfigDocument);
    } catch (error) {
      setProblem(`Not valid JSON yet: ${(error as Error).message}`);
    }
  };
  return (
    <div className="field">
      <label htmlFor="raw-config">
        The whole config as JSON (secrets stay “&lt;redacted&gt;” and are kept)
      </label>
      <textarea
        id="raw-config"
        className="raw"
        spellCheck={false}
        rows={24}
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? "raw-problem" : undefined}
        onChange={(e) => edit(e.target.value)}
      />
      {problem && (
        <small id="raw-problem" className="error-text">
          {problem}
        </small>
      )}
    </div>
  );
}
