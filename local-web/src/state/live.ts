// The page-wide stores fed by the one LiveSocket from login to logout, so a page shows what
// happened while another page was open.
import type { LiveEvent } from "../live/frames";
import type { LiveSocket } from "../live/socket";
import { applyApprovalEvent, withList, type Approval, type ApprovalsState } from "./approvals";
import { applyEvent, type ChatState } from "./chat";
import { Store } from "./store";
import { toLogLine, type LogLine } from "./logs";

/** How many events the dashboard's feed keeps. */
export const FEED_LIMIT = 100;
/** How many log lines the Logs page keeps. */
export const LOG_LIMIT = 2000;

export const chat = new Store<ChatState>({});
export const approvals = new Store<ApprovalsState>({ pending: [], recent: [] });
export const feed = new Store<LiveEvent[]>([]);
export const logs = new Store<LogLine[]>([]);

/** Re-reads the pending approvals from the host. */
export async function refreshApprovals(socket: LiveSocket): Promise<void> {
  const answer = await socket.request<{ approvals: Approval[] }>("approvals.list");
  approvals.update((state) => withList(state, answer.approvals));
}

/** Adds log lines (newest last), keeping at most LOG_LIMIT. */
export function addLogLines(lines: LogLine[]): void {
  if (lines.length === 0) return;
  logs.update((all) => [...all, ...lines].slice(-LOG_LIMIT));
}

/** Whether an event is a log line (shown on the Logs page, not in the dashboard's feed). */
export function isLogEvent(name: string): boolean {
  return name === "log" || name === "logs";
}

/** Feeds every store from `socket`; returns the function that stops it. */
export function connectStores(socket: LiveSocket): () => void {
  const offs = [
    socket.onEvent("*", (event) => {
      // Log lines have their own page; in the feed they would crowd out everything else.
      if (!isLogEvent(event.event)) {
        feed.update((events) => [event, ...events].slice(0, FEED_LIMIT));
      }
      chat.update((state) => applyEvent(state, event));
    }),
    socket.onEvent("approval.*", (event) =>
      approvals.update((state) => applyApprovalEvent(state, event)),
    ),
    socket.onEvent("log", (event) => addLogLines([toLogLine(event.payload, event.timestamp)])),
    socket.onEvent("logs", (event) => addLogLines([toLogLine(event.payload, event.timestamp)])),
    socket.onState((state) => {
      if (state === "open") refreshApprovals(socket).catch(() => undefined);
    }),
    socket.onResync(() => {
      refreshApprovals(socket).catch(() => undefined);
    }),
  ];
  return () => offs.forEach((off) => off());
}
