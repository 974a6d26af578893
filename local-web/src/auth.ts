// The browser login (docs/SECURITY.md): a one-time code from the URL fragment or pasted by a
// person is traded for an HttpOnly session cookie. Nothing here stores a credential.
import { ApiError, call, get } from "./api/client";
import type { HealthReply } from "./api/types";

let lastHealth: { health: HealthReply; at: number } | null = null;

/** Whether this browser holds a session: the full health (with `ports`) needs one. */
export async function hasSession(): Promise<boolean> {
  const health = await get("/api/v1/health");
  const full = health.ports !== undefined && health.ports !== null;
  if (full) lastHealth = { health, at: Date.now() };
  return full;
}

/** The full health the session check just read (so the dashboard need not wait for it
 * again), if it is at most `maxAgeMs` old. */
export function recentHealth(maxAgeMs = 2000): HealthReply | null {
  return lastHealth !== null && Date.now() - lastHealth.at <= maxAgeMs ? lastHealth.health : null;
}

/** The code in `#login=<code>` of `hash`, if any. */
export function codeFromFragment(hash: string): string | null {
  const match = /^#?login=([^&]+)/.exec(hash);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** A code from what a person pasted: the code itself or the whole login link. */
export function codeFromInput(input: string): string {
  const text = input.trim();
  const hashAt = text.indexOf("#");
  if (hashAt >= 0) return codeFromFragment(text.slice(hashAt)) ?? "";
  return text;
}

/** Removes the fragment from the address bar (and history) before anything else happens. */
export function dropFragment(): void {
  const { pathname, search } = window.location;
  window.history.replaceState(null, "", `${pathname}${search}`);
}

/** Trades `code` for a session; rejects with a sentence a person can act on. */
export async function logIn(code: string): Promise<void> {
  if (code === "") throw new Error("Paste the code or the whole login link.");
  try {
    await call("post", "/api/v1/auth/session", { code });
  } catch (error) {
    if (error instanceof ApiError && error.code === "login_code_invalid") {
      throw new Error(
        "That code is unknown, already used or expired (codes last 60 seconds). Ask for a new one.",
        { cause: error },
      );
    }
    throw error;
  }
}

/** Ends the session (the cookie is cleared by the host). */
export async function logOut(): Promise<void> {
  await call("delete", "/api/v1/auth/session");
}
