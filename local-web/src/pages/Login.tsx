// How to get in: the one-time link the host's CLI prints, or a pasted code. Never a dead end.
import { useState, type FormEvent } from "react";
import { codeFromInput, logIn } from "../auth";

const COMMAND = `curl -s -X POST -H "Authorization: Bearer $(cat ~/.pryx/admin.token)" \\
  ${window.location.origin}/api/v1/auth/login-codes`;

/** The login page; `problem` says why the person is here, when known. */
export function LoginPage(props: { problem?: string; onLoggedIn: () => void }) {
  const [input, setInput] = useState("");
  const [problem, setProblem] = useState<string | null>(props.problem ?? null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await logIn(codeFromInput(input));
      props.onLoggedIn();
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>Log in to Pryx</h1>
      <p>
        This page controls an agent that can run tools on this machine, so it needs a one-time login
        code from someone who can read the host's token file.
      </p>
      <ol>
        <li>
          On this machine, ask the host for a login link (the token file is <code>admin.token</code>{" "}
          in the host's data directory, <code>~/.pryx</code> unless it was started with{" "}
          <code>--data-dir</code>):
          <pre className="json" tabIndex={0}>
            {COMMAND}
          </pre>
        </li>
        <li>
          Open the <code>login_url</code> it prints, or paste the link or its <code>code</code>{" "}
          below. A code works once, for 60 seconds.
        </li>
      </ol>
      <form onSubmit={(e) => void submit(e)} className="login-form">
        <label htmlFor="code">Login code or link</label>
        <input
          id="code"
          autoComplete="off"
          spellCheck={false}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? "login-problem" : undefined}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      {problem && (
        <p id="login-problem" className="error-text" role="alert">
          {problem}
        </p>
      )}
    </main>
  );
}
