import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Worker processes re-read this file; the main process picks the port and the
// throwaway database once and hands them down through the environment.
if (!process.env.E2E_PORT) {
  process.env.E2E_PORT = execFileSync(process.execPath, [
    "-e",
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ])
    .toString()
    .trim();
}
if (!process.env.E2E_DATA_DIR) {
  process.env.E2E_DATA_DIR = mkdtempSync(path.join(tmpdir(), "threshold-e2e-"));
}

// Flags shared with the benchmarks (end2end/bench/common.mjs).
const chromium = JSON.parse(readFileSync(path.join(__dirname, "chromium.json"), "utf8"));
const port = process.env.E2E_PORT;
const repo = path.resolve(__dirname, "..");
const baseURL = `http://127.0.0.1:${port}`;
// scripts/env.sh points cargo at a per-machine build directory; the site
// itself (cargo-leptos' site-root) stays in the checkout.
const cargoTarget = process.env.CARGO_TARGET_DIR ?? path.join(repo, "target");

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download cannot work here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromium.args,
    },
  },
  webServer: {
    command: path.join(cargoTarget, "debug/server"),
    cwd: repo,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(repo, "target/site"),
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "threshold",
      DATABASE_URL: `sqlite://${process.env.E2E_DATA_DIR}/e2e.db`,
      RUST_LOG: "info,sqlx=warn",
      // Every test's browser registers from 127.0.0.1: the per-address
      // registration limit is proven by server/tests/public_limits.rs.
      REGISTRATION_RATE_PER_HOUR: "100000",
    },
  },
});
