// @vitest-environment node
import { afterEach, describe, expect, it, vi } from "vitest";
import { codeFromFragment, codeFromInput, logIn } from "./auth";

afterEach(() => vi.unstubAllGlobals());

describe("login", () => {
  it("reads the code from the fragment or a pasted link", () => {
    expect(codeFromFragment("#login=abc123")).toBe("abc123");
    expect(codeFromFragment("#other")).toBeNull();
    expect(codeFromInput("  abc123 ")).toBe("abc123");
    expect(codeFromInput("http://127.0.0.1:42424/#login=xyz")).toBe("xyz");
  });

  it("posts the code and explains a refused one", async () => {
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ error: { code: "login_code_invalid", message: "no" } }), {
          status: 401,
        }),
    );
    vi.stubGlobal("fetch", fetch);
    await expect(logIn("abc")).rejects.toThrow(/expired/);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/auth/session");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ code: "abc" });
    await expect(logIn("")).rejects.toThrow(/Paste/);
  });
});
