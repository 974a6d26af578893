// Pending approvals from every session, approve/deny, and the recent decisions.
import { useState } from "react";
import { describe } from "../api/client";
import { ApprovalButtons, resolveApproval } from "../components/ApprovalButtons";
import { Badge } from "../components/Badge";
import { Json } from "../components/Json";
import { Empty } from "../components/Notes";
import type { Approval } from "../state/approvals";
import { approvals } from "../state/live";
import { useStore } from "../state/store";
import { clock } from "./Dashboard";

/** The approvals page. */
export function ApprovalsPage() {
  const { pending, recent } = useStore(approvals);
  return (
    <div className="grid">
      <section className="card wide" aria-labelledby="pending-h">
        <h2 id="pending-h">Waiting for you ({pending.length})</h2>
        {pending.length === 0 ? (
          <Empty>
            Nothing is waiting. When the agent asks to use a tool, the request shows here and in the
            chat.
          </Empty>
        ) : (
          <ul className="list">
            {pending.map((approval) => (
              <PendingRow key={approval.approval_id} approval={approval} />
            ))}
          </ul>
        )}
      </section>
      <section className="card wide" aria-labelledby="recent-h">
        <h2 id="recent-h">Recent decisions</h2>
        {recent.length === 0 ? (
          <Empty>No decisions since this page was opened.</Empty>
        ) : (
          <ul className="feed">
            {recent.map((d) => (
              <li key={d.approval_id}>
                <time dateTime={d.at}>{clock(d.at)}</time>
                <code>{d.tool ?? d.approval_id}</code>
                <Badge
                  label={d.timed_out ? "timed out" : d.approved ? "approved" : "denied"}
                  tone={d.approved ? "ok" : "bad"}
                />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function PendingRow({ approval }: { approval: Approval }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const resolve = async (approved: boolean) => {
    setBusy(true);
    setProblem(null);
    try {
      await resolveApproval(approval.approval_id, approved);
    } catch (error) {
      setProblem(describe(error));
      setBusy(false);
    }
  };
  return (
    <li className="row">
      <p>
        <code>{approval.tool ?? "a tool"}</code>
        {approval.session_id && <span className="muted"> in session {approval.session_id}</span>}
      </p>
      {approval.reason && <p>{approval.reason}</p>}
      {approval.intent && <p className="muted">Why: {approval.intent}</p>}
      <Json value={approval.args ?? {}} label="Arguments" />
      <ApprovalButtons busy={busy} onResolve={(approved) => void resolve(approved)} />
      {problem && <p className="error-text">{problem}</p>}
    </li>
  );
}
