/**
 * Secrets and home paths found by their shape inside free text: well-known credential formats
 * (`sk-…`, `ghp_…`, `xoxb-…`, `AKIA…`, JWTs, PEM private keys), the word after `Bearer` or
 * `Basic`, `name=value` pairs whose name is a secret key, URLs that carry a credential, and
 * `/home/<user>`, `/Users/<user>`, `C:\Users\<user>` prefixes.
 */

import { isSecretKey } from "./secret-keys";

/** What replaces a secret: the host's marker. */
export const REDACTED = "<redacted>";
/** What replaces a home directory prefix. */
export const HOME = "~";

/** Characters that end a word besides whitespace. */
const DELIMITERS = /["'`<>()[\]{},;|]/;

const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

function prefixed(word: string, prefix: string, min: number, needsDigit = false): boolean {
  if (!word.startsWith(prefix)) return false;
  const rest = word.slice(prefix.length);
  return rest.length >= min && TOKEN_CHARS.test(rest) && (!needsDigit || /\d/.test(rest));
}

const PREFIXES: ReadonlyArray<[string, number, boolean?]> = [
  ["sk-", 20, true],
  ["sk_live_", 16],
  ["sk_test_", 16],
  ["rk_live_", 16],
  ["ghp_", 20],
  ["gho_", 20],
  ["ghu_", 20],
  ["ghs_", 20],
  ["ghr_", 20],
  ["github_pat_", 20],
  ["glpat-", 20],
  ["xoxa-", 10],
  ["xoxb-", 10],
  ["xoxp-", 10],
  ["xoxr-", 10],
  ["xoxs-", 10],
  ["xoxe-", 10],
  ["xapp-", 10],
  ["hf_", 30],
  ["npm_", 30],
  ["AIza", 30],
];

function isJwt(word: string): boolean {
  const parts = word.split(".");
  return (
    parts.length === 3 &&
    (parts[0] ?? "").startsWith("eyJ") &&
    (parts[0] ?? "").length >= 10 &&
    (parts[1] ?? "").length >= 10 &&
    parts.every((part) => /^[A-Za-z0-9_=-]+$/.test(part))
  );
}

/** A URL with userinfo (`user:pass@host`) or a query parameter named like a secret. */
export function isCredentialUrl(word: string): boolean {
  const match = /^([A-Za-z0-9+.-]+):\/\/(.*)$/.exec(word);
  const rest = match?.[2];
  if (rest === undefined) return false;
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  if (authority.includes("@")) return true;
  const queryStart = rest.indexOf("?");
  if (queryStart === -1) return false;
  const query = rest.slice(queryStart + 1).split("#")[0] ?? "";
  return query.split(/[&;]/).some((pair) => {
    const name = pair.split("=")[0] ?? "";
    return (
      name !== "" &&
      (isSecretKey(name) || ["sig", "code", "access_token", "key"].includes(name.toLowerCase()))
    );
  });
}

/** Whether one word is a credential by its format alone. */
export function isSecretWord(word: string): boolean {
  return (
    isCredentialUrl(word) ||
    PREFIXES.some(([prefix, min, needsDigit]) => prefixed(word, prefix, min, needsDigit)) ||
    /^(AKIA|ASIA)[A-Z0-9]{16}$/.test(word) ||
    isJwt(word) ||
    /^\d{6,}:[A-Za-z0-9_-]{30,}$/.test(word)
  );
}

/** A `name=value` or `name:value` word whose name is a secret key: the value's offset. */
function secretAssignmentValueAt(word: string): number | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_.-]*)[=:](.+)$/.exec(word);
  if (match?.[1] === undefined || !isSecretKey(match[1])) return undefined;
  return match[1].length + 1;
}

interface Span {
  start: number;
  end: number;
}

function wordsOf(text: string): Array<{ start: number; word: string }> {
  const words: Array<{ start: number; word: string }> = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const char = text[i];
    const separator = char === undefined || /\s/.test(char) || DELIMITERS.test(char);
    if (separator && start !== -1) {
      words.push({ start, word: text.slice(start, i) });
      start = -1;
    } else if (!separator && start === -1) {
      start = i;
    }
  }
  return words;
}

function secretSpans(text: string): Span[] {
  const pem = text.indexOf("-----BEGIN ");
  if (pem !== -1 && text.slice(pem).includes("PRIVATE KEY")) return [{ start: pem, end: text.length }];
  const spans: Span[] = [];
  let afterScheme = false;
  for (const { start, word } of wordsOf(text)) {
    const trimmed = word.replace(/[.:!?]+$/, "");
    const end = start + trimmed.length;
    if (afterScheme && trimmed.length >= 8) {
      spans.push({ start, end });
      afterScheme = false;
      continue;
    }
    afterScheme = /^(bearer|basic)$/i.test(word);
    if (isSecretWord(trimmed)) {
      spans.push({ start, end });
      continue;
    }
    const valueAt = secretAssignmentValueAt(trimmed);
    if (valueAt !== undefined) spans.push({ start: start + valueAt, end });
  }
  return spans;
}

const HOME_PREFIX = /(?:\/home|\/Users)\/[^/\s"'`<>]+|[A-Za-z]:\\Users\\[^\\\s"'`<>]+/g;

/**
 * `text` with every secret replaced by {@link REDACTED} and every home directory prefix by
 * {@link HOME}, and how many replacements were made (0 means `text` is returned unchanged).
 */
export function scrubText(text: string): { text: string; count: number } {
  let count = 0;
  let out = "";
  let at = 0;
  for (const span of secretSpans(text)) {
    out += text.slice(at, span.start) + REDACTED;
    at = span.end;
    count++;
  }
  out += text.slice(at);
  out = out.replace(HOME_PREFIX, () => {
    count++;
    return HOME;
  });
  return { text: count === 0 ? text : out, count };
}
