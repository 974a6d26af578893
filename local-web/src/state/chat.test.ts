// @vitest-environment node
import { describe, expect, it } from "vitest";
import type { LiveEvent } from "../live/frames";
import { addUserMessage, applyEvent, type ChatState } from "./chat";

let seq = 0;
const ev = (event: string, payload: unknown, session: string | null = "s1"): LiveEvent => ({
  seq: ++seq,
  event,
  payload,
  session_id: session ?? undefined,
  timestamp: "2026-12-01T00:00:00Z",
});
const run = (state: ChatState, events: LiveEvent[]) => events.reduce(applyEvent, state);
const chunk = (content: string, done = false) => ev("session.message", { content, done });

describe("chat state", () => {
  it("streams a reply into one message and finishes it", () => {
    const s = run(addUserMessage({}, "s1", "hi"), [
      chunk("You "),
      chunk("said: hi"),
      chunk("", true),
    ]);
    expect(s.s1?.entries).toEqual([
      { kind: "user", key: "u0", text: "hi" },
      { kind: "assistant", key: "a1", text: "You said: hi", done: true, messageId: undefined },
    ]);
  });

  it("a chunk that arrives before the person's message is shown still joins its reply", () => {
    // The reply may start streaming before the answer to chat.send: the page shows the
    // message first, and chunks after a newer message keep going to the unfinished reply.
    let s = run({}, [chunk("first ")]);
    s = addUserMessage(s, "s1", "second question");
    s = run(s, [chunk("reply", true), chunk("next", true)]);
    const texts = s.s1?.entries.map((e) => (e.kind === "tool" ? e.card.state : e.text));
    expect(texts).toEqual(["first reply", "second question", "next"]);
  });

  it("a tool card goes requested, awaiting approval, running, done", () => {
    let s = run({}, [ev("tool.request", { tool: "fs:read_file", args: { path: "R" } })]);
    const card = () => s.s1?.entries.find((e) => e.kind === "tool");
    expect(card()).toMatchObject({ card: { state: "requested" } });
    s = run(s, [
      ev("approval.needed", { approval_id: "apr-1", tool: "fs:read_file", reason: "Allow" }),
    ]);
    expect(card()).toMatchObject({ card: { state: "awaiting approval", approvalId: "apr-1" } });
    s = run(s, [ev("approval.resolved", { approval_id: "apr-1", approved: true }, null)]);
    expect(card()).toMatchObject({ card: { state: "running" } });
    s = run(s, [
      ev("tool.executing", { tool: "fs:read_file" }),
      ev("tool.complete", { tool: "fs:read_file", ok: true, result: { content: "x" } }),
    ]);
    expect(card()).toMatchObject({ card: { state: "done", result: { content: "x" } } });
  });

  it("a denied or failed tool shows so", () => {
    let s = run({}, [
      ev("tool.request", { tool: "t" }),
      ev("approval.needed", { approval_id: "a", tool: "t" }),
      ev("approval.resolved", { approval_id: "a", approved: false }),
    ]);
    expect(s.s1?.entries[0]).toMatchObject({ card: { state: "denied" } });
    s = run(s, [
      ev("tool.request", { tool: "u" }),
      ev("tool.complete", { tool: "u", ok: false, error: "boom" }),
    ]);
    expect(s.s1?.entries[1]).toMatchObject({ card: { state: "failed", result: "boom" } });
  });

  it("replies keyed by message id never mix, and a runtime restart ends unfinished ones", () => {
    let s = run({}, [
      ev("session.message", { content: "a1 ", message_id: "m1" }),
      ev("session.message", { content: "b1 ", message_id: "m2" }),
      ev("session.message", { content: "a2", message_id: "m1", done: true }),
    ]);
    expect(s.s1?.entries.map((e) => e.kind !== "tool" && e.text)).toEqual(["a1 a2", "b1 "]);
    s = run(s, [ev("runtime.status", { state: "restarting" }, null)]);
    expect(s.s1?.entries.every((e) => e.kind !== "assistant" || e.done)).toBe(true);
  });

  it("ignores events it does not know and events of no session", () => {
    const s = run({}, [ev("config.changed", {}, null), ev("trace.event", { x: 1 })]);
    expect(s).toEqual({});
  });
});
