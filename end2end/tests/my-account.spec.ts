import { APIRequestContext, Browser, expect, Page, test } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { hydrated, logIn, registered, submitLogIn } from "./pages";

// My account (/account): details, change password, sessions, data export,
// with JavaScript and without.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const NEW_PASSWORD = "orchard lantern pebble";

/// Registers someone through the server function and ends the session
/// that registering started, so the account's only sessions are the
/// test's browsers.
async function someone(request: APIRequestContext, firstName: string, surname: string) {
  const made = await registered(request, { firstName, surname, run, password: PASSWORD });
  expect((await request.post("/api/logout")).ok()).toBe(true);
  return made;
}

/// Logs in through the dialog and waits until the header says so.
async function loggedIn(page: Page, identifier: string, password: string) {
  await logIn(page, identifier, password);
  await expect(page.locator("#current-user")).toBeVisible();
}

/// The "Change password" part of the page (the Choose a new password
/// dialog, closed, has a "New password" field too).
function changeForm(page: Page) {
  return page.getByRole("region", { name: "Change password" });
}

async function mailboxHas(page: Page, email: string, subject: string) {
  const item = page.locator(".mailbox__item", { hasText: `to ${email}` }).filter({ hasText: subject });
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(item.first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

async function logsIn(browser: Browser, identifier: string, password: string): Promise<boolean> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await submitLogIn(page, identifier, password);
  const inside = (await page.locator("#current-user").count()) > 0;
  await context.close();
  return inside;
}

test("logged out, /account says to log in, with a 401", async ({ page }) => {
  const response = await page.goto("/account");
  expect(response?.status()).toBe(401);
  await expect(page.getByText("Log in to see your account.")).toBeVisible();
});

for (const width of [360, 1280]) {
  test(`the account page at ${width} px: reached from the header, shows the details, no serious axe violations`, async ({
    page,
    request,
  }) => {
    await page.setViewportSize({ width, height: 800 });
    const person = await someone(request, "Maya", `Own${width}`);
    await loggedIn(page, person.username, PASSWORD);
    await page.getByRole("link", { name: `My account: Maya Own${width}` }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole("heading", { level: 1, name: "My account" })).toBeVisible();
    await expect(page.locator("#account-username")).toHaveText(person.username);
    await expect(page.locator("#account-email")).toHaveText(person.email);
    await expect(page.locator("#sessions .sessions__item")).toHaveCount(1);
    await expect(page.locator("#sessions")).toContainText("This browser");
    await expectAccessible(page, `My account at ${width} px`);
  });
}

test("change password: a wrong current password is said next to it; then it changes, the other session ends, the notice arrives", async ({
  browser,
  page,
  request,
}) => {
  const person = await someone(request, "Tariq", "Change");
  // A second browser, logged in too.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await loggedIn(otherPage, person.username, PASSWORD);

  await loggedIn(page, person.username, PASSWORD);
  await hydrated(page, "/account");
  await changeForm(page).getByLabel("Current password").fill("not my password");
  await changeForm(page).getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current-password-error")).toContainText("not your current password");
  await expect(page.locator("#change-password-error-summary")).toBeVisible();

  await changeForm(page).getByLabel("Current password").fill(PASSWORD);
  await changeForm(page).getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  const notice = page.locator("#password-changed-notice");
  await expect(notice).toContainText("Your password has been changed");
  await expect(notice).toContainText("1 other session was logged out");
  await expect(changeForm(page).getByLabel("Current password")).toHaveValue("");

  // This browser stays logged in; the other one is out.
  await page.reload();
  await expect(page.locator("#current-user")).toHaveText("Tariq Change");
  await otherPage.reload();
  await expect(otherPage.locator("#current-user")).toHaveCount(0);
  await other.close();

  await mailboxHas(page, person.email, "Your Threshold password was changed");
  expect(await logsIn(browser, person.username, PASSWORD)).toBe(false);
  expect(await logsIn(browser, person.username, NEW_PASSWORD)).toBe(true);
});

test("without JavaScript: the page, a refusal, a change of password and ending the other sessions", async ({
  browser,
  request,
}) => {
  const person = await someone(request, "Iris", "Noscript");
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await loggedIn(otherPage, person.username, PASSWORD);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await submitLogIn(page, person.username, PASSWORD);
  await expect(page.locator("#current-user")).toBeVisible();
  await page.goto("/account");
  await expect(page.locator("#account-username")).toHaveText(person.username);
  await expect(page.locator("#sessions .sessions__item")).toHaveCount(2);

  await changeForm(page).getByLabel("New password", { exact: true }).fill("short");
  await changeForm(page).getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#change-password-error-summary")).toBeVisible();
  await expect(page.locator("#new-password-error")).toBeVisible();

  await changeForm(page).getByLabel("Current password").fill(PASSWORD);
  await changeForm(page).getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#password-changed-notice")).toContainText("1 other session was logged out");
  await expect(page.locator("#sessions .sessions__item")).toHaveCount(1);

  // Log in elsewhere again, then end it from here.
  await loggedIn(otherPage, person.username, NEW_PASSWORD);
  await page.goto("/account");
  await expect(page.locator("#sessions .sessions__item")).toHaveCount(2);
  await page.getByRole("button", { name: "Log out all other sessions" }).click();
  await expect(page.locator("#sessions-ended")).toHaveText("1 session was logged out.");
  await expect(page.locator("#sessions .sessions__item")).toHaveCount(1);
  await otherPage.reload();
  await expect(otherPage.locator("#current-user")).toHaveCount(0);
  await other.close();
  await context.close();
});

test("the session list shows a second browser, and ending it logs that browser out", async ({ browser, page, request }) => {
  const person = await someone(request, "Oona", "Sessions");
  const other = await browser.newContext({
    userAgent:
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  });
  const phone = await other.newPage();
  await loggedIn(phone, person.username, PASSWORD);

  await loggedIn(page, person.username, PASSWORD);
  await hydrated(page, "/account");
  const phoneSession = page.locator(".sessions__item", { hasText: "Chrome 131 on Android 14" });
  await expect(phoneSession).toBeVisible();
  await expect(phoneSession).toContainText("from 127.0.0.1");
  await phoneSession.getByRole("button", { name: "Log out this session: Chrome 131 on Android 14" }).click();
  await expect(page.locator("#sessions-ended")).toHaveText("1 session was logged out.");
  await expect(phoneSession).toHaveCount(0);

  await phone.reload();
  await expect(phone.locator("#current-user")).toHaveCount(0);
  await other.close();
});

test("download your data: a JSON file of the account, without any hash or secret", async ({ page, request }) => {
  const person = await someone(request, "Dara", "Export");
  await loggedIn(page, person.username, PASSWORD);
  await page.goto("/account");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download your data (JSON)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("threshold-account.json");
  const text = await (await import("node:fs/promises")).readFile((await file.path())!, "utf8");
  const data = JSON.parse(text);
  expect(data.profile.username).toBe(person.username);
  expect(data.profile.email).toBe(person.email);
  expect(data.sessions.length).toBe(1);
  expect(data.events.map((e: { kind: string }) => e.kind)).toContain("login");
  expect(text).not.toContain("$argon2");
  expect(text).not.toContain(PASSWORD);

  // Logged out, the address leads to the page that says to log in.
  const response = await request.get("/account/export", { maxRedirects: 0 });
  expect(response.status()).toBe(303);
  expect(response.headers()["location"]).toBe("/account");
});

/// The link to `path` in the newest message to `email` whose subject is
/// `subject`, from the development mailbox; answers its path and query.
async function mailedLink(page: Page, email: string, subject: string, path: string): Promise<string> {
  const link = page
    .locator(".mailbox__item", { hasText: `to ${email}` })
    .filter({ hasText: subject })
    .first()
    .getByRole("link");
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await link.click();
  const body = await page.locator("#message-body").innerText();
  const found = body.match(new RegExp(`${path.replace(/[/]/g, "\\/")}\\?token=[A-Za-z0-9_-]+`));
  expect(found, `a ${path} link in:\n${body}`).not.toBeNull();
  return found![0];
}

test("the welcome email's link confirms the address, and the banner goes", async ({ page, request }) => {
  const person = await someone(request, "Wren", "Welcome");
  await loggedIn(page, person.username, PASSWORD);
  await expect(page.locator("#confirm-banner")).toContainText(person.email);
  const link = await mailedLink(page, person.email, "Your Threshold account", "/account/confirm-email");
  await page.goto(link);
  await page.getByRole("button", { name: "Confirm this address" }).click();
  await expect(page.locator("#email-confirmed")).toContainText(`${person.email} is confirmed`);
  await hydrated(page, "/");
  await expect(page.locator("#signed-in-title")).toBeVisible();
  await expect(page.locator("#confirm-banner")).toHaveCount(0);
  await page.goto("/account");
  await expect(page.locator("#account-email-state")).toHaveText("Confirmed");
});

for (const script of [true, false]) {
  test(`change email ${script ? "with" : "without"} JavaScript: nothing changes until the link sent to the new address is followed`, async ({
    browser,
    request,
  }) => {
    const person = await someone(request, "Enzo", script ? "Moved" : "MovedPlain");
    const newEmail = `moved.${script ? "js" : "plain"}.${run}@example.net`;
    const context = await browser.newContext({ javaScriptEnabled: script });
    const page = await context.newPage();
    await page.goto("/");
    await submitLogIn(page, person.username, PASSWORD);
    await expect(page.locator("#current-user")).toBeVisible();
    if (script) {
      await hydrated(page, "/account");
    } else {
      await page.goto("/account");
    }
    const form = page.getByRole("region", { name: "Change email address" });
    await form.getByLabel("New email address").fill(newEmail);
    await form.getByLabel("Current password").fill("not my password");
    await form.getByRole("button", { name: "Send confirmation link" }).click();
    await expect(page.locator("#email-current-password-error")).toContainText("not your current password");
    await expect(form.getByLabel("New email address")).toHaveValue(newEmail);

    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByRole("button", { name: "Send confirmation link" }).click();
    await expect(page.locator("#email-change-sent")).toContainText(`Check ${newEmail}`);
    await expect(page.locator("#pending-email")).toContainText(newEmail);
    await expect(page.locator("#account-email")).toHaveText(person.email);

    const link = await mailedLink(page, newEmail, "Confirm your new email address", "/account/confirm-email");
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm this address" }).click();
    await expect(page.locator("#email-confirmed")).toContainText(`${newEmail} is now the email address of your account`);
    await page.goto("/account");
    await expect(page.locator("#account-email")).toHaveText(newEmail);
    await expect(page.locator("#account-email-state")).toHaveText("Confirmed");
    await expect(page.locator("#pending-email")).toHaveCount(0);
    // The link works once.
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm this address" }).click();
    await expect(page.getByRole("alert")).toContainText("This link no longer works");
    await context.close();
  });
}
