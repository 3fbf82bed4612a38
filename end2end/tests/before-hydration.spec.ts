import { expect, test } from "@playwright/test";
import { registered, submitLogIn } from "./pages";

// "Log in" works from first paint: its button opens the dialog by HTML alone
// (`commandfor`/`command="show-modal"`), so a tap before the WASM has
// arrived, or with JavaScript off, is not lost.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";

test("a tap before hydration opens Log in, the typing survives hydration, and the form submits once", async ({
  page,
  request,
}) => {
  const person = await registered(request, { firstName: "Hana", surname: "Early", run, password: PASSWORD });

  // Hold the WASM back until the person has typed.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await held;
    await route.continue();
  });
  const logins: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/api/login")) logins.push(r.method());
  });

  await page.goto("/", { waitUntil: "domcontentloaded" });
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Username or email")).toBeFocused();
  await dialog.getByLabel("Username or email").fill(person.username);
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(0);

  release();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Username or email")).toHaveValue(person.username);
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveValue(PASSWORD);

  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Hana Early");
  expect(logins).toEqual(["POST"]);
});

test("with JavaScript off, Log in opens and logs the person in", async ({ browser, request }) => {
  const person = await registered(request, { firstName: "Nia", surname: "Noscript", run, password: PASSWORD });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Username or email").fill(person.email);
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Nia Noscript");
  await context.close();
});

// Layout shift through hydration: the page the server painted is the page
// the WASM takes over, so nothing moves when it arrives. Every layout-shift
// entry from navigation to hydration is summed (the browser's own Cumulative
// Layout Shift, without the exclusion for shifts right after input, so a
// shift caused by hydration cannot hide behind a tap).
async function watchLayoutShift(page: import("@playwright/test").Page) {
  await page.addInitScript(() => {
    const shifts: number[] = [];
    (window as unknown as { __shifts: number[] }).__shifts = shifts;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) shifts.push((entry as unknown as { value: number }).value);
    }).observe({ type: "layout-shift", buffered: true });
  });
}

async function layoutShift(page: import("@playwright/test").Page) {
  // Two frames after hydration, so a shift it caused has been reported.
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() =>
            resolve((window as unknown as { __shifts: number[] }).__shifts.reduce((a, b) => a + b, 0)),
          ),
        ),
      ),
  );
}

for (const { name, path, width } of [
  { name: "home page on a phone", path: "/", width: 360 },
  { name: "home page on a desktop", path: "/", width: 1280 },
  { name: "help centre on a phone", path: "/help", width: 360 },
]) {
  test(`no layout shift through hydration: ${name}`, async ({ page }) => {
    await page.setViewportSize({ width, height: 740 });
    await watchLayoutShift(page);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/pkg/*.wasm", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(path, { waitUntil: "load" });
    await expect(page.locator("html[data-hydrated=true]")).toHaveCount(0);
    release();
    await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
    expect(await layoutShift(page)).toBeLessThan(0.01);
  });
}

test("no layout shift when the WASM takes over a refusal posted before it arrived", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await watchLayoutShift(page);
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/", { waitUntil: "domcontentloaded" });
  const dialog = await submitLogIn(page, `nobody.${run}`, "not the password");
  // The server's answer: the home page again, the dialog open in the HTML
  // with the refusal, painted before the WASM.
  await expect(dialog.getByRole("alert").first()).toBeVisible();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(0);
  release();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await expect(dialog).toBeVisible();
  expect(await layoutShift(page)).toBeLessThan(0.01);
});

test("Show password works before the WASM arrives, and is hidden when no script runs", async ({ page, browser }) => {
  await page.route("**/pkg/*.wasm", () => {
    // Never answered: the page stays as the server sent it, with its first script.
  });
  await page.goto("/", { waitUntil: "domcontentloaded" });
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  const password = dialog.getByLabel("Password", { exact: true });
  await password.fill("Violet Kettle");
  await expect(password).toHaveAttribute("type", "password");
  await dialog.getByLabel("Show password").check();
  await expect(password).toHaveAttribute("type", "text");
  await dialog.getByLabel("Show password").uncheck();
  await expect(password).toHaveAttribute("type", "password");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(0);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto("/");
  await plain.locator("#open-login").click();
  await expect(plain.getByRole("dialog", { name: "Log in" }).getByText("Show password")).toBeHidden();
  await context.close();
});
