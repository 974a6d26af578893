// The form for the known keys; each field shows the host's validation error for its path.
import type { ConfigDocument, FieldError } from "../api/types";
import { FIELDS, REDACTED, fromInput, getPath, setPath, toInput, type FieldSpec } from "./fields";

/** Known keys grouped, edited in `draft`; `onChange` gets the next document. */
export function ConfigForm(props: {
  draft: ConfigDocument;
  errors: FieldError[];
  onChange: (next: ConfigDocument) => void;
}) {
  const groups = [...new Set(FIELDS.map((f) => f.group))];
  const set = (key: string, value: unknown) => props.onChange(setPath(props.draft, key, value));
  return (
    <div className="form">
      {groups.map((group) => (
        <fieldset key={group}>
          <legend>{group}</legend>
          {FIELDS.filter((f) => f.group === group).map((field) => (
            <Field
              key={field.key}
              field={field}
              value={getPath(props.draft, field.key)}
              error={props.errors.find(
                (e) =>
                  e.path === field.key ||
                  e.path.startsWith(`${field.key}.`) ||
                  e.path.startsWith(`${field.key}[`),
              )}
              onChange={(value) => set(field.key, value)}
            />
          ))}
        </fieldset>
      ))}
    </div>
  );
}

function Field(props: {
  field: FieldSpec;
  value: unknown;
  error?: FieldError;
  onChange: (value: unknown) => void;
}) {
  const { field, error } = props;
  const id = `cfg-${field.key}`;
  const describedBy =
    [field.help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") ||
    undefined;
  const common = { id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy };
  let control;
  if (field.kind === "bool") {
    control = (
      <input
        {...common}
        type="checkbox"
        checked={props.value === true}
        onChange={(e) => props.onChange(e.target.checked)}
      />
    );
  } else if (field.kind === "list") {
    control = (
      <textarea
        {...common}
        rows={2}
        value={toInput("list", props.value)}
        onChange={(e) => props.onChange(fromInput("list", e.target.value))}
      />
    );
  } else if (field.kind === "choice") {
    control = (
      <select
        {...common}
        value={toInput("choice", props.value)}
        onChange={(e) => props.onChange(fromInput("choice", e.target.value))}
      >
        <option value="">not set</option>
        {(field.options ?? []).map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "secret") {
    const stored = props.value === REDACTED;
    control = (
      <input
        {...common}
        type="password"
        autoComplete="off"
        value={toInput("secret", props.value)}
        placeholder={stored ? "stored (hidden); type to replace" : "not set"}
        onChange={(e) =>
          props.onChange(e.target.value === "" && stored ? REDACTED : e.target.value)
        }
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={field.kind === "number" ? "text" : "text"}
        inputMode={field.kind === "number" ? "numeric" : undefined}
        value={toInput(field.kind, props.value)}
        onChange={(e) => props.onChange(fromInput(field.kind, e.target.value))}
      />
    );
  }
  return (
    <div
      className={`field ${field.kind === "bool" ? "field-bool" : ""} ${error ? "field-error" : ""}`}
    >
      <label htmlFor={id}>
        {field.label} <code className="muted">{field.key}</code>
      </label>
      {control}
      {field.help && (
        <small id={`${id}-help`} className="muted">
          {field.help}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="error-text" role="alert">
          {error.message}
        </small>
      )}
    </div>
  );
}
