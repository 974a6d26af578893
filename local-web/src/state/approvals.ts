// Pending approvals from every session, and the recent decisions seen by this page.
import type { LiveEvent } from "../live/frames";

export interface Approval {
  approval_id: string;
  session_id?: string | null;
  tool?: string | null;
  reason?: string | null;
  intent?: string | null;
  args?: unknown;
}

export interface Decision {
  approval_id: string;
  tool?: string | null;
  approved: boolean;
  timed_out: boolean;
  at: string;
}

export interface ApprovalsState {
  pending: Approval[];
  recent: Decision[];
}

/** How many recent decisions are kept. */
export const RECENT_LIMIT = 50;

/** The state after the host's full list (from `approvals.list`). */
export function withList(state: ApprovalsState, list: Approval[]): ApprovalsState {
  return { ...state, pending: list };
}

/** The state after `event` (`approval.needed` / `approval.resolved`; others change nothing). */
export function applyApprovalEvent(state: ApprovalsState, event: LiveEvent): ApprovalsState {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  const id = typeof p.approval_id === "string" ? p.approval_id : null;
  if (id === null) return state;
  if (event.event === "approval.needed") {
    if (state.pending.some((a) => a.approval_id === id)) return state;
    const approval: Approval = {
      approval_id: id,
      session_id: event.session_id ?? null,
      tool: p.tool as string | null,
      reason: p.reason as string | null,
      intent: p.intent as string | null,
      args: p.args,
    };
    return { ...state, pending: [...state.pending, approval] };
  }
  if (event.event === "approval.resolved") {
    const was = state.pending.find((a) => a.approval_id === id);
    const decision: Decision = {
      approval_id: id,
      tool: was?.tool ?? null,
      approved: p.approved === true,
      timed_out: p.timed_out === true,
      at: event.timestamp,
    };
    return {
      pending: state.pending.filter((a) => a.approval_id !== id),
      recent: [decision, ...state.recent].slice(0, RECENT_LIMIT),
    };
  }
  return state;
}
