import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { Badge, toneOf } from "./Badge";
import { ErrorNote } from "./Notes";
import { Switch } from "./Switch";

afterEach(cleanup);

describe("components", () => {
  it("an error says what happened, its code and what to do", () => {
    render(<ErrorNote error={new ApiError(503, "runtime_unavailable", "no runtime")} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("no runtime");
    expect(alert.textContent).toContain("runtime_unavailable");
    expect(alert.textContent).toContain("restart it");
  });

  it("a switch is a labelled, keyboard-reachable checkbox that is off while busy", () => {
    const onChange = vi.fn();
    const { rerender } = render(
      <Switch checked={false} label="Enable weather" onChange={onChange} />,
    );
    const toggle = screen.getByRole("switch", { name: "Enable weather" });
    fireEvent.click(toggle);
    expect(onChange).toHaveBeenCalledWith(true);
    rerender(<Switch checked={false} busy label="Enable weather" onChange={onChange} />);
    expect((screen.getByRole("switch") as HTMLInputElement).disabled).toBe(true);
  });

  it("badges take the tone of the state they name", () => {
    expect(toneOf("ready")).toBe("ok");
    expect(toneOf("unresponsive")).toBe("bad");
    expect(toneOf("restarting")).toBe("warn");
    render(<Badge label="failed" />);
    expect(screen.getByText("failed").className).toBe("badge badge-bad");
  });
});
