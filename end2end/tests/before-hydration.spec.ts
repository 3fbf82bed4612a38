import { expect, test } from "@playwright/test";
import { registered } from "./pages";

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

  await dialog.getByRole("button", { name: "Log in" }).click();
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
  await dialog.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Nia Noscript");
  await context.close();
});
