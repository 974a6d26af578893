// Placeholder UI: logs in from a one-time code in the URL fragment, then shows the host's
// health. Talks only to the origin it was loaded from; never reads a host or WebSocket URL
// from the page address.
const out = document.getElementById("health");
const note = document.getElementById("login");

async function logInFromFragment() {
  const match = /^#login=([0-9a-f]+)$/.exec(window.location.hash);
  if (!match) return;
  // Drop the code from the address bar and history before anything else.
  history.replaceState(null, "", window.location.pathname + window.location.search);
  const res = await fetch("/api/v1/auth/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: match[1] }),
  });
  note.textContent = res.ok
    ? "Logged in."
    : "That login link was already used or has expired: ask for a new one.";
}

async function refresh() {
  try {
    const res = await fetch("/api/v1/health", { headers: { Accept: "application/json" } });
    const body = await res.json();
    out.textContent = JSON.stringify(body, null, 2);
  } catch (err) {
    out.textContent = `The host did not answer: ${err}`;
  }
}

logInFromFragment().finally(() => {
  refresh();
  setInterval(refresh, 5000);
});
