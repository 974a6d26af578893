/**
 * Raw batches in R2: one JSON object per accepted request, keyed so that listing a signal's
 * prefix returns the newest first.
 */

import type { JsonValue } from "@bufbuild/protobuf";
import { IngestError } from "./errors";
import type { SignalName } from "./signals";

/** What is stored for one accepted request (the body of one R2 object). */
export interface StoredBatch {
  /** Which signal the batch is. */
  signal: SignalName;
  /** When the Worker accepted it (ISO 8601). */
  receivedAt: string;
  /** How it arrived: "protobuf" or "json". */
  format: string;
  /** Its Content-Encoding: "identity" or "gzip". */
  encoding: string;
  /** Its size in bytes after decompression. */
  bytes: number;
  /** Items kept. */
  accepted: number;
  /** Items dropped as invalid. */
  rejected: number;
  /** Why items were dropped (or warnings). */
  rejectionReasons: string[];
  /** Values replaced by redaction on arrival. */
  redactions: number;
  /** Metric points written to Analytics Engine, and those over the per-request cap. */
  analytics: { points: number; skipped: number };
  /** The redacted request in OTLP/JSON (lowerCamelCase, integer enums, hex ids). */
  request: JsonValue;
}

/** A stored batch with its R2 key. */
export interface ListedBatch extends StoredBatch {
  key: string;
}

/** One page of a signal's batches, newest first. */
export interface BatchPage {
  batches: ListedBatch[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  cursor?: string;
}

/** Larger than any millisecond timestamp until the year 2286. */
const TIME_CEILING = 9_999_999_999_999;

/** The R2 key of a batch: `<signal>/<inverted ms>-<uuid>.json`, so ascending = newest first. */
export function batchKey(signal: SignalName, receivedAtMs: number, id: string): string {
  const inverted = String(TIME_CEILING - receivedAtMs).padStart(13, "0");
  return `${signal}/${inverted}-${id}.json`;
}

/** Stores `batch`; an R2 failure is a 503 the exporter retries after `retryAfterSeconds`. */
export async function putBatch(
  bucket: R2Bucket,
  batch: StoredBatch,
  retryAfterSeconds: number,
): Promise<string> {
  const key = batchKey(batch.signal, Date.parse(batch.receivedAt), crypto.randomUUID());
  try {
    await bucket.put(key, JSON.stringify(batch), {
      httpMetadata: { contentType: "application/json" },
      customMetadata: {
        signal: batch.signal,
        accepted: String(batch.accepted),
        rejected: String(batch.rejected),
      },
    });
  } catch (error) {
    console.error("R2 put failed", String(error));
    throw new IngestError(
      "storage_unavailable",
      "the batch could not be stored; retry later",
      retryAfterSeconds,
    );
  }
  return key;
}

/** Up to `limit` of `signal`'s batches, newest first, from `cursor` on. */
export async function listBatches(
  bucket: R2Bucket,
  signal: SignalName,
  limit: number,
  cursor: string | undefined,
): Promise<BatchPage> {
  const listing = await bucket.list({ prefix: `${signal}/`, limit, ...(cursor ? { cursor } : {}) });
  const batches = await Promise.all(
    listing.objects.map(async (object): Promise<ListedBatch | undefined> => {
      const body = await bucket.get(object.key);
      if (body === null) return undefined;
      return { key: object.key, ...(await body.json<StoredBatch>()) };
    }),
  );
  return {
    batches: batches.filter((batch): batch is ListedBatch => batch !== undefined),
    ...(listing.truncated ? { cursor: listing.cursor } : {}),
  };
}
