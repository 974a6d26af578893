// A real pryx-core host with the reference runtime, in a fresh data directory with skills.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(import.meta.dirname, "../..");
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");

const SKILLS = {
  weather:
    '---\nname: weather\ndescription: Tells the weather for a place.\nmetadata:\n  pryx:\n    emoji: "🌦"\n---\nAsk for the weather.\n',
  "git-helper":
    "---\nname: git-helper\ndescription: Helps with git.\nmetadata:\n  pryx:\n    requires:\n      bins: [definitely-not-installed-tool]\n      env: [PRYX_E2E_UNSET_VAR]\n---\nBody.\n",
  broken: "---\nname: [this is: not valid\n---\n",
};

/** Creates a data directory (0700) with three skills: usable, missing requirements, broken. */
export function makeDataDir() {
  const dir = mkdtempSync(join(tmpdir(), "pryx-e2e-"));
  chmodSync(dir, 0o700);
  for (const [name, text] of Object.entries(SKILLS)) {
    mkdirSync(join(dir, "skills", name), { recursive: true });
    writeFileSync(join(dir, "skills", name, "SKILL.md"), text);
  }
  return dir;
}

/** Starts the host on `port` (0 = any) over `dataDir`; resolves once it listens. */
export async function startHost({ dataDir, port = 0 }) {
  const child = spawn(
    join(TARGET, "debug", "pryx-core"),
    [
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--runtime",
      join(TARGET, "debug", "pryx-runtime-ref"),
      "--runtime-arg=--stream-delay-ms=40",
      "--runtime-max-restarts",
      "0",
    ],
    { cwd: dataDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "info" } },
  );
  // Never leave a host behind, whatever ends this process.
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  const stderr = [];
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  const line = await new Promise((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`host did not start: ${Buffer.concat(stderr)}`)),
      15000,
    );
    createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      ok(l);
    });
    child.once("exit", (code) => fail(new Error(`host exited ${code}: ${Buffer.concat(stderr)}`)));
  });
  const { url, token_file: tokenFile } = JSON.parse(line);
  const origin = url.replace(/\/$/, "");
  const token = readFileSync(tokenFile, "utf8").trim();
  const api = async (method, path, body, headers = {}) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      etag: response.headers.get("etag"),
      body: text ? JSON.parse(text) : null,
    };
  };
  const host = {
    origin,
    port: Number(new URL(url).port),
    tokenFile,
    api,
    /** A fresh one-time login code and its link. */
    loginCode: async () => (await api("POST", "/api/v1/auth/login-codes")).body,
    runtimePid: async () => (await api("GET", "/api/v1/health")).body.ports.runtime.pid,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok();
        child.once("exit", () => ok());
        child.kill("SIGTERM");
      }),
  };
  return host;
}

/** Removes a data directory made by makeDataDir. */
export function removeDataDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}
