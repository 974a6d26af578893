// Fails when the initial JS + CSS that index.html loads weighs more than the budget,
// compressed (brotli, as a browser gets it from the host).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const dir = process.argv[2] ?? "dist";
const html = readFileSync(join(dir, "index.html"), "utf8");
const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let total = 0;
for (const asset of assets) {
  const size = brotliCompressSync(readFileSync(join(dir, asset))).length;
  total += size;
  console.log(`${asset}: ${(size / 1024).toFixed(1)} KB compressed`);
}
console.log(
  `initial JS + CSS: ${(total / 1024).toFixed(1)} KB compressed (budget ${BUDGET_BYTES / 1024} KB)`,
);
if (assets.length === 0) {
  console.error("index.html loads no assets: is this a build?");
  process.exit(1);
}
if (total > BUDGET_BYTES) {
  console.error("over budget");
  process.exit(1);
}
