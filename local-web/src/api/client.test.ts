// @vitest-environment node
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, call, get, onUnauthorized } from "./client";
import { featuresOf } from "./features";

afterEach(() => vi.unstubAllGlobals());

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  vi.fn(async () => new Response(body === null ? null : JSON.stringify(body), { status, headers }));

describe("API client", () => {
  it("sends If-Match quoted, fills path parameters and returns the ETag unquoted", async () => {
    const fetch = answer(200, { revision: "r2" }, { ETag: '"r2"' });
    vi.stubGlobal("fetch", fetch);
    const res = await call("post", "/api/v1/config/history/{id}/restore", undefined, {
      params: { id: "a/b" },
      ifMatch: "r1",
    });
    expect(res.etag).toBe("r2");
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/config/history/a%2Fb/restore");
    expect((init.headers as Record<string, string>)["If-Match"]).toBe('"r1"');
  });

  it("turns error bodies into ApiErrors with code, details and fields", async () => {
    vi.stubGlobal(
      "fetch",
      answer(422, {
        error: {
          code: "config_invalid",
          message: "bad",
          details: { fields: [{ path: "a", message: "m" }] },
        },
      }),
    );
    const error = await get("/api/v1/config").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: "config_invalid", message: "bad" });
    expect((error as ApiError).fields).toEqual([{ path: "a", message: "m" }]);
  });

  it("tells listeners about a 401 and names an unreachable host", async () => {
    const told = vi.fn();
    const off = onUnauthorized(told);
    vi.stubGlobal("fetch", answer(401, { error: { code: "unauthorized", message: "no" } }));
    await expect(get("/api/v1/skills")).rejects.toMatchObject({ code: "unauthorized" });
    expect(told).toHaveBeenCalledOnce();
    off();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("net"))),
    );
    await expect(get("/api/v1/skills")).rejects.toMatchObject({ code: "host_unreachable" });
  });

  it("features come from the paths of the OpenAPI document", () => {
    expect(featuresOf(["/api/v1/logs"])).toEqual({ logs: true, agentRoutes: false });
    expect(featuresOf(["/api/v1/sessions", "/api/v1/approvals"]).agentRoutes).toBe(true);
  });
});
