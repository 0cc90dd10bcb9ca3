// The `frontend` process of `make run`: install the dependencies (npm ci) when package-lock.json
// changed, build when the sources changed, then serve on FRONTEND_PORT (default 3000).
//
// If installing or building fails, it says why and stays up idle, so the API, worker and beat keep
// running (honcho stops every process as soon as one exits).
// `node scripts/serve.mjs --prepare` only installs and builds (exit status 1 on failure).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const INSTALL_STAMP = path.join(root, "node_modules", ".vnp-installed");
const BUILD_STAMP = path.join(root, ".next", ".vnp-built");
const BUILD_INPUTS = ["src", "public", "next.config.mjs", "package-lock.json", "tsconfig.json", "postcss.config.mjs"];

const prepareOnly = process.argv.includes("--prepare");
process.env.NEXT_TELEMETRY_DISABLED = "1";

function say(message) {
  console.log(`[frontend] ${message}`);
}

function digest(paths) {
  const hash = createHash("sha256");
  const visit = (file) => {
    if (!existsSync(file)) return;
    if (statSync(file).isDirectory()) {
      for (const name of readdirSync(file).sort()) visit(path.join(file, name));
      return;
    }
    hash.update(path.relative(root, file));
    hash.update(readFileSync(file));
  };
  for (const entry of paths) visit(path.join(root, entry));
  return hash.digest("hex");
}

function stale(stamp, value) {
  return !existsSync(stamp) || readFileSync(stamp, "utf8") !== value;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
}

function idle(reason) {
  console.error(`[frontend] ${reason}`);
  console.error("[frontend] the web client is not running; the API and workers are unaffected.");
  const timer = setInterval(() => {}, 1 << 30);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      clearInterval(timer);
      process.exit(0);
    });
  }
}

try {
  const lock = digest(["package-lock.json"]);
  if (stale(INSTALL_STAMP, lock)) {
    say("installing dependencies (npm ci)");
    run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
    writeFileSync(INSTALL_STAMP, lock);
  }
  const sources = digest(BUILD_INPUTS);
  if (stale(BUILD_STAMP, sources) || !existsSync(path.join(root, ".next", "BUILD_ID"))) {
    say("building the client (next build)");
    run(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"]);
    mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
    writeFileSync(BUILD_STAMP, sources);
  } else {
    say("build is up to date");
  }
  if (!prepareOnly) {
    process.env.NODE_ENV = "production";
    process.env.FRONTEND_KEEP_ALIVE = "1";
    await import("../server.mjs");
  }
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  if (prepareOnly) {
    console.error(`[frontend] ${reason}`);
    process.exit(1);
  }
  idle(reason);
}
