// The one WebSocket client of the UI: connects to the page's own origin, resumes with
// last_seq + epoch after a drop (backoff 250 ms doubling to 10 s, jittered), pings as a
// watchdog, and tells listeners about events, resyncs and its connection state.
import { matches, parseFrame, type LiveEvent, type ServerFrame, type WireError } from "./frames";

/** How long after the first hello replayed and live events may interleave. */
const BACKFILL_WINDOW_MS = 3000;

/** `connecting` (first attempt or retrying), `open`, `offline` (retrying after a failure). */
export type LinkState = "connecting" | "open" | "offline" | "stopped";

/** A request or command that failed: the host's stable code and sentence. */
export class LiveError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(error: WireError) {
    super(error.message);
    this.name = "LiveError";
    this.code = error.code;
    this.details = error.details ?? {};
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** What the socket needs from its surroundings (all replaceable in tests). */
export interface LiveSocketOptions {
  /** The URL to connect to, given the resume query (default: the page's origin + /ws). */
  url?: (query: string) => string;
  WebSocketImpl?: typeof WebSocket;
  /** How often to ping while open (ms). */
  pingIntervalMs?: number;
  /** How long a ping may go unanswered before the connection counts as dead (ms). */
  pongTimeoutMs?: number;
  /** How long a request may wait for its response (ms). */
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /** On the first connection, also replay up to this many recent events (the feed, the chat
   * and the approvals of this host run survive a page reload). 0 = only new events. */
  backfill?: number;
  /** Asked after a failed attempt; `false` stops retrying (e.g. the session is gone). */
  shouldRetry?: () => Promise<boolean>;
}

type EventListener = (event: LiveEvent) => void;

/** The connection to the host's /ws; one per page. */
export class LiveSocket {
  private readonly options: Required<Omit<LiveSocketOptions, "shouldRetry">> &
    Pick<LiveSocketOptions, "shouldRetry">;
  private socket: WebSocket | null = null;
  private linkState: LinkState = "stopped";
  private epoch: string | null = null;
  private lastSeq: number | null = null;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<{ pattern: string; listener: EventListener }>();
  private readonly resyncListeners = new Set<(reason: string) => void>();
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private backfillSeen: Set<number> | null = null;
  private backfillTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: LiveSocketOptions = {}) {
    this.options = {
      url: options.url ?? defaultUrl,
      WebSocketImpl: options.WebSocketImpl ?? WebSocket,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
      minBackoffMs: options.minBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      random: options.random ?? Math.random,
      backfill: options.backfill ?? 0,
      shouldRetry: options.shouldRetry,
    };
  }

  /** The connection state now. */
  get state(): LinkState {
    return this.linkState;
  }

  /** The resume position: the epoch of the host run and the last event seen. */
  get position(): { epoch: string | null; lastSeq: number | null } {
    return { epoch: this.epoch, lastSeq: this.lastSeq };
  }

  /** Opens the connection (and keeps it open until `stop`). */
  start(): void {
    if (this.linkState !== "stopped") return;
    this.attempt = 0;
    this.connect();
  }

  /** Closes the connection and stops reconnecting; pending calls fail. */
  stop(): void {
    this.setState("stopped");
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.failPending("the connection was closed");
  }

  /** Reconnects now instead of waiting for the backoff (e.g. the browser came back online). */
  retryNow(): void {
    if (this.linkState === "offline" || this.linkState === "connecting") {
      if (this.socket === null) {
        if (this.retryTimer !== null) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.connect();
      }
    }
  }

  /** Calls `listener` for every event matching `pattern`; returns the unsubscribe function. */
  onEvent(pattern: string, listener: EventListener): () => void {
    const entry = { pattern, listener };
    this.eventListeners.add(entry);
    return () => this.eventListeners.delete(entry);
  }

  /** Calls `listener` when events were lost (re-read any state kept). */
  onResync(listener: (reason: string) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /** Calls `listener` on every change of the connection state. */
  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Sends a `request` (§3.5) and resolves with its `result`, or rejects with a `LiveError`. */
  request<T = unknown>(method: string, params?: unknown): Promise<T> {
    const id = `r${this.nextId++}`;
    const frame: Record<string, unknown> = { type: "request", id, method };
    if (params !== undefined) frame.params = params;
    return this.send<T>(id, frame);
  }

  private send<T>(id: string, frame: Record<string, unknown>): Promise<T> {
    const socket = this.socket;
    if (socket === null || this.linkState !== "open") {
      return Promise.reject(
        new LiveError({ code: "offline", message: "not connected to the host; retrying" }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LiveError({ code: "timeout", message: "the host did not answer in time" }));
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      socket.send(JSON.stringify(frame));
    });
  }

  private connect(): void {
    this.setState(this.attempt === 0 ? "connecting" : "offline");
    const query = new URLSearchParams();
    if (this.epoch !== null && this.lastSeq !== null) {
      query.set("last_seq", String(this.lastSeq));
      query.set("epoch", this.epoch);
    }
    const socket = new this.options.WebSocketImpl(this.options.url(query.toString()));
    this.socket = socket;
    socket.onmessage = (message: MessageEvent) => {
      if (this.socket !== socket) return;
      this.feedWatchdog();
      if (typeof message.data !== "string") return;
      const frame = parseFrame(message.data);
      if (frame !== null) this.handle(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      this.failPending("the connection dropped");
      if (this.linkState !== "stopped") void this.scheduleRetry();
    };
    socket.onerror = () => {
      // onclose follows and handles it
    };
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case "hello":
        this.onHello(frame.epoch, frame.last_seq);
        break;
      case "event":
        this.dispatch(frame);
        break;
      case "events":
        frame.events.forEach((event) => this.dispatch(event));
        break;
      case "resync":
        this.lastSeq = frame.last_seq;
        this.resyncListeners.forEach((listener) => listener(frame.reason));
        break;
      case "response":
      case "result":
      case "error":
        this.settle(frame.id, frame.error, "result" in frame ? frame.result : undefined);
        break;
      default:
        break; // pong, lagged (a resync follows), subscriptions, unknown: nothing to do
    }
  }

  private onHello(epoch: string, lastSeq: number): void {
    // First connection: start after what was published before. A resume keeps its position
    // (the host replays what was missed, or sends a resync that sets it).
    const first = this.epoch === null || this.lastSeq === null;
    if (first) this.lastSeq = lastSeq;
    this.epoch = epoch;
    if (first && this.options.backfill > 0 && lastSeq > 0) {
      // Ask for the recent past on this connection: the host resubscribes atomically and
      // replays what follows `from` (or sends a resync when it no longer keeps it).
      const from = Math.max(0, lastSeq - this.options.backfill);
      this.lastSeq = from;
      this.backfillSeen = new Set();
      this.backfillTimer = setTimeout(() => {
        this.backfillSeen = null;
        this.backfillTimer = null;
      }, BACKFILL_WINDOW_MS);
      this.socket?.send(JSON.stringify({ type: "resume", last_seq: from, epoch }));
    }
    this.attempt = 0;
    this.setState("open");
    this.startPinging();
  }

  private dispatch(event: LiveEvent): void {
    if (this.backfillSeen !== null) {
      // Live events may come before the replay of older ones: handle each seq once.
      if (this.backfillSeen.has(event.seq)) return;
      this.backfillSeen.add(event.seq);
      this.lastSeq = Math.max(this.lastSeq ?? 0, event.seq);
    } else {
      if (this.lastSeq !== null && event.seq <= this.lastSeq) return; // already handled
      this.lastSeq = event.seq;
    }
    this.eventListeners.forEach(({ pattern, listener }) => {
      if (matches(pattern, event.event)) listener(event);
    });
  }

  private settle(id: string | number | undefined, error: WireError | undefined, result: unknown) {
    if (id === undefined) return;
    const pending = this.pending.get(String(id));
    if (pending === undefined) return;
    this.pending.delete(String(id));
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(new LiveError(error));
    else pending.resolve(result);
  }

  private startPinging(): void {
    this.pingTimer = setInterval(() => {
      const socket = this.socket;
      if (socket === null) return;
      socket.send(JSON.stringify({ type: "ping", id: `p${this.nextId++}` }));
      if (this.watchdog === null) {
        this.watchdog = setTimeout(() => {
          // Nothing came back: the connection is dead even if the browser has not noticed.
          this.watchdog = null;
          if (this.socket === socket) {
            this.socket = null;
            this.clearTimers();
            this.failPending("the host stopped answering");
            socket.close(4000);
            void this.scheduleRetry();
          }
        }, this.options.pongTimeoutMs);
      }
    }, this.options.pingIntervalMs);
  }

  private feedWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private async scheduleRetry(): Promise<void> {
    this.attempt += 1;
    this.setState("offline");
    const base = Math.min(
      this.options.maxBackoffMs,
      this.options.minBackoffMs * 2 ** (this.attempt - 1),
    );
    const delay = base / 2 + (base / 2) * this.options.random();
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = null;
      if (this.linkState === "stopped") return;
      if (this.options.shouldRetry && !(await this.options.shouldRetry())) {
        this.stop();
        return;
      }
      if (this.state !== "stopped" && this.socket === null) this.connect();
    }, delay);
  }

  private failPending(message: string): void {
    this.pending.forEach((pending) => {
      clearTimeout(pending.timer);
      pending.reject(new LiveError({ code: "offline", message }));
    });
    this.pending.clear();
  }

  private clearTimers(): void {
    if (this.backfillTimer !== null) clearTimeout(this.backfillTimer);
    this.backfillTimer = null;
    this.backfillSeen = null;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.pingTimer = null;
    this.watchdog = null;
    this.retryTimer = null;
  }

  private setState(state: LinkState): void {
    if (this.linkState === state) return;
    this.linkState = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}

function defaultUrl(query: string): string {
  // Always the page's own origin: a URL is never taken from the page address (SECURITY.md §7).
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/ws${query === "" ? "" : `?${query}`}`;
}
