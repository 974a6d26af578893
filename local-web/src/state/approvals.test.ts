// @vitest-environment node
import { describe, expect, it } from "vitest";
import { applyApprovalEvent, RECENT_LIMIT, withList, type ApprovalsState } from "./approvals";

const ev = (event: string, payload: unknown, session_id?: string) => ({
  seq: 1,
  event,
  payload,
  session_id,
  timestamp: "T",
});
const empty: ApprovalsState = { pending: [], recent: [] };

describe("approvals state", () => {
  it("adds a needed approval once and moves it to the decisions when resolved", () => {
    let s = applyApprovalEvent(
      empty,
      ev("approval.needed", { approval_id: "a", tool: "fs:write" }, "s1"),
    );
    s = applyApprovalEvent(s, ev("approval.needed", { approval_id: "a", tool: "fs:write" }, "s1"));
    expect(s.pending).toHaveLength(1);
    expect(s.pending[0]).toMatchObject({ session_id: "s1", tool: "fs:write" });
    s = applyApprovalEvent(
      s,
      ev("approval.resolved", { approval_id: "a", approved: false, timed_out: true }),
    );
    expect(s.pending).toEqual([]);
    expect(s.recent[0]).toMatchObject({
      approval_id: "a",
      tool: "fs:write",
      approved: false,
      timed_out: true,
    });
  });

  it("the host's list replaces the pending set; decisions are bounded", () => {
    let s = withList(empty, [{ approval_id: "x" }]);
    expect(s.pending.map((a) => a.approval_id)).toEqual(["x"]);
    for (let i = 0; i < RECENT_LIMIT + 5; i++)
      s = applyApprovalEvent(s, ev("approval.resolved", { approval_id: `r${i}`, approved: true }));
    expect(s.recent).toHaveLength(RECENT_LIMIT);
    expect(s.recent[0]?.approval_id).toBe(`r${RECENT_LIMIT + 4}`);
  });
});
