// JSON shown as text, for arguments, results and schemas.

/** `value` pretty-printed in a scrollable block labelled `label`. */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
