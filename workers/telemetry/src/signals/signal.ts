/**
 * What the receiver needs to know about each OTLP signal: its request and response messages,
 * what counts as one item, which items are invalid, and how to say how many were rejected.
 */

import type { DescMessage, Message, MessageShape } from "@bufbuild/protobuf";

/** The three OTLP signals, as they appear in the URL path (`/v1/<name>`). */
export type SignalName = "traces" | "metrics" | "logs";

/** The signal names, in path order. */
export const SIGNAL_NAMES: readonly SignalName[] = ["traces", "metrics", "logs"];

/** Whether `value` names a signal. */
export function isSignalName(value: string): value is SignalName {
  return (SIGNAL_NAMES as readonly string[]).includes(value);
}

/** Items dropped from a request and why, for `partial_success`. */
export interface Rejection {
  /** How many items (spans, data points, log records) were dropped. */
  rejected: number;
  /** Distinct reasons, each once, in the order first seen. */
  reasons: string[];
}

/** Collects rejections while a request is checked. */
export class RejectionTally {
  private count = 0;
  private readonly seen = new Set<string>();

  /** Records `n` items dropped for `reason` (a warning when `n` is 0). */
  add(n: number, reason: string): void {
    this.count += n;
    this.seen.add(reason);
  }

  /** The tally so far. */
  result(): Rejection {
    return { rejected: this.count, reasons: [...this.seen] };
  }
}

/** One signal, with its message types erased so the three can share one pipeline. */
export interface Signal {
  /** The path segment and R2 prefix. */
  readonly name: SignalName;
  /** The items' name in messages ("spans", "data points", "log records"). */
  readonly itemNoun: string;
  /** `Export<Signal>ServiceRequest`. */
  readonly requestSchema: DescMessage;
  /** `Export<Signal>ServiceResponse`. */
  readonly responseSchema: DescMessage;
  /** Drops invalid items from `request` in place and says which. */
  dropInvalid(request: Message): Rejection;
  /** How many items `request` holds. */
  countItems(request: Message): number;
  /** The response: empty when nothing was rejected or warned about, else `partial_success`. */
  response(rejection: Rejection): Message;
}

/** A signal with its message types known. */
export interface TypedSignal<Req extends DescMessage, Res extends DescMessage> {
  name: SignalName;
  itemNoun: string;
  requestSchema: Req;
  responseSchema: Res;
  dropInvalid(request: MessageShape<Req>): Rejection;
  countItems(request: MessageShape<Req>): number;
  response(rejection: Rejection): MessageShape<Res>;
}

/** Erases a typed signal's message types; the pipeline only passes it its own messages. */
export function defineSignal<Req extends DescMessage, Res extends DescMessage>(
  typed: TypedSignal<Req, Res>,
): Signal {
  return {
    name: typed.name,
    itemNoun: typed.itemNoun,
    requestSchema: typed.requestSchema,
    responseSchema: typed.responseSchema,
    dropInvalid: (request) => typed.dropInvalid(request as MessageShape<Req>),
    countItems: (request) => typed.countItems(request as MessageShape<Req>),
    response: (rejection) => typed.response(rejection),
  };
}

/** The `error_message` for a rejection: its reasons joined, at most 1000 characters. */
export function errorMessageOf(rejection: Rejection): string {
  return rejection.reasons.join("; ").slice(0, 1000);
}

/** Whether `id` is `length` bytes and not all zero (the OTLP rule for trace and span ids). */
export function isValidId(id: Uint8Array, length: number): boolean {
  return id.length === length && id.some((byte) => byte !== 0);
}
