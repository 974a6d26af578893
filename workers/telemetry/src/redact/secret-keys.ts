/**
 * Whether an attribute key names a secret. The same rule the host applies before export
 * (`pryx-core-api`'s `is_secret_key`), so a key the host would redact is redacted here too.
 */

/** Words that make a key a secret wherever they stand in it (`bot_token`, `client_secret`). */
const SECRET_WORDS = new Set([
  "token",
  "secret",
  "secrets",
  "password",
  "passwords",
  "passwd",
  "passphrase",
  "pwd",
  "credential",
  "credentials",
  "apikey",
  "apikeys",
  "privatekey",
  "accesskey",
  "secretkey",
  "authtoken",
  "accesstoken",
  "refreshtoken",
  "bearer",
]);

/** Words that make a key a secret when they are its last word (`openai_key`, `cookie`). */
const SECRET_LAST_WORDS = new Set(["key", "keys", "auth", "authorization", "cookie", "cookies", "signature"]);

/** Words before a final `key` that make it harmless (`public_key`, `sort_key`). */
const HARMLESS_KEY_KINDS = new Set([
  "public",
  "primary",
  "foreign",
  "sort",
  "partition",
  "hot",
  "shortcut",
  "cache",
]);

/** Words that, before `key`, make it a secret anywhere (`api_key_id`). */
const KEY_QUALIFIERS = new Set(["api", "private", "access", "secret"]);

/** `key` split into lower-case words on non-alphanumerics and camelCase boundaries. */
export function splitWords(key: string): string[] {
  const words: string[] = [];
  let current = "";
  let previousLower = false;
  for (const char of key) {
    if (!/[\p{L}\p{N}]/u.test(char)) {
      if (current !== "") words.push(current);
      current = "";
      previousLower = false;
      continue;
    }
    const upper = char !== char.toLowerCase();
    if (upper && previousLower && current !== "") {
      words.push(current);
      current = "";
    }
    previousLower = !upper;
    current += char.toLowerCase();
  }
  if (current !== "") words.push(current);
  return words;
}

/**
 * Whether `key` names a secret: a secret word anywhere in it (`token`, `secret`, `password`,
 * `apiKey`, ...), a last word `key`/`auth`/`authorization`/`cookie`/`signature` (but not
 * `public_key`, `sort_key`, ...), `key` after `api`/`private`/`access`/`secret`, or a webhook
 * URL. Trailing numeric words are ignored (`openai_key_2`). `max_tokens` is not a secret.
 */
export function isSecretKey(key: string): boolean {
  const words = splitWords(key);
  while (words.length > 1 && /^\d+$/.test(words[words.length - 1] ?? "")) words.pop();
  const last = words[words.length - 1];
  if (last === undefined) return false;
  const anywhere = words.some(
    (word, i) =>
      SECRET_WORDS.has(word) || (word === "key" && i > 0 && KEY_QUALIFIERS.has(words[i - 1] ?? "")),
  );
  const harmlessKey =
    (last === "key" || last === "keys") &&
    words.length > 1 &&
    HARMLESS_KEY_KINDS.has(words[words.length - 2] ?? "");
  const lastWord = SECRET_LAST_WORDS.has(last) && !harmlessKey;
  const webhook =
    words.some((word) => word === "webhook" || word === "webhooks") &&
    ["webhook", "webhooks", "url", "urls"].includes(last);
  return anywhere || lastWord || webhook;
}
