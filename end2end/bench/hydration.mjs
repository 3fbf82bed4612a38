// How soon the browser side is usable on a desktop (Playwright's default
// 1280×720 viewport, no network or CPU throttling): navigation → hydrated, and
// navigation → "Log in" dialog open, over N page loads in Chromium. The phone
// profile, throttled, is phone.mjs.
//
//   node end2end/bench/hydration.mjs <base-url> [runs]     (runs: default 20)
//
// Normally run by scripts/bench-wasm.sh, which builds the release site and
// starts a server. Progress goes to stderr; stdout is a Markdown table.
//
// Clock: every figure is read in the page, as performance.now() — milliseconds
// since performance.timeOrigin, i.e. since this document's navigation started.
// No timestamps cross between Node and the browser, so Playwright's own
// round trips only count where a user's action is simulated (the click).
//
// Cold: a new browser context per load, so its HTTP cache is empty and the
// WASM is downloaded and compiled every time. Warm: one context, primed with
// one unmeasured load, then a new page per load, so the bundle comes from the
// HTTP cache (and Chromium's compiled-code cache once it has kept one).
import { failOnPageError, launchChromium, p50p95max, parseArgs } from "./common.mjs";

const { baseUrl, runs } = parseArgs("hydration.mjs");
const url = new URL("/", baseUrl).href;
const TIMEOUT = 30_000;

// Installed before any of the page's own scripts. Marks, in page time:
//  - hydrated: <html data-hydrated="true"> appears, the signal the browser
//    tests wait for (end2end/tests/pages.ts); the app sets it from an Effect
//    once the WASM has taken over the server-rendered page;
//  - click: the header's "Log in" button receives the click;
//  - dialog: the animation frame after the "Log in" <dialog> got its `open`
//    attribute (showModal ran), i.e. the first frame that paints it.
function instrument() {
  const marks = {};
  window.__bench = marks;
  let dialogSeen = false;
  const isLoginDialog = (el) => {
    const title = document.getElementById(el.getAttribute("aria-labelledby") ?? "");
    return title?.textContent.trim() === "Log in";
  };
  new MutationObserver(() => {
    if (marks.hydrated === undefined && document.documentElement?.getAttribute("data-hydrated") === "true") {
      marks.hydrated = performance.now();
    }
    if (!dialogSeen && [...document.querySelectorAll("dialog[open]")].some(isLoginDialog)) {
      dialogSeen = true;
      requestAnimationFrame(() => (marks.dialog = performance.now()));
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated", "open"] });
  document.addEventListener(
    "click",
    (event) => {
      if (marks.click === undefined && event.target.closest?.("#open-login")) marks.click = performance.now();
    },
    true,
  );
}

// One page load: returns the marks plus how the bundle was fetched.
async function measure(context) {
  const page = await context.newPage();
  const steps = async () => {
    await page.goto(url, { waitUntil: "commit", timeout: TIMEOUT });
    // The tests' own hydration signal; only then is a click meaningful.
    await page.waitForSelector("html[data-hydrated=true]", { state: "attached", timeout: TIMEOUT });
    // `force`: hydration is the readiness that matters here, and Playwright's
    // stability checks would add a couple of animation frames of harness time.
    await page.locator("#open-login").click({ force: true, timeout: TIMEOUT });
    await page.getByRole("dialog", { name: "Log in" }).waitFor({ state: "visible", timeout: TIMEOUT });
    await page.waitForFunction(() => window.__bench.dialog !== undefined, null, { timeout: TIMEOUT });
    return page.evaluate(() => {
      const wasm = performance.getEntriesByType("resource").find((entry) => entry.name.endsWith(".wasm"));
      return {
        ...window.__bench,
        wasmEnd: wasm?.responseEnd,
        // 0 bytes over the wire: served from the HTTP cache without asking.
        wasmTransfer: wasm?.transferSize,
      };
    });
  };
  try {
    return await failOnPageError(page, steps);
  } finally {
    await page.close();
  }
}

function summarise(samples) {
  const rows = {
    "navigation → WASM downloaded": samples.map((s) => s.wasmEnd),
    "navigation → hydrated": samples.map((s) => s.hydrated),
    "navigation → Log in dialog open": samples.map((s) => s.dialog),
    "click → Log in dialog open": samples.map((s) => s.dialog - s.click),
  };
  return Object.fromEntries(Object.entries(rows).map(([name, values]) => [name, p50p95max(values)]));
}

const browser = await launchChromium();

try {
  const cold = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addInitScript(instrument);
    try {
      cold.push(await measure(context));
    } finally {
      await context.close();
    }
    process.stderr.write(`\rcold ${i + 1}/${runs}`);
  }
  process.stderr.write("\n");

  const warm = [];
  const context = await browser.newContext();
  await context.addInitScript(instrument);
  try {
    await measure(context); // primes the cache; not counted
    for (let i = 0; i < runs; i++) {
      warm.push(await measure(context));
      process.stderr.write(`\rwarm ${i + 1}/${runs}`);
    }
  } finally {
    await context.close();
  }
  process.stderr.write("\n");

  // A cold load that did not download the bundle would measure nothing useful.
  const cachedCold = cold.filter((s) => !(s.wasmTransfer > 0)).length;
  if (cachedCold) throw new Error(`${cachedCold} cold loads did not fetch the WASM over the network`);
  const cachedWarm = warm.filter((s) => s.wasmTransfer === 0).length;

  const c = summarise(cold);
  const w = summarise(warm);
  console.log(`Chromium ${browser.version()}, headless, ${runs} loads each; ms since navigation start (nearest-rank percentiles).`);
  console.log(`Warm: ${cachedWarm}/${runs} loads took the WASM from the HTTP cache without revalidating.`);
  console.log("");
  console.log("| | cold p50 | cold p95 | cold max | warm p50 | warm p95 | warm max |");
  console.log("|---|--:|--:|--:|--:|--:|--:|");
  for (const name of Object.keys(c)) {
    console.log(`| ${name} | ${[...c[name], ...w[name]].join(" | ")} |`);
  }
} catch (error) {
  console.error(`hydration benchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
