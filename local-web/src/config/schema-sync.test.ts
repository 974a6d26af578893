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
    // `const NAME_KEYS: &[(&str, Shape)] = &[ ... ];` lists the keys of a section.
    const sectionKeys = new Map<string, string>();
    for (const [, name, body] of source.matchAll(
      /const (\w+): &\[\(&str, Shape\)\] = &\[([^;]*)\];/g,
    )) {
      if (name !== undefined && body !== undefined) sectionKeys.set(name, body);
    }
    const known: { key: string; kind: string }[] = [];
    for (const [, key, shape, arg] of source.matchAll(
      /\(\s*"([a-z_]+)",\s*Shape::(\w+)(?:\((\w+)\))?/g,
    )) {
      if (key === undefined) continue;
      if (shape === "Section") {
        const body = sectionKeys.get(arg ?? "") ?? "";
        for (const [, inner, innerShape] of body.matchAll(/\(\s*"([a-z_]+)",\s*Shape::(\w+)/g)) {
          known.push({
            key: `${key}.${inner}`,
            kind: KIND_OF_SHAPE[innerShape ?? ""] ?? `unmapped shape ${innerShape}`,
          });
        }
        continue;
      }
      known.push({ key, kind: KIND_OF_SHAPE[shape ?? ""] ?? `unmapped shape ${shape}` });
    }
    // Keys of a section appear once more, bare, in the section's own list: drop those.
    const sectionInner = new Set(
      known.filter((k) => k.key.includes(".")).map((k) => k.key.split(".").slice(1).join(".")),
    );
    const topLevel = known.filter((k) => k.key.includes(".") || !sectionInner.has(k.key));
    expect(topLevel.length).toBeGreaterThan(20);
    // Every non-secret field is a key the host checks; a secret field the host also checks
    // (as text, e.g. telemetry.ingest_key) counts with kind text.
    const checked = new Set(topLevel.map((k) => k.key));
    const form = FIELDS.filter((f) => f.kind !== "secret" || checked.has(f.key)).map(
      ({ key, kind }) => ({ key, kind: kind === "secret" ? "text" : kind }),
    );
    const byKey = (a: { key?: string }, b: { key?: string }) =>
      (a.key ?? "").localeCompare(b.key ?? "");
    expect(form.sort(byKey)).toEqual(topLevel.sort(byKey));
  });
});
