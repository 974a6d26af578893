// The shell: the login gate, then the navigation, the offline banner and the current page.
import { useEffect, useMemo, useState } from "react";
import { onUnauthorized } from "./api/client";
import { codeFromFragment, dropFragment, hasSession, logIn } from "./auth";
import { Shell } from "./Shell";
import { LoginPage } from "./pages/Login";

type Gate = { state: "checking" } | { state: "in" } | { state: "out"; problem?: string };

/** The whole UI. */
export function App() {
  const [gate, setGate] = useState<Gate>({ state: "checking" });

  useEffect(() => {
    let cancelled = false;
    const code = codeFromFragment(window.location.hash);
    if (code !== null) dropFragment(); // before anything else: the code must not linger
    const check = async (): Promise<Gate> => {
      if (code !== null) {
        try {
          await logIn(code);
        } catch (error) {
          return { state: "out", problem: (error as Error).message };
        }
      }
      try {
        return (await hasSession()) ? { state: "in" } : { state: "out" };
      } catch (error) {
        return { state: "out", problem: (error as Error).message };
      }
    };
    void check().then((next) => {
      if (!cancelled) setGate(next);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(
    () =>
      onUnauthorized(() =>
        setGate({ state: "out", problem: "Your session ended. Log in again to continue." }),
      ),
    [],
  );

  const onLoggedIn = useMemo(() => () => setGate({ state: "in" }), []);

  if (gate.state === "checking") {
    return (
      <main className="center">
        <p className="note" role="status">
          Connecting to Pryx host…
        </p>
      </main>
    );
  }
  if (gate.state === "out") return <LoginPage problem={gate.problem} onLoggedIn={onLoggedIn} />;
  return <Shell onLoggedOut={(problem) => setGate({ state: "out", problem })} />;
}
