import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    /** The Worker's bindings plus the tests' extra limiter (see vitest.config.ts). */
    interface Env extends WorkerEnv {
      TIGHT_LIMITER: RateLimit;
    }
    /** Types `exports.default` from `cloudflare:workers` as the Worker's own entry point. */
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
