/**
 * The Worker's bindings (see wrangler.toml) and the limits read from them.
 */

/** Everything the Worker is bound to. Secrets are set with `wrangler secret put`. */
export interface Env {
  /** Raw (redacted) batches, one object per accepted request. */
  BATCHES: R2Bucket;
  /** Metric data points and per-request ingest counts. */
  METRICS: AnalyticsEngineDataset;
  /** Throttles ingestion per signal and client address; absent means no throttling. */
  INGEST_LIMITER?: RateLimit;
  /** The key every exporter sends (secret). Unset means ingestion is refused. */
  INGEST_KEY?: string;
  /** The operators' key for the read-back route (secret). Unset means read-back is off. */
  READ_KEY?: string;
  /** Largest request body, on the wire and after decompression, in bytes. */
  MAX_BODY_BYTES?: string;
  /** Seconds a throttled client is told to wait. */
  THROTTLE_RETRY_AFTER_SECONDS?: string;
}

/** Limits with their defaults applied. */
export interface Limits {
  /** Largest body in bytes, compressed or not. */
  maxBodyBytes: number;
  /** `Retry-After` on a 429. */
  throttleRetryAfterSeconds: number;
}

/** The default body cap: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** The default wait told to a throttled client, matching the limiter's 60 s period. */
export const DEFAULT_THROTTLE_RETRY_AFTER_SECONDS = 60;

function positiveInteger(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** Reads the limits from the environment; a missing or malformed value takes its default. */
export function limitsFrom(env: Env): Limits {
  return {
    maxBodyBytes: positiveInteger(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
    throttleRetryAfterSeconds: positiveInteger(
      env.THROTTLE_RETRY_AFTER_SECONDS,
      DEFAULT_THROTTLE_RETRY_AFTER_SECONDS,
    ),
  };
}
