// @vitest-environment node
import { describe, expect, it } from "vitest";
import { atLeast, lineText, toLogLine } from "./logs";

describe("log lines", () => {
  it("reads the usual field names of a log record", () => {
    expect(
      toLogLine({ level: "WARNING", msg: "disk", target: "pryx_store", ts: "T1" }, "T0"),
    ).toEqual({
      timestamp: "T1",
      level: "warn",
      source: "pryx_store",
      message: "disk",
      fields: undefined,
    });
    const line = toLogLine({ message: "m", source: "runtime", fields: { pid: 1 } }, "T0");
    expect(line).toMatchObject({
      timestamp: "T0",
      level: "info",
      source: "runtime",
      fields: { pid: 1 },
    });
    expect(toLogLine("plain text", "T0").message).toBe("plain text");
  });

  it("filters by minimum level and formats a line for copying", () => {
    const warn = toLogLine({ level: "warn", message: "w" }, "T");
    expect(atLeast(warn, "info")).toBe(true);
    expect(atLeast(warn, "error")).toBe(false);
    expect(lineText(warn)).toBe("T WARN host w");
  });
});

describe("the dashboard's feed", () => {
  it("leaves log lines to the Logs page", async () => {
    const { isLogEvent } = await import("./live");
    expect(isLogEvent("log")).toBe(true);
    expect(isLogEvent("logs")).toBe(true);
    expect(isLogEvent("config.changed")).toBe(false);
    expect(isLogEvent("login.ok")).toBe(false);
  });
});
