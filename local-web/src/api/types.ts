// Names for the schemas of the host's OpenAPI document (src/api/schema.d.ts is generated from
// openapi.json by `npm run gen:api`; `npm run check:api` proves it matches the live host).
import type { components } from "./schema";

type Schemas = components["schemas"];

/** The config as the host describes it: its known keys typed, any other key allowed. */
export type ConfigSchema = Schemas["Config"];
/** A config document being edited: whatever the person typed; the host checks it on save. */
export type ConfigDocument = Record<string, unknown>;
export type ConfigView = Schemas["ConfigView"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type HealthReply = Schemas["HealthReply"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type HistoryList = Schemas["HistoryList"];
export type HistoryView = Schemas["HistoryView"];
export type LoginCode = Schemas["LoginCode"];
export type McpTool = Schemas["McpTool"];
export type Model = Schemas["Model"];
export type PortHealth = Schemas["PortHealth"];
export type Provider = Schemas["Provider"];
export type RuntimeState = Schemas["RuntimeState"];
export type RuntimeStatus = Schemas["RuntimeStatus"];
export type Skill = Schemas["Skill"];

/** One failing field of a `422 config_invalid`: `details.fields[]`. */
export interface FieldError {
  path: string;
  message: string;
}
