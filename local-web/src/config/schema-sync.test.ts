// @vitest-environment node
// The form's field list must follow the keys the host validates, as its OpenAPI document
// publishes them (the `Config` schema of openapi.json, which `npm run check:api` proves equal to
// the live host's): a key added there without a field here, or a changed shape, fails.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FIELDS, type FieldKind } from "./fields";

const OPENAPI = resolve(import.meta.dirname, "../../openapi.json");

interface PropertySchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: (string | null)[];
  properties?: Record<string, PropertySchema>;
}

/** The form's kind for a property of the host's schema. */
function kindOf(schema: PropertySchema): FieldKind | string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum) return "choice";
  if (types.includes("boolean")) return "bool";
  if (types.includes("integer")) return "number";
  if (types.includes("array")) return "list";
  if (types.includes("string")) {
    if (schema.format === "uri") return "url";
    if (schema.pattern?.includes(":")) return "hostport";
    if (schema.pattern?.includes("ms|s|m|h")) return "duration";
    return "text";
  }
  return `unmapped schema ${JSON.stringify(schema)}`;
}

/** Every known key (a section's keys dotted under it) with its kind. */
function knownKeys(properties: Record<string, PropertySchema>, prefix = "") {
  const out: { key: string; kind: string }[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    if (schema.properties) out.push(...knownKeys(schema.properties, `${prefix}${name}.`));
    else out.push({ key: `${prefix}${name}`, kind: kindOf(schema) });
  }
  return out;
}

describe("config form fields", () => {
  it("cover every key the host validates, with the matching kind and choices", () => {
    const doc = JSON.parse(readFileSync(OPENAPI, "utf8")) as {
      components: { schemas: { Config: { properties: Record<string, PropertySchema> } } };
    };
    const config = doc.components.schemas.Config;
    const known = knownKeys(config.properties);
    expect(known.length).toBeGreaterThan(20);
    // Every non-secret field is a key the host checks; a secret field the host also checks
    // (as text, e.g. telemetry.ingest_key) counts with kind text.
    const checked = new Set(known.map((k) => k.key));
    const form = FIELDS.filter((f) => f.kind !== "secret" || checked.has(f.key)).map(
      ({ key, kind }) => ({ key, kind: kind === "secret" ? "text" : kind }),
    );
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect(form.sort(byKey)).toEqual(known.sort(byKey));
    // A choice offers what the host accepts.
    const compression = config.properties.telemetry?.properties?.compression;
    const field = FIELDS.find((f) => f.key === "telemetry.compression");
    expect(field?.options).toEqual(compression?.enum?.filter((v) => v !== null));
  });
});
