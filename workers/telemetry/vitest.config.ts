import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** Keys the tests (and run-local.sh) use; never a real deployment's. */
export const TEST_INGEST_KEY = "test-ingest-key-0123456789";
export const TEST_READ_KEY = "test-read-key-0123456789";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { INGEST_KEY: TEST_INGEST_KEY, READ_KEY: TEST_READ_KEY },
        // A second, real limiter with a tiny budget, swapped in by the throttling test.
        ratelimits: { TIGHT_LIMITER: { simple: { limit: 2, period: 60 } } },
      },
    }),
  ],
  test: {
    testTimeout: 20_000,
  },
});
