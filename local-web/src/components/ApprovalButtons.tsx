// Approve and Deny for one pending approval, and the call that answers it (the Approvals page's
// rows and the chat's tool cards both use them).
import { call } from "../api/client";

/** Answers approval `id` through `POST /api/v1/approvals/{id}/resolve`. */
export async function resolveApproval(id: string, approved: boolean): Promise<void> {
  await call("post", "/api/v1/approvals/{id}/resolve", { approved }, { params: { id } });
}

/** The two buttons; both are disabled while `busy`. */
export function ApprovalButtons(props: { busy: boolean; onResolve: (approved: boolean) => void }) {
  return (
    <div className="actions">
      <button
        type="button"
        className="primary"
        disabled={props.busy}
        onClick={() => props.onResolve(true)}
      >
        Approve
      </button>
      <button type="button" disabled={props.busy} onClick={() => props.onResolve(false)}>
        Deny
      </button>
    </div>
  );
}
