// The logged-in frame: header, navigation, offline banner, the page; owns the LiveSocket.
import { useEffect, useState } from "react";
import { logOut } from "./auth";
import { hasSession } from "./auth";
import { LiveProvider, useLinkState } from "./live/context";
import { LiveSocket } from "./live/socket";
import { Link, usePath } from "./router";
import { approvals, connectStores } from "./state/live";
import { useStore } from "./state/store";
import { pageFor, PAGES } from "./pages";

/** The UI after login. */
export function Shell({ onLoggedOut }: { onLoggedOut: (problem?: string) => void }) {
  const [socket] = useState(
    () =>
      new LiveSocket({
        backfill: 500,
        // A socket that keeps failing while the session is gone should send the person to log in.
        shouldRetry: () => hasSession().catch(() => true),
      }),
  );
  useEffect(() => {
    const stopStores = connectStores(socket);
    socket.start();
    const online = () => socket.retryNow();
    window.addEventListener("online", online);
    const offState = socket.onState((state) => {
      if (state === "stopped") {
        onLoggedOut(
          "The connection to the host dropped and this browser's session is no longer valid (the host may have restarted). Log in again.",
        );
      }
    });
    return () => {
      offState();
      window.removeEventListener("online", online);
      stopStores();
      socket.stop();
    };
  }, [socket, onLoggedOut]);

  return (
    <LiveProvider socket={socket}>
      <Frame onLoggedOut={onLoggedOut} />
    </LiveProvider>
  );
}

function Frame({ onLoggedOut }: { onLoggedOut: () => void }) {
  const path = usePath();
  const page = pageFor(path);
  const pending = useStore(approvals).pending.length;
  const link = useLinkState();
  const Page = page.component;
  useEffect(() => {
    document.title = `${page.title} · Pryx`;
  }, [page.title]);
  const logout = async () => {
    await logOut().catch(() => undefined);
    onLoggedOut();
  };
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Pryx</span>
        <span className={`link link-${link}`} role="status" aria-live="polite">
          {link === "open" ? "live" : link === "connecting" ? "connecting…" : "offline"}
        </span>
        <button type="button" className="quiet" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <nav className="nav" aria-label="Pages">
        {PAGES.map((p) => (
          <Link key={p.path} to={p.path} current={p.path === page.path}>
            {p.title}
            {p.path === "/approvals" && pending > 0 && (
              <span className="count" aria-label={`${pending} pending`}>
                {pending}
              </span>
            )}
          </Link>
        ))}
      </nav>
      {link === "offline" && (
        <div className="banner" role="alert">
          Offline: the connection to the host dropped. Reconnecting — what you see may be out of
          date until it is back.
        </div>
      )}
      <main id="main" className="main" tabIndex={-1}>
        <h1>{page.title}</h1>
        <Page />
      </main>
    </div>
  );
}
