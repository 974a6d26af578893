// What this host offers beyond the routes the UI was built against: read once from the live
// OpenAPI document, so pages for routes still in flight (logs, typed agent routes) light up
// when a host has them and explain themselves when it does not.

export interface Features {
  /** `GET /api/v1/logs` (the telemetry work). */
  logs: boolean;
  /** Typed agent routes (`/api/v1/sessions`, `/api/v1/approvals`; the compatibility work). */
  agentRoutes: boolean;
}

let cached: Promise<Features> | null = null;

/** Which optional routes the host's OpenAPI document lists. */
export function features(): Promise<Features> {
  cached ??= fetch("/api/v1/openapi.json", { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : { paths: {} }))
    .then((doc: { paths?: Record<string, unknown> }) => featuresOf(Object.keys(doc.paths ?? {})))
    .catch(() => {
      cached = null;
      return featuresOf([]);
    });
  return cached;
}

/** The features a document listing `paths` offers. */
export function featuresOf(paths: string[]): Features {
  return {
    logs: paths.includes("/api/v1/logs"),
    agentRoutes: paths.includes("/api/v1/sessions") && paths.includes("/api/v1/approvals"),
  };
}
