// Debian's Chromium driven by playwright-core, with the flags that work in a sandbox-less CI.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

/** Chromium with a fresh, empty profile (playwright gives every launch a new temporary
 * --user-data-dir of its own). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Serious and critical axe-core violations on the page now (evaluated outside the CSP). */
export async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join("; ")}`,
    );
}

/** Collects console errors and page errors; `unexpected()` lists those not allowed.
 * `whileHostDown` are allowed only while `hostDown()` says the test stopped the host. */
export function watchConsole(page, allowed = [], whileHostDown = [], hostDown = () => false) {
  const seen = [];
  page.on("console", (m) => {
    if (m.type() !== "error" && m.type() !== "warning") return;
    const text = `${m.type()}: ${m.text()}`;
    if (hostDown() && whileHostDown.some((re) => re.test(text))) return;
    seen.push(text);
  });
  page.on("pageerror", (e) => seen.push(`pageerror: ${e.message}`));
  return {
    unexpected: () => seen.filter((s) => !allowed.some((re) => re.test(s))),
    all: () => [...seen],
  };
}
