// Proves the committed dist/ is the build of the committed source: builds into a temporary
// directory and compares every file byte for byte (the .br/.gz too; zlib is deterministic).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { files } from "./compress.mjs";

const fresh = mkdtempSync(join(tmpdir(), "pryx-dist-"));
try {
  execFileSync("npx", ["vite", "build", "--logLevel", "error", "--outDir", fresh], {
    stdio: "inherit",
  });
  execFileSync("node", ["scripts/compress.mjs", fresh], { stdio: "inherit" });
  const list = (dir) =>
    files(dir)
      .map((f) => relative(dir, f))
      .sort();
  const want = list(fresh);
  const have = list("dist");
  const problems = [];
  for (const f of want) if (!have.includes(f)) problems.push(`missing in dist/: ${f}`);
  for (const f of have)
    if (!want.includes(f)) problems.push(`not built from the source: dist/${f}`);
  for (const f of want.filter((f) => have.includes(f))) {
    if (!readFileSync(join(fresh, f)).equals(readFileSync(join("dist", f))))
      problems.push(`differs: dist/${f}`);
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error(
      "dist/ is not the build of the committed source: run `npm run build` and commit dist/.",
    );
    process.exitCode = 1;
  } else {
    console.log(`dist/ is current (${want.length} files)`);
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
