// The home page on a phone: how soon a person on a slow network and a
// mid-range handset can log in, over N cold loads in Chromium.
//
//   node end2end/bench/phone.mjs <base-url> [runs]     (runs: default 20)
//
// Normally run by scripts/bench-wasm.sh, which builds the release site and
// starts a server (with the per-address registration limit lifted: this
// script registers one account per load from 127.0.0.1). Progress goes to
// stderr; stdout is Markdown.
//
// The profile is Lighthouse's mobile one: "Slow 4G" (150 ms, 1.6 Mbit/s down,
// 750 kbit/s up) and a CPU 4× slower than this machine's, on a 360×740 touch
// screen. Two caveats. DevTools applies the latency once per request, not per
// round trip (no TCP handshake or TCP slow start is slowed), so a real
// network of this kind is slower than this; Lighthouse, when it throttles
// through DevTools as here, makes up for it with 3.75× the latency (562.5 ms
// a request) and 0.9× the throughput. And "4× slower" is relative to this
// machine as loaded at the time, which the summary's load average shows.
//
// After the logins come as many loads that tap nothing, for when the home
// page hydrates on this profile: a quick login leaves it before then.
//
// Each load has a browser context of its own (an empty HTTP cache) and an
// account of its own (the per-name login throttle never sees one name twice)
// and goes: open "/", tap "Log in" as soon as it is painted and again every
// 100 ms until the dialog is open, type the username, check the field took
// it, type the password, tap the dialog's "Log in", wait for "You're logged
// in as …". Nothing waits for the WASM: the header buttons open their
// dialogs by HTML alone (`commandfor`/`command="show-modal"`), and a form
// submitted before the WASM has taken over is posted by the browser itself
// and answered with the home page rendered logged in. Which of the two ways
// each login went is counted.
//
// Clocks: the page's own (performance.now(), since its navigation started)
// for everything on the first page. "Logged in" may be shown by a second
// document (after a native form post), whose performance.now() starts at
// zero again; it is brought back to the first page's navigation start
// through performance.timeOrigin, the wall-clock instant each document's
// clock starts at: logged in = timeOrigin₂ + t₂ − timeOrigin₁. Both are read
// from the same browser's clock, so no Node-to-browser skew enters.
import { failOnPageError, launchChromium, p50p95max, parseArgs } from "./common.mjs";

const { baseUrl, runs } = parseArgs("phone.mjs");
const url = new URL("/", baseUrl).href;
const TIMEOUT = 60_000; // per step; one throttled step can take seconds
const TAP_EVERY = 100; // ms between taps on "Log in" until its dialog opens
const PASSWORD = "violet kettle harbour";

// Network.emulateNetworkConditions takes bytes per second.
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };
const CPU_SLOWDOWN = 4;
// 360 px is the narrowest width the design is tested at (the screenshots in
// end2end); a 2× screen is a common mid-range phone's.
const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// Installed before any of the page's own scripts, in every document of a
// load (the one reached by a native form post too). Marks, in page time:
//  - loginPainted / signedInPainted: when the header's "Log in" button, or
//    the home page's "You're logged in as …" heading, was first painted.
//    Element Timing reports exactly that (the frame that put the element's
//    text on screen), for elements carrying an `elementtiming` attribute; the
//    server's HTML has none, so one is added as the parser inserts them, which
//    is always before the frame that could paint them. First contentful
//    paint would not do on its own: it is the first paint of anything (it is
//    reported alongside, to show whether the button is in it). Nor would the
//    first animation frame where the button has a layout box: that is taken
//    before the frame is painted, and says nothing of whether it was.
//    The button's painted position goes straight to the script (see
//    signals()), which taps there, as a person who sees it would;
//  - taps: each click on "Log in" (the tap's own timestamp, and when the
//    page's main thread got to it);
//  - dialogOpened: the "Log in" <dialog> got its `open` attribute (signalled
//    too), with the tap that did it; dialogPainted: the next animation
//    frame, the first to paint it (the same definition as hydration.mjs);
//  - typed: the last input event in "Username or email", with the value it
//    left, so the script can check it is what was typed;
//  - submitted (in sessionStorage, see below): the login form's submit
//    event, whichever code handles it;
//  - hydrated: <html data-hydrated="true"> appears (the app's Effect once
//    the WASM has taken over; end2end/tests/pages.ts waits for it too).
function instrument() {
  const marks = { taps: [] };
  window.__bench = marks;
  const painted = { "open-login": "loginPainted", "signed-in-title": "signedInPainted" };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const mark = painted[entry.identifier];
      if (!mark || marks[mark] !== undefined) continue;
      marks[mark] = entry.renderTime || entry.startTime;
      if (mark === "loginPainted") {
        const { x, y, width, height } = entry.intersectionRect;
        window.__benchSignal?.("loginPainted", { x: x + width / 2, y: y + height / 2 });
      }
    }
  }).observe({ type: "element", buffered: true });
  new MutationObserver(() => {
    for (const id of Object.keys(painted)) {
      const element = document.getElementById(id);
      if (element && !element.hasAttribute("elementtiming")) element.setAttribute("elementtiming", id);
    }
    if (marks.hydrated === undefined && document.documentElement?.getAttribute("data-hydrated") === "true") {
      marks.hydrated = performance.now();
    }
    if (marks.dialogOpened === undefined && document.getElementById("login-dialog")?.open) {
      marks.dialogOpened = performance.now();
      marks.openingTap = marks.taps.at(-1);
      window.__benchSignal?.("dialogOpened");
      requestAnimationFrame(() => (marks.dialogPainted = performance.now()));
    }
  }).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["data-hydrated", "open"],
  });
  // Capture phase: before the button's own handling (the invoker command
  // runs after the click event has been dispatched) and before the WASM's
  // submit handler can stop the event.
  const listen = (type, listener) => document.addEventListener(type, listener, true);
  listen("click", (event) => {
    if (event.target.closest?.("#open-login")) marks.taps.push({ tapped: event.timeStamp, handled: performance.now() });
  });
  listen("input", (event) => {
    if (event.target.id === "login-identifier") marks.typed = { at: performance.now(), value: event.target.value };
  });
  // Kept in sessionStorage, as a wall-clock instant: a native post leaves
  // this document, and the next one (same tab, same origin) reads it back.
  listen("submit", (event) => {
    if (event.target.closest("#login-dialog") && !sessionStorage.getItem("bench-submitted")) {
      sessionStorage.setItem("bench-submitted", String(performance.timeOrigin + performance.now()));
    }
  });
}

// Every byte the network delivered during a load, from CDP's Network events
// (which see every document of the load; Resource Timing ends with the first
// page). A response that completed counts its loadingFinished total (headers
// and encoded body). One cut short (the first page's WASM, when a native form
// post leaves the page) counts its headers and the encoded bytes its data
// chunks reported, i.e. what had arrived. (Chromium reports 0 encoded bytes
// in a document's data chunks, but a document here always completes.)
function countBytes(cdp) {
  const requests = new Map();
  const request = (id) => requests.get(id) ?? requests.set(id, { url: "", headers: 0, body: 0 }).get(id);
  cdp.on("Network.requestWillBeSent", (event) => {
    const entry = request(event.requestId);
    // A redirect keeps the request id, and loadingFinished reports only the
    // final response: the redirect's own is counted here.
    if (event.redirectResponse) entry.redirects = (entry.redirects ?? 0) + event.redirectResponse.encodedDataLength;
    entry.url = event.request.url;
  });
  cdp.on("Network.responseReceived", (event) => (request(event.requestId).headers = event.response.encodedDataLength));
  cdp.on("Network.dataReceived", (event) => (request(event.requestId).body += event.encodedDataLength));
  cdp.on("Network.loadingFinished", (event) => (request(event.requestId).finished = event.encodedDataLength));
  return () => {
    let all = 0;
    let code = 0;
    for (const entry of requests.values()) {
      if (!entry.url.startsWith("http")) continue; // data: URLs cost nothing
      const bytes = (entry.finished ?? entry.headers + entry.body) + (entry.redirects ?? 0);
      all += bytes;
      if (/\.(wasm|js)$/.test(new URL(entry.url).pathname)) code += bytes;
    }
    return { all, code };
  };
}

// One account per load, registered over HTTP before any browser starts so
// that registering (an Argon2 hash each) never overlaps a measured load.
async function registerAccounts(count) {
  const run = Date.now().toString(36);
  const accounts = [];
  for (let i = 0; i < count; i++) {
    const username = `Phone.${run}.${i}`;
    const response = await fetch(new URL("/api/register", baseUrl), {
      method: "POST",
      body: new URLSearchParams({
        "form[first_name]": "Pat",
        "form[surname]": "Phone",
        "form[email]": `phone.${run}.${i}@example.org`,
        "form[username]": username,
        "form[account_type]": "practitioner",
        "form[password]": PASSWORD,
      }),
    });
    if (!response.ok) {
      const body = (await response.text()).slice(0, 300);
      throw new Error(`registering ${username} was refused (HTTP ${response.status}): ${body}`);
    }
    accounts.push(username);
    process.stderr.write(`\rregistered ${i + 1}/${count}`);
  }
  process.stderr.write("\n");
  return accounts;
}

// `{ value }` once `promise` resolves, or undefined if `ms` pass first.
async function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    return await Promise.race([promise.then((value) => ({ value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Events the page signals to the script (`__benchSignal(name, data)` in
// instrument()) as they happen, so the script can act at once: waiting on
// them with Playwright would poll through the throttled main thread, and
// its first use in a page installs a large helper script there: a few
// hundred milliseconds of harness time that would be counted as the page's.
function signals() {
  const pending = {};
  const entry = (name) => {
    if (!pending[name]) {
      let resolve;
      const promise = new Promise((done) => (resolve = done));
      pending[name] = { promise, resolve };
    }
    return pending[name];
  };
  return { on: (name) => entry(name).promise, signal: (name, data) => entry(name).resolve(data) };
}

// The steps of one load, on a page already throttled, with its signals.
// Returns the load's figures.
//
// Up to "usable" the script does as little as it can between the page's
// events, since every Playwright round trip goes through the throttled main
// thread and would be counted: it taps at coordinates (no locator to
// resolve) and types with one Input.insertText into the focused field
// (checked afterwards with locators: typing that went elsewhere fails the
// load). The rest of the login uses ordinary locators; the submitted mark
// shows what they cost before the form was sent.
async function journey(page, username, signalled, received) {
  await page.goto(url, { waitUntil: "commit", timeout: TIMEOUT });

  const painted = await within(signalled.on("loginPainted"), TIMEOUT);
  if (!painted) throw new Error(`"Log in" was not painted within ${TIMEOUT} ms`);
  let at = painted.value;
  // Tap again after 100 ms without the dialog, as an impatient person would;
  // with the invoker command the first tap should do. The tap's click may be
  // handled a little after the touch has been delivered: the wait is for the
  // dialog, not a fixed pause, so a slow first tap is not doubled (a second
  // one would land on the open dialog's backdrop).
  const tapsUntil = Date.now() + TIMEOUT;
  let taps = 0;
  for (;;) {
    await page.touchscreen.tap(at.x, at.y);
    taps++;
    if (await within(signalled.on("dialogOpened"), TAP_EVERY)) break;
    if (Date.now() > tapsUntil) throw new Error(`the Log in dialog did not open within ${TIMEOUT} ms of tapping`);
    at = await page.evaluate(() => {
      const box = document.getElementById("open-login").getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    });
  }
  // The dialog puts focus in "Username or email". A tap sent before an
  // earlier one's click had been handled lands on the open dialog's backdrop
  // and takes focus to the dialog itself; a person would then tap the field.
  const field = await page.evaluate(() => {
    const input = document.getElementById("login-identifier");
    if (!input || document.activeElement === input) return undefined;
    const box = input.getBoundingClientRect();
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  });
  if (field) await page.touchscreen.tap(field.x, field.y);
  // Typed as one input event, as a paste or a password manager would: the
  // figure is when the field takes input, not how fast someone types.
  await page.keyboard.insertText(username);

  // Now check, at leisure, that it was this dialog and this field.
  const dialog = page.getByRole("dialog", { name: "Log in" });
  if (!(await dialog.isVisible())) throw new Error("#login-dialog is open but is not a visible dialog named Log in");
  const identifier = dialog.getByLabel("Username or email");
  const kept = await identifier.inputValue({ timeout: TIMEOUT });
  if (kept !== username) {
    const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
    throw new Error(`typed "${username}" but Username or email holds "${kept}" (focus was on ${focused})`);
  }
  const first = await page.evaluate((username) => {
    const marks = window.__bench;
    if (marks.typed?.value !== username) return { error: `the last input event left "${marks.typed?.value}"` };
    if (!marks.openingTap) return { error: "the Log in dialog opened without a tap on Log in" };
    // Bytes received by the time the form was usable. Resource Timing rather
    // than CDP's Network events: responseEnd is on the same clock as the
    // usable mark, so "arrived before" is an exact comparison (CDP's
    // timestamps are on another clock). transferSize is the encoded body plus
    // the response's headers. A response still arriving then (typically the
    // WASM) is not counted: only what had arrived whole.
    const entries = [
      ...performance.getEntriesByType("navigation"),
      ...performance.getEntriesByType("resource").filter((entry) => entry.responseEnd <= marks.typed.at),
    ];
    const sum = (list) => list.reduce((total, entry) => total + entry.transferSize, 0);
    const code = entries.filter((entry) => /\.(wasm|js)$/.test(new URL(entry.name).pathname));
    return {
      origin: performance.timeOrigin,
      marks,
      firstContentfulPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      before: { all: sum(entries), code: sum(code) },
    };
  }, username);
  if (first.error) throw new Error(first.error);

  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD, { timeout: TIMEOUT });
  const posted = page.waitForRequest(
    (request) => request.method() === "POST" && new URL(request.url()).pathname === "/api/login",
    { timeout: TIMEOUT },
  );
  await dialog.getByRole("button", { name: "Log in" }).tap({ timeout: TIMEOUT });
  // A document request is the browser posting the form itself (no WASM yet);
  // a fetch is the WASM's server function call.
  const request = await posted;
  const native = request.resourceType() === "document";
  // A refusal (wrong password, a throttled or busy server) is said at once,
  // with the server's words, rather than after the timeout. The WASM's call
  // is answered with an error status; a native post with a redirect back to
  // the home page, the Log in dialog open on its error summary.
  const response = await request.response();
  if (!response || response.status() >= 400) {
    const answer = await response?.text().catch(() => "");
    throw new Error(`the login was refused (HTTP ${response?.status()}): ${answer?.slice(0, 200)}`);
  }
  const refusal = page.locator("#login-error-summary:not([hidden])");
  await page.locator("#signed-in-title").or(refusal).first().waitFor({ state: "visible", timeout: TIMEOUT });
  if (await refusal.isVisible()) {
    throw new Error(`the login was refused: ${(await refusal.innerText()).replace(/\s+/g, " ")}`);
  }
  await page.waitForFunction(() => window.__bench.signedInPainted !== undefined, null, { timeout: TIMEOUT });
  const bytesToLoggedIn = received();
  const { signedIn, submitted } = await page.evaluate(() => ({
    signedIn: performance.timeOrigin + window.__bench.signedInPainted,
    submitted: Number(sessionStorage.getItem("bench-submitted")),
  }));
  if (!submitted) throw new Error("logged in without the login form's submit event");

  // Hydration, on the page the person ends on: the home page itself after a
  // login through the WASM, which by then had hydrated; after a native post,
  // the logged-in page, whose WASM is downloaded again (the first page's
  // download was cut short when it was left), so this waits for it.
  await page.waitForFunction(() => window.__bench.hydrated !== undefined, null, { timeout: TIMEOUT });
  const hydrated = await page.evaluate(() => performance.timeOrigin + window.__bench.hydrated);

  const m = first.marks;
  return {
    native,
    taps,
    fieldTapped: Boolean(field),
    firstContentfulPaint: first.firstContentfulPaint,
    loginPainted: m.loginPainted,
    openingTap: m.openingTap.tapped,
    tapHandled: m.openingTap.handled,
    dialogPainted: m.dialogPainted,
    usable: m.typed.at,
    submitted: submitted - first.origin,
    loggedIn: signedIn - first.origin,
    // After a native post the home page's own hydration is only known if it
    // happened before the form was usable (it then would have handled the
    // post itself, so in practice never).
    hydratedHome: native ? m.hydrated : hydrated - first.origin,
    hydratedAfterPost: native ? hydrated - first.origin : undefined,
    bytesBeforeUsable: first.before,
    bytesToLoggedIn,
  };
}

// A fresh browser context (an empty HTTP cache) with one page, throttled
// before it navigates anywhere, so the document request itself is slowed.
// `setUp` runs on the context before the page exists.
async function throttledPage(browser, setUp = async () => {}) {
  const context = await browser.newContext(PHONE);
  await setUp(context);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", NETWORK);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  return { context, page, cdp };
}

// One cold load that logs in.
async function login(browser, username) {
  const signalled = signals();
  const { context, page, cdp } = await throttledPage(browser, (context) =>
    context.exposeBinding("__benchSignal", (_source, name, data) => signalled.signal(name, data)),
  );
  try {
    const received = countBytes(cdp);
    return await failOnPageError(page, () => journey(page, username, signalled, received));
  } finally {
    await context.close();
  }
}

// One cold load left alone: when the home page hydrates when nobody taps
// (a login leaves it before then). Polled slowly, to take little of the
// throttled main thread; the mark itself is taken by the page.
async function idle(browser) {
  const { context, page } = await throttledPage(browser);
  try {
    return await failOnPageError(page, async () => {
      await page.goto(url, { waitUntil: "commit", timeout: TIMEOUT });
      await page.waitForFunction(() => window.__bench.hydrated !== undefined, null, {
        timeout: TIMEOUT,
        polling: 250,
      });
      return page.evaluate(() => ({
        hydrated: window.__bench.hydrated,
        wasmEnd: performance.getEntriesByType("resource").find((entry) => entry.name.endsWith(".wasm"))?.responseEnd,
      }));
    });
  } finally {
    await context.close();
  }
}

const kib = (bytes) => (bytes / 1024).toFixed(1);

function report(samples, alone, chromiumVersion) {
  const row = (name, values, format = String) => {
    const present = values.filter((value) => value !== undefined);
    const figures = present.length ? p50p95max(present).map(format) : ["—", "—", "—"];
    const count = present.length === values.length ? "" : ` (${present.length} of ${values.length} loads)`;
    return `| ${name}${count} | ${figures.join(" | ")} |`;
  };
  const viaWasm = samples.filter((s) => !s.native).length;
  const lines = [
    `Phone profile: ${PHONE.viewport.width}×${PHONE.viewport.height} at ${PHONE.deviceScaleFactor}×, touch; ` +
      `network ${NETWORK.latency} ms, ${(NETWORK.downloadThroughput * 8) / 1e6} Mbit/s down, ` +
      `${(NETWORK.uploadThroughput * 8) / 1e3} kbit/s up; CPU ${CPU_SLOWDOWN}× slower. ` +
      `Chromium ${chromiumVersion}, headless, ${samples.length} cold loads (nearest-rank percentiles).`,
    `Logins: ${viaWasm} through the WASM (fetch to /api/login), ${samples.length - viaWasm} as a native form post ` +
      `(the browser posted the form and loaded the logged-in home page). ` +
      `Taps sent to Log in until its dialog opened (p50 / p95 / max): ${p50p95max(samples.map((s) => s.taps)).join(" / ")}; ` +
      `loads where the field then had to be tapped for focus: ${samples.filter((s) => s.fieldTapped).length}.`,
    "",
    "| ms since navigation start | p50 | p95 | max |",
    "|---|--:|--:|--:|",
    row("first contentful paint", samples.map((s) => s.firstContentfulPaint)),
    row("Log in button painted", samples.map((s) => s.loginPainted)),
    row("tap that opened the dialog", samples.map((s) => s.openingTap)),
    row("Log in dialog painted", samples.map((s) => s.dialogPainted)),
    row("**login form usable** (typed text in the field)", samples.map((s) => s.usable)),
    row("login form submitted (password typed, Log in tapped)", samples.map((s) => s.submitted)),
    row("**logged in** (\"You're logged in as …\" painted)", samples.map((s) => s.loggedIn)),
    row("hydrated, home page, before the login was sent", samples.map((s) => s.hydratedHome)),
    row("hydrated, logged-in page after a native post", samples.map((s) => s.hydratedAfterPost)),
    row("*duration:* tap → its click handled (main thread busy)", samples.map((s) => s.tapHandled - s.openingTap)),
    row("*duration:* form submitted → logged in", samples.map((s) => s.loggedIn - s.submitted)),
    "",
    "| KiB received | p50 | p95 | max |",
    "|---|--:|--:|--:|",
    row("before the login form was usable", samples.map((s) => s.bytesBeforeUsable.all), kib),
    row("… of which WASM and JS", samples.map((s) => s.bytesBeforeUsable.code), kib),
    row("navigation → logged in, every response", samples.map((s) => s.bytesToLoggedIn.all), kib),
    row("… of which WASM and JS", samples.map((s) => s.bytesToLoggedIn.code), kib),
    "",
    `The home page left alone (${alone.length} more cold loads, no tap):`,
    "",
    "| ms since navigation start | p50 | p95 | max |",
    "|---|--:|--:|--:|",
    row("WASM downloaded", alone.map((s) => s.wasmEnd)),
    row("hydrated", alone.map((s) => s.hydrated)),
  ];
  return lines.join("\n");
}

const accounts = await registerAccounts(runs);
const browser = await launchChromium();
try {
  const samples = [];
  for (const [i, username] of accounts.entries()) {
    samples.push(await login(browser, username));
    process.stderr.write(`\rphone, logging in ${i + 1}/${runs}`);
  }
  process.stderr.write("\n");
  const alone = [];
  for (let i = 0; i < runs; i++) {
    alone.push(await idle(browser));
    process.stderr.write(`\rphone, left alone ${i + 1}/${runs}`);
  }
  process.stderr.write("\n");
  console.log(report(samples, alone, browser.version()));
} catch (error) {
  console.error(`phone benchmark failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
