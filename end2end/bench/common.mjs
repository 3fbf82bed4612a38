// What the browser benchmarks (hydration.mjs, phone.mjs) share: the browser
// they launch, how a page error ends a run, and how samples are summarised.
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";

// The same Chromium and flags as end2end/playwright.config.ts (both read
// end2end/chromium.json), so the benchmark and the browser tests see one
// browser.
const { args } = JSON.parse(readFileSync(new URL("../chromium.json", import.meta.url), "utf8"));
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args,
  });
}

// Reads `<base-url> [runs]` from the command line, or exits with usage.
export function parseArgs(script) {
  const [baseUrl, runsArg] = process.argv.slice(2);
  if (!baseUrl) {
    console.error(`usage: node end2end/bench/${script} <base-url> [runs]`);
    process.exit(2);
  }
  const runs = Number(runsArg ?? 20);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`runs must be a positive integer, not ${runsArg}`);
    process.exit(2);
  }
  return { baseUrl, runs };
}

// Runs `steps` on `page`, but an uncaught error in the page (a WASM that
// fails to start, a hydration panic) ends it at once with that error rather
// than after some step's timeout.
export async function failOnPageError(page, steps) {
  let failed;
  const pageError = new Promise((_, reject) => (failed = reject));
  pageError.catch(() => {}); // only ever awaited through Promise.race
  page.on("pageerror", (error) => failed(new Error(`error in the page: ${error.message}`)));
  return Promise.race([steps(), pageError]);
}

// Nearest-rank percentile: an observed value, never an interpolation.
export const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

// p50, p95 and max of `values`, each rounded to a whole unit.
export function p50p95max(values) {
  const sorted = values.toSorted((a, b) => a - b);
  return [50, 95, 100].map((p) => Math.round(percentile(sorted, p)));
}
