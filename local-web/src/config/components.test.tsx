import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigForm } from "./ConfigForm";
import { ConflictView } from "./Conflict";
import { REDACTED } from "./fields";

afterEach(cleanup);

describe("ConfigForm", () => {
  it("shows a validation error next to the field it names", () => {
    render(
      <ConfigForm
        draft={{ max_websocket_connections: "lots" }}
        errors={[{ path: "max_websocket_connections", message: "must be a whole number" }]}
        onChange={() => {}}
      />,
    );
    const input = screen.getByLabelText(/Max WebSocket connections/);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const error = document.getElementById(input.getAttribute("aria-describedby") ?? "");
    expect(error?.textContent).toBe("must be a whole number");
  });

  it("keeps a stored secret as the marker until the person types a new one", () => {
    const onChange = vi.fn();
    render(<ConfigForm draft={{ telegram_token: REDACTED }} errors={[]} onChange={onChange} />);
    const input = screen.getByLabelText(/Telegram bot token/) as HTMLInputElement;
    expect(input.value).toBe("");
    expect(input.type).toBe("password");
    expect(input.placeholder).toMatch(/stored/);
    fireEvent.change(input, { target: { value: "new-token" } });
    expect(onChange).toHaveBeenLastCalledWith({ telegram_token: "new-token" });
  });
});

describe("ConflictView", () => {
  it("shows both versions of every key that differs and offers both ways out", () => {
    const apply = vi.fn();
    const take = vi.fn();
    render(
      <ConflictView
        base={{ model_name: "a", other: 1 }}
        mine={{ model_name: "mine", other: 1 }}
        theirs={{
          revision: "r2",
          persisted: true,
          redacted: [],
          config: { model_name: "theirs", other: 2 },
        }}
        busy={false}
        onApplyMine={apply}
        onTakeTheirs={take}
      />,
    );
    const row = screen.getByText("model_name").closest("tr");
    expect(row?.textContent).toContain('"mine"');
    expect(row?.textContent).toContain('"theirs"');
    expect(row?.className).toBe("clash");
    expect(screen.getByText("other").closest("tr")?.textContent).toContain("2");
    fireEvent.click(screen.getByRole("button", { name: /Apply my changes/ }));
    fireEvent.click(screen.getByRole("button", { name: /Discard mine/ }));
    expect(apply).toHaveBeenCalledOnce();
    expect(take).toHaveBeenCalledOnce();
  });
});
