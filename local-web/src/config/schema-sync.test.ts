// @vitest-environment node
// The form's field list must follow the keys the host validates (pryx-core-api
// config::schema): a key added there without a field here, or a changed shape, fails.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FIELDS, type FieldKind } from "./fields";

const SCHEMA = resolve(import.meta.dirname, "../../../crates/pryx-core-api/src/config/schema.rs");

const KIND_OF_SHAPE: Record<string, FieldKind> = {
  HostPort: "hostport",
  Text: "text",
  HttpUrl: "url",
  TextList: "list",
  OriginList: "list",
  Bool: "bool",
  Duration: "duration",
  Int: "number",
};

describe("config form fields", () => {
  it("cover every key the host validates, with the matching kind", () => {
    const source = readFileSync(SCHEMA, "utf8");
    const known = [...source.matchAll(/\(\s*"([a-z_]+)",\s*Shape::(\w+)/g)].map(
      ([, key, shape]) => ({
        key,
        kind: KIND_OF_SHAPE[shape ?? ""] ?? `unmapped shape ${shape}`,
      }),
    );
    expect(known.length).toBeGreaterThan(20);
    const form = FIELDS.filter((f) => f.kind !== "secret").map(({ key, kind }) => ({ key, kind }));
    const byKey = (a: { key?: string }, b: { key?: string }) =>
      (a.key ?? "").localeCompare(b.key ?? "");
    expect(form.sort(byKey)).toEqual(known.sort(byKey));
  });
});
