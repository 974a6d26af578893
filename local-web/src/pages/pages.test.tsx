import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Skill } from "../api/types";
import { LiveProvider } from "../live/context";
import { LiveSocket } from "../live/socket";
import { SkillsPage, skillMatches } from "./Skills";

const skill = (id: string, extra: Partial<Skill> = {}): Skill => ({
  id,
  source: "managed",
  name: id,
  enabled: false,
  eligible: true,
  requires: { bins: [], env: [] },
  missing: { bins: [], env: [] },
  ...extra,
});

const skills = [
  skill("weather", { description: "Tells the weather" }),
  skill("git-helper", { eligible: false, missing: { bins: ["git-lfs"], env: [] } }),
  skill("broken", { eligible: false, error: "front matter is not YAML" }),
];

beforeEach(() => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      if (url === "/api/v1/skills") return new Response(JSON.stringify({ skills }));
      if (url === "/api/v1/skills/weather/enable")
        return new Response(JSON.stringify({ ...skills[0], enabled: true }));
      return new Response("{}", { status: 404 });
    }),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const page = () =>
  render(
    <LiveProvider
      socket={new LiveSocket({ WebSocketImpl: class {} as unknown as typeof WebSocket })}
    >
      <SkillsPage />
    </LiveProvider>,
  );

describe("Skills page", () => {
  it("lists skills with why one cannot be used and the error of a broken one", async () => {
    page();
    await screen.findByRole("button", { name: "weather" });
    expect(screen.getByText(/missing program git-lfs/)).toBeTruthy();
    expect(screen.getByText(/Cannot be read: front matter is not YAML/)).toBeTruthy();
  });

  it("searches and toggles", async () => {
    page();
    await screen.findByRole("button", { name: "weather" });
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "weath" } });
    expect(screen.queryByRole("button", { name: "git-helper" })).toBeNull();
    fireEvent.click(screen.getByRole("switch", { name: "Enable weather" }));
    await waitFor(() =>
      expect(
        vi.mocked(fetch).mock.calls.some(([url]) => url === "/api/v1/skills/weather/enable"),
      ).toBe(true),
    );
  });

  it("matches on id, name, title and description", () => {
    expect(skillMatches(skills[0] as Skill, "WEATHER")).toBe(true);
    expect(skillMatches(skills[0] as Skill, "tells")).toBe(true);
    expect(skillMatches(skills[0] as Skill, "git")).toBe(false);
  });
});
