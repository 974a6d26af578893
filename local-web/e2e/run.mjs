// End-to-end: the real pryx-core with the reference runtime, driven in Debian's Chromium.
// Screenshots of every page (two widths, light and dark) go to target/ui-artifacts/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { axeViolations, launch, watchConsole } from "./browser.mjs";
import { makeDataDir, removeDataDir, startHost } from "./host.mjs";
import { scenarios } from "./scenarios.mjs";

const ARTIFACTS = resolve(import.meta.dirname, "../../target/ui-artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

// Statuses the scenarios provoke on purpose (a conflict, a validation error, a down runtime,
// the login page's probe) are logged by Chromium as failed resources; nothing else may be.
const ALLOWED = [
  /Failed to load resource: the server responded with a status of (409|422|503|401)/,
];
// While a scenario has stopped the host, the page's reconnects and probes fail.
const WHILE_HOST_DOWN = [/WebSocket connection to .* failed/, /Failed to load resource: net::ERR_/];
let hostDown = false;

const started = Date.now();
const dataDir = makeDataDir();
let host = await startHost({ dataDir });
// The typed client must match the live OpenAPI document of this very build.
execFileSync(
  "node",
  ["scripts/check-api.mjs", `${host.origin}/api/v1/openapi.json`, host.tokenFile],
  {
    cwd: resolve(import.meta.dirname, ".."),
    stdio: "inherit",
  },
);
const browser = await launch();
const results = [];
let failed = false;
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const consoleLog = watchConsole(page, ALLOWED, WHILE_HOST_DOWN, () => hostDown);
const ctx = {
  page,
  browser,
  get host() {
    return host;
  },
  stopHost: () => {
    hostDown = true; // until the run ends: the page keeps reconnecting for a while
    return host.stop();
  },
  startHost: async (port) => {
    host = await startHost({ dataDir, port });
  },
  artifacts: ARTIFACTS,
  axe: axeViolations,
  measurements: {},
  assert,
};
try {
  for (const [name, run] of scenarios) {
    const t0 = Date.now();
    try {
      await run(ctx);
      results.push(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (error) {
      failed = true;
      results.push(`FAIL ${name}: ${error.stack ?? error}`);
      await page
        .screenshot({
          path: join(ARTIFACTS, `FAILED-${name.replace(/\W+/g, "-")}.png`),
          fullPage: true,
        })
        .catch(() => {});
      break;
    }
  }
  const bad = consoleLog.unexpected();
  if (bad.length > 0) {
    failed = true;
    results.push(`FAIL no console errors: ${bad.join("\n  ")}`);
  } else {
    results.push("ok   no console errors");
  }
} finally {
  await browser.close();
  await host.stop();
  removeDataDir(dataDir);
}
console.log(results.join("\n"));
for (const [what, value] of Object.entries(ctx.measurements))
  console.log(`measured: ${what} = ${value}`);
console.log(
  `e2e took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`,
);
process.exit(failed ? 1 : 0);
