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
  | { kind: "user"; key: string; text: string }
  | { kind: "assistant"; key: string; text: string; done: boolean }
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
    return state;
  }
  const payload = record(event.payload);
  switch (event.event) {
    case "session.typing":
      return withSession(state, session, (s) => ({ ...s, typing: payload.typing === true }));
    case "session.message":
      return withSession(state, session, (s) =>
        appendChunk(s, text(payload.content), payload.done === true),
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

function appendChunk(s: SessionChat, chunk: string, done: boolean): SessionChat {
  const last = s.entries[s.entries.length - 1];
  if (last?.kind === "assistant" && !last.done) {
    const entries = [...s.entries];
    entries[entries.length - 1] = { ...last, text: last.text + chunk, done };
    return { entries, typing: done ? false : s.typing };
  }
  if (chunk === "" && done) return { ...s, typing: false };
  return {
    typing: done ? false : s.typing,
    entries: [...s.entries, { kind: "assistant", key: `a${s.entries.length}`, text: chunk, done }],
  };
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
