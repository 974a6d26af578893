// @vitest-environment node
import { describe, expect, it } from "vitest";
import { changedKeys, fromInput, mergePatch, REDACTED, toInput } from "./fields";

describe("config helpers", () => {
  it("a merge patch carries exactly my changes, null for a removed key", () => {
    const base = { a: 1, b: { x: 1 }, c: "keep", gone: true };
    const mine = { a: 2, b: { x: 1 }, c: "keep", added: [1] };
    expect(changedKeys(base, mine)).toEqual(["a", "added", "gone"]);
    expect(mergePatch(base, mine)).toEqual({ a: 2, added: [1], gone: null });
  });

  it("fields convert between text and values; a stored secret shows empty", () => {
    expect(fromInput("list", " a \n\nb")).toEqual(["a", "b"]);
    expect(toInput("list", ["a", "b"])).toBe("a\nb");
    expect(fromInput("number", "42")).toBe(42);
    expect(fromInput("number", "lots")).toBe("lots"); // the host names the field
    expect(fromInput("number", "")).toBeNull();
    expect(toInput("secret", REDACTED)).toBe("");
    expect(toInput("text", null)).toBe("");
  });
});
