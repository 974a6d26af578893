// Proves the committed openapi.json (and the types generated from it) match the live host's
// /api/v1/openapi.json. Usage: node scripts/check-api.mjs <url-of-openapi.json> <token-file>.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, tokenFile] = process.argv.slice(2);
if (!url || !tokenFile) {
  console.error("usage: check-api.mjs <openapi url> <admin.token path>");
  process.exit(2);
}
const token = readFileSync(tokenFile, "utf8").trim();
const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
if (!response.ok) throw new Error(`${url} answered ${response.status}`);
const live = JSON.stringify(await response.json(), null, 2) + "\n";
const committed = readFileSync("openapi.json", "utf8");
const dir = mkdtempSync(join(tmpdir(), "pryx-api-"));
try {
  writeFileSync(join(dir, "openapi.json"), live);
  execFileSync(
    "npx",
    [
      "openapi-typescript",
      join(dir, "openapi.json"),
      "--empty-objects-unknown",
      "-o",
      join(dir, "schema.d.ts"),
    ],
    { stdio: "ignore" },
  );
  const typesCurrent =
    readFileSync(join(dir, "schema.d.ts"), "utf8") === readFileSync("src/api/schema.d.ts", "utf8");
  if (JSON.stringify(JSON.parse(committed)) !== JSON.stringify(JSON.parse(live)) || !typesCurrent) {
    writeFileSync("openapi.live.json", live);
    console.error(
      "the host's OpenAPI document differs from local-web/openapi.json (live copy: local-web/openapi.live.json).",
    );
    console.error(
      "Update it: cp openapi.live.json openapi.json && npm run gen:api, then fix what no longer type-checks.",
    );
    process.exitCode = 1;
  } else {
    console.log("the typed API client matches the live OpenAPI document");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
