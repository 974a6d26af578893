/**
 * Checking a presented key against a configured secret in constant time.
 */

import { IngestError } from "./errors";

/** The header an exporter may use instead of `Authorization: Bearer`. */
export const INGEST_KEY_HEADER = "x-pryx-ingest-key";

/**
 * The key a request presents: `Authorization: Bearer <key>` (scheme case-insensitive) or,
 * failing that, the `x-pryx-ingest-key` header. Empty means none.
 */
export function presentedKey(headers: Headers): string {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1] !== undefined) return match[1];
  }
  return (headers.get(INGEST_KEY_HEADER) ?? "").trim();
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/**
 * Whether `presented` equals `expected`, compared in time independent of where they differ
 * and of their lengths (both are hashed first, then compared with `timingSafeEqual`).
 */
export async function keysMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Refuses the request unless it presents `expected`. An unset or empty `expected` means the
 * operator has not configured the secret: refused as `not_configured` (500, not retried).
 */
export async function requireKey(
  headers: Headers,
  expected: string | undefined,
  secretName: string,
): Promise<void> {
  if (expected === undefined || expected === "") {
    throw new IngestError("not_configured", `the ${secretName} secret is not set on this Worker`);
  }
  const presented = presentedKey(headers);
  if (presented === "") {
    throw new IngestError(
      "unauthenticated",
      `no key presented; send 'Authorization: Bearer <key>' or '${INGEST_KEY_HEADER}: <key>'`,
    );
  }
  if (!(await keysMatch(presented, expected))) {
    throw new IngestError("unauthenticated", "the presented key is not valid");
  }
}
