/**
 * GET /v1/batches?signal=<traces|metrics|logs>&limit=<1..100>&cursor=<c>: the newest stored
 * batches of one signal, for tests and operators. Needs the READ_KEY secret (not the ingest
 * key, which every exporter holds); without it the route does not exist.
 */

import { requireKey } from "./auth";
import type { Env } from "./env";
import { IngestError } from "./errors";
import { jsonResponse, refuse } from "./responses";
import { isSignalName, SIGNAL_NAMES } from "./signals";
import { listBatches } from "./storage";

/** Largest page. */
export const MAX_READBACK_LIMIT = 100;
/** Page size when none is asked for. */
export const DEFAULT_READBACK_LIMIT = 10;

function parseLimit(raw: string | null): number {
  if (raw === null || raw === "") return DEFAULT_READBACK_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_READBACK_LIMIT) {
    refuse("bad_request", `limit must be an integer from 1 to ${MAX_READBACK_LIMIT}`);
  }
  return limit;
}

/** Handles the read-back route; throws an `IngestError` for any refusal. */
export async function handleReadBack(request: Request, env: Env): Promise<Response> {
  if (env.READ_KEY === undefined || env.READ_KEY === "") {
    throw new IngestError("not_found", "read-back is off: the READ_KEY secret is not set");
  }
  await requireKey(request.headers, env.READ_KEY, "READ_KEY");
  const url = new URL(request.url);
  const signal = url.searchParams.get("signal") ?? "";
  if (!isSignalName(signal)) {
    refuse("bad_request", `signal must be one of ${SIGNAL_NAMES.join(", ")}`);
  }
  const limit = parseLimit(url.searchParams.get("limit"));
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const page = await listBatches(env.BATCHES, signal, limit, cursor);
  return jsonResponse({ signal, ...page });
}
