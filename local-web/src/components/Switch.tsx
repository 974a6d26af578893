// An on/off switch: a checkbox with role="switch", so keyboards and screen readers know it.

/** A labelled switch; `busy` disables it while a change is in flight. */
export function Switch(props: {
  checked: boolean;
  label: string;
  busy?: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        checked={props.checked}
        disabled={props.disabled || props.busy}
        aria-busy={props.busy || undefined}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <span className="switch-track" aria-hidden="true" />
      <span className="visually-hidden">{props.label}</span>
    </label>
  );
}
