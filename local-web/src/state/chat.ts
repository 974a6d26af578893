// Chat state built from live events: per session, the messages (the reply streaming in) and
// the tool calls as cards (requested -> awaiting approval -> running -> done/failed).
import type { LiveEvent } from "../live/frames";

export type ToolState =
  "requested" | "awaiting approval" | "running" | "done" | "failed" | "denied";

export interface ToolCard {
  key: string;
  tool: string;
  args: unknown;
  state: ToolState;
  result?: unknown;
  approvalId?: string;
  reason?: string;
}

export type Entry =
  | { kind: "user"; key: string; text: string; failed?: boolean }
  | { kind: "assistant"; key: string; text: string; done: boolean; messageId?: string }
  | { kind: "tool"; key: string; card: ToolCard };

export interface SessionChat {
  entries: Entry[];
  typing: boolean;
}

export type ChatState = Record<string, SessionChat>;

const EMPTY: SessionChat = { entries: [], typing: false };

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function withSession(state: ChatState, id: string, change: (s: SessionChat) => SessionChat) {
  return { ...state, [id]: change(state[id] ?? EMPTY) };
}

/** Adds the person's own message to `session`. */
export function addUserMessage(state: ChatState, session: string, content: string): ChatState {
  return withSession(state, session, (s) => ({
    ...s,
    entries: [...s.entries, { kind: "user", key: `u${s.entries.length}`, text: content }],
  }));
}

/** Marks the person's message `key` in `session` as not delivered. */
export function markUserFailed(state: ChatState, session: string, key: string): ChatState {
  return withSession(state, session, (s) => ({
    ...s,
    entries: s.entries.map((e) =>
      e.kind === "user" && e.key === key ? { ...e, failed: true } : e,
    ),
  }));
}

/** The key the next entry of `session` gets. */
export function nextKey(state: ChatState, session: string, prefix: string): string {
  return `${prefix}${(state[session] ?? EMPTY).entries.length}`;
}

/** Updates the last tool card of `tool` that is not finished. */
function updateCard(s: SessionChat, match: (card: ToolCard) => boolean, change: Partial<ToolCard>) {
  for (let i = s.entries.length - 1; i >= 0; i--) {
    const entry = s.entries[i];
    if (entry?.kind === "tool" && match(entry.card)) {
      const entries = [...s.entries];
      entries[i] = { ...entry, card: { ...entry.card, ...change } };
      return { ...s, entries };
    }
  }
  return s;
}

const open = (card: ToolCard) => card.state !== "done" && card.state !== "failed";

/** The chat state after `event` (events of other kinds leave it unchanged). */
export function applyEvent(state: ChatState, event: LiveEvent): ChatState {
  const session = event.session_id;
  if (session === undefined) {
    if (event.event === "approval.resolved") return resolveAnywhere(state, event.payload);
    if (event.event === "runtime.status" && record(event.payload).state !== "ready") {
      return interruptAll(state);
    }
    return state;
  }
  const payload = record(event.payload);
  switch (event.event) {
    case "session.typing":
      return withSession(state, session, (s) => ({ ...s, typing: payload.typing === true }));
    case "session.message":
      return withSession(state, session, (s) =>
        appendChunk(
          s,
          text(payload.content),
          payload.done === true,
          typeof payload.message_id === "string" ? payload.message_id : undefined,
        ),
      );
    case "tool.request":
      return withSession(state, session, (s) => ({
        ...s,
        entries: [
          ...s.entries,
          {
            kind: "tool",
            key: `t${s.entries.length}`,
            card: {
              key: `t${s.entries.length}`,
              tool: text(payload.tool),
              args: payload.args,
              state: "requested",
            },
          },
        ],
      }));
    case "approval.needed":
      return withSession(state, session, (s) =>
        updateCard(s, (c) => open(c) && c.tool === text(payload.tool), {
          state: "awaiting approval",
          approvalId: text(payload.approval_id),
          reason: text(payload.reason),
        }),
      );
    case "approval.resolved":
      return resolveAnywhere(state, event.payload);
    case "tool.executing":
      return withSession(state, session, (s) =>
        updateCard(s, (c) => open(c) && c.tool === text(payload.tool), { state: "running" }),
      );
    case "tool.complete":
      return withSession(state, session, (s) =>
        updateCard(s, (c) => open(c) && c.tool === text(payload.tool), {
          state: payload.ok === false ? "failed" : "done",
          result: payload.result ?? payload.error,
        }),
      );
    default:
      return state;
  }
}

function appendChunk(
  s: SessionChat,
  chunk: string,
  done: boolean,
  messageId?: string,
): SessionChat {
  // The reply this chunk belongs to: the one with its message id when the runtime sends ids;
  // else the oldest unfinished one, so a reply still streaming keeps its chunks even after the
  // person sent the next message.
  const at = s.entries.findIndex(
    (e) =>
      e.kind === "assistant" && (messageId !== undefined ? e.messageId === messageId : !e.done),
  );
  const entry = s.entries[at];
  if (entry?.kind === "assistant") {
    const entries = [...s.entries];
    entries[at] = { ...entry, text: entry.text + chunk, done };
    return { entries, typing: done ? false : s.typing };
  }
  if (chunk === "" && done) return { ...s, typing: false };
  const key = `a${s.entries.length}`;
  return {
    typing: done ? false : s.typing,
    entries: [...s.entries, { kind: "assistant", key, text: chunk, done, messageId }],
  };
}

/** Every reply still streaming marked finished (the runtime restarted: it will not finish). */
function interruptAll(state: ChatState): ChatState {
  let next = state;
  for (const [session, s] of Object.entries(state)) {
    if (!s.entries.some((e) => e.kind === "assistant" && !e.done)) continue;
    const entries = s.entries.map((e) =>
      e.kind === "assistant" && !e.done ? { ...e, done: true } : e,
    );
    next = { ...next, [session]: { entries, typing: false } };
  }
  return next;
}

function resolveAnywhere(state: ChatState, payload: unknown): ChatState {
  const p = record(payload);
  const id = text(p.approval_id);
  if (id === "") return state;
  let next = state;
  for (const [session, s] of Object.entries(state)) {
    const updated = updateCard(s, (c) => c.approvalId === id && c.state === "awaiting approval", {
      state: p.approved === true ? "running" : "denied",
    });
    if (updated !== s) next = { ...next, [session]: updated };
  }
  return next;
}
