// Chat with the agent: sessions and messages through the typed API, the reply streaming in on
// /ws, tool calls as cards with inline approve/deny. Works across reconnects: the stores keep
// what arrived, the host replays what was missed.
import { useState, type FormEvent } from "react";
import { call, describe, get } from "../api/client";
import { ApprovalButtons, resolveApproval } from "../components/ApprovalButtons";
import { Badge } from "../components/Badge";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { useLinkState, useLiveEvent } from "../live/context";
import { useResource } from "../live/resource";
import { addUserMessage, markUserFailed, nextKey, type Entry, type ToolCard } from "../state/chat";
import { chat } from "../state/live";
import { Store, useStore } from "../state/store";
import { Json } from "../components/Json";

interface SessionSummary {
  id: string;
  title?: string;
}

/** A fresh session id for a new conversation. */
export function newSessionId(): string {
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The conversation shown, kept while the person visits other pages. */
const currentSession = new Store<string>(newSessionId());

/** The chat page. */
export function ChatPage() {
  const sessions = useResource(() => get("/api/v1/sessions"), ["runtime.status"]);
  // The list's message counts change when a reply is finished (not on every chunk).
  useLiveEvent("session.message", (event) => {
    if ((event.payload as { done?: boolean } | null)?.done === true) sessions.reload();
  });
  const current = useStore(currentSession);
  const setCurrent = (id: string) => currentSession.update(() => id);
  const state = useStore(chat);
  const known = new Map<string, SessionSummary>();
  (sessions.data?.sessions ?? []).forEach((s) => known.set(s.id, s));
  Object.keys(state).forEach((id) => known.has(id) || known.set(id, { id }));
  if (!known.has(current)) known.set(current, { id: current, title: "(new conversation)" });
  return (
    <div className="chat">
      <aside className="sessions" aria-label="Sessions">
        <button type="button" onClick={() => setCurrent(newSessionId())}>
          New conversation
        </button>
        {sessions.status === "loading" && <Loading what="sessions" />}
        {sessions.status === "error" && <ErrorNote error={sessions.error} />}
        <ul>
          {[...known.values()].map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className="link-button"
                aria-current={s.id === current ? "true" : undefined}
                onClick={() => setCurrent(s.id)}
              >
                {s.title ?? s.id}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <Conversation session={current} onSent={sessions.reload} />
    </div>
  );
}

function Conversation({ session, onSent }: { session: string; onSent: () => void }) {
  const link = useLinkState();
  const conversation = useStore(chat)[session];
  const [draft, setDraft] = useState("");
  // One reply at a time: today's runtime's chunks carry no message id (the reference runtime's
  // do), so two replies streaming at once in one session could not be told apart.
  const replying = (conversation?.entries ?? []).some((e) => e.kind === "assistant" && !e.done);
  const [problem, setProblem] = useState<unknown>(null);
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const content = draft.trim();
    if (content === "") return;
    setProblem(null);
    // Shown before sending: the reply may start streaming before the answer to the send.
    const key = nextKey(chat.get(), session, "u");
    chat.update((state) => addUserMessage(state, session, content));
    setDraft("");
    try {
      await call(
        "post",
        "/api/v1/sessions/{id}/messages",
        { content },
        { params: { id: session } },
      );
      onSent();
    } catch (error) {
      chat.update((state) => markUserFailed(state, session, key));
      setDraft(content);
      setProblem(error);
    }
  };
  return (
    <section className="conversation" aria-label={`Conversation ${session}`}>
      <ol className="messages" aria-live="polite">
        {(conversation?.entries ?? []).map((entry) => (
          <EntryView key={entry.key} entry={entry} />
        ))}
      </ol>
      {(conversation?.entries.length ?? 0) === 0 && (
        <Empty>Say something to the agent. Ask it to “use tool” to see an approval.</Empty>
      )}
      {conversation?.typing && (
        <p className="muted" role="status">
          The agent is writing…
        </p>
      )}
      {problem !== null && <ErrorNote error={problem} />}
      <form className="composer" onSubmit={(e) => void send(e)}>
        <label className="visually-hidden" htmlFor="composer">
          Message
        </label>
        <textarea
          id="composer"
          rows={2}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
          placeholder="Message the agent (Enter sends, Shift+Enter for a new line)"
        />
        <button type="submit" className="primary" disabled={link !== "open" || replying}>
          Send
        </button>
      </form>
    </section>
  );
}

function EntryView({ entry }: { entry: Entry }) {
  if (entry.kind === "tool") return <ToolCardView card={entry.card} />;
  return (
    <li className={`message message-${entry.kind}`}>
      <span className="visually-hidden">{entry.kind === "user" ? "You" : "Agent"}: </span>
      {entry.text}
      {entry.kind === "assistant" && !entry.done && <span className="cursor" aria-hidden="true" />}
      {entry.kind === "user" && entry.failed && <span className="error-text"> (not sent)</span>}
    </li>
  );
}

function ToolCardView({ card }: { card: ToolCard }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const resolve = async (approved: boolean) => {
    setBusy(true);
    try {
      if (card.approvalId === undefined) return;
      await resolveApproval(card.approvalId, approved);
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="tool-card" data-state={card.state}>
      <p>
        <strong>Tool</strong> <code>{card.tool}</code> <Badge label={card.state} />
      </p>
      {card.reason && <p>{card.reason}</p>}
      <Json value={card.args} label={`Arguments of ${card.tool}`} />
      {card.state === "awaiting approval" && card.approvalId && (
        <ApprovalButtons busy={busy} onResolve={(approved) => void resolve(approved)} />
      )}
      {card.result !== undefined && <Json value={card.result} label={`Result of ${card.tool}`} />}
      {problem && <p className="error-text">{problem}</p>}
    </li>
  );
}
