import { Browser, expect, Page, test } from "@playwright/test";
import path from "node:path";
import { enrolledSupportUser, giveSecondStep, serverBinary, Staff } from "./operator";
import { hydrated, logIn, readResetEmail } from "./pages";

// Two people at once: a support user watching an account page, and the
// person whose account it is, each in their own browser context.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const STAFF = { username: `sam.${run}`, password: "harbour lantern orchard" };
const repo = path.resolve(__dirname, "../..");

let staff: Staff;

test.beforeAll(async () => {
  // As an operator would: the server's command line, the password on
  // stdin; then the support user sets up an authenticator app.
  staff = await enrolledSupportUser(STAFF.username, STAFF.password);
});

async function newPerson(browser: Browser, who: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const username = `${who}.${run}`;
  const email = `${who}.${run}@example.org`;
  const response = await page.request.post("/api/register", {
    form: {
      "form[first_name]": "Ines",
      "form[surname]": who,
      "form[email]": email,
      "form[username]": username,
      "form[account_type]": "practitioner",
      "form[password]": PASSWORD,
    },
  });
  expect(response.ok()).toBe(true);
  // Registering logs in; this person starts logged out.
  await page.request.post("/api/logout");
  return { page, username, email };
}

/// Logs the support user in and opens the account page of `username`,
/// found with the console's search.
async function supportWatching(browser: Browser, username: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialog = await logIn(page, STAFF.username, STAFF.password);
  await expect(dialog).toBeHidden();
  await giveSecondStep(page, staff);
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Support console" }).click();
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.getByLabel("Search accounts").fill(username.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  const results = page.locator("#search-results");
  await expect(results.getByRole("row")).toHaveCount(2);
  await results.getByRole("link").first().click();
  await expect(page.locator("#account-username")).toHaveText(username);
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await expect(page.locator(".live-state")).toHaveText("Live");
  return page;
}

test("support sees a failed login, a login and a reset request live, without reloading", async ({ browser }) => {
  const person = await newPerson(browser, "Achebe");
  const support = await supportWatching(browser, person.username);
  const activity = support.locator("#account-events");
  const live = { timeout: 2_000 };

  let dialog = await logIn(person.page, person.username, "not my password at all");
  await expect(dialog.getByRole("alert")).toContainText("incorrect");
  await expect(activity).toContainText("Failed login", live);
  await expect(support.locator("#security-failed-logins")).toHaveText("1", live);

  dialog = await logIn(person.page, person.username, PASSWORD);
  await expect(dialog).toBeHidden();
  await expect(activity).toContainText("Logged in", live);
  await expect(support.locator("#security-failed-logins")).toHaveText("0", live);

  await person.page.getByRole("button", { name: "Log out" }).click();
  await person.page.locator("#open-login").click();
  await person.page.getByRole("dialog", { name: "Log in" }).getByRole("button", { name: "Forgotten password" }).click();
  const reset = person.page.getByRole("dialog", { name: "Forgotten password" });
  await reset.getByLabel("Email address").fill(person.email);
  await reset.getByRole("button", { name: "Send reset email" }).click();
  await expect(activity).toContainText("Asked for a password reset", live);
  await expect(support.locator("#deliveries")).toContainText(person.email, live);

  // The console's own feed carries the same events.
  await support.getByRole("link", { name: "← Support console" }).click();
  await expect(support.locator("#live-feed")).toContainText("Asked for a password reset");
});

test("support changes a person's email and sends a reset; the person gets in with it", async ({ browser }) => {
  const person = await newPerson(browser, "Adichie");
  const support = await supportWatching(browser, person.username);
  const newEmail = `adichie.new.${run}@example.org`;

  // The address the account already has is refused at the field, as on
  // every form.
  await support.getByLabel("New email address").fill(person.email.toUpperCase());
  await support.getByRole("button", { name: "Change email" }).click();
  await support.getByRole("button", { name: "Yes, change the email" }).click();
  const fieldError = support.locator("#new-email-error .field__error");
  await expect(fieldError).toContainText("Error:");
  await expect(support.getByLabel("New email address")).toHaveAttribute("aria-invalid", "true");

  await support.getByLabel("New email address").fill(newEmail);
  await support.getByRole("button", { name: "Change email" }).click();
  await expect(support.locator("#confirm-text")).toContainText(newEmail);
  await support.getByRole("button", { name: "Yes, change the email" }).click();
  await expect(support.locator("#action-result")).toHaveText(`Email address changed to ${newEmail}.`);
  await expect(support.locator("#account-email")).toHaveText(newEmail);
  await expect(support.locator("#email-history")).toContainText(person.email);
  await expect(support.locator("#audit-trail")).toContainText("changed the email address");

  await support.getByRole("button", { name: "Send reset email" }).click();
  await expect(support.locator("#confirm-text")).toContainText(newEmail);
  await support.getByRole("button", { name: "Yes, send the reset email" }).click();
  await expect(support.locator("#action-result")).toContainText("Reset email queued");
  await expect(support.locator("#deliveries")).toContainText(newEmail);

  const { password } = await readResetEmail(person.page, newEmail);
  const dialog = await logIn(person.page, newEmail, password);
  await expect(dialog).toBeHidden();
  const choose = person.page.getByRole("dialog", { name: "Choose a new password" });
  await choose.getByLabel("New password").fill("copper meadow lantern");
  await choose.getByRole("button", { name: "Save password" }).click();
  await choose.getByRole("link", { name: "Continue" }).click();
  await expect(choose).toBeHidden();
  await expect(person.page.locator("#current-user")).toHaveText("Ines Adichie");

  await expect(support.locator("#account-events")).toContainText("Chose a new password", { timeout: 2_000 });
  await expect(support.locator("#deliveries .delivery-status").first()).toHaveText("sent");
});

test("people who are not support are refused the console", async ({ browser }) => {
  const person = await newPerson(browser, "Okri");
  await hydrated(person.page, "/support");
  await expect(person.page.getByRole("heading", { name: "Log in to continue" })).toBeVisible();
  const dialog = await logIn(person.page, person.username, PASSWORD);
  await expect(dialog).toBeHidden();
  const response = await person.page.goto("/support");
  expect(response?.status()).toBe(403);
  await expect(person.page.getByRole("heading", { name: "Support staff only" })).toBeVisible();
  await expect(person.page.getByRole("link", { name: "Support console" })).toHaveCount(0);
});

test("the live feed reconnects by itself after the server restarts", async ({ browser }) => {
  // A server of this test's own, so it can be killed and started again on
  // the same address while the page stays open.
  const { spawn } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const net = await import("node:net");
  const port: number = await new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(path.join(tmpdir(), "threshold-restart-"));
  const env = {
    ...process.env,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: path.join(repo, "target/site"),
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_OUTPUT_NAME: "threshold",
    DATABASE_URL: `sqlite://${dir}/restart.db`,
    RUST_LOG: "warn",
  };
  const base = `http://127.0.0.1:${port}`;
  const start = async () => {
    const child = spawn(serverBinary, [], { cwd: dir, env, stdio: "ignore" });
    await expect(async () => {
      const response = await fetch(`${base}/healthz`);
      expect(response.ok).toBe(true);
    }).toPass({ timeout: 20_000 });
    return child;
  };

  let server = await start();
  try {
    const kim = await enrolledSupportUser("kim.support", STAFF.password, {
      baseURL: base,
      databaseUrl: env.DATABASE_URL,
      cwd: dir,
    });
    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    const dialog = await logIn(page, "kim.support", STAFF.password);
    await expect(dialog).toBeHidden();
    await giveSecondStep(page, kim);
    await hydrated(page, "/support");
    const state = page.locator(".live-state");
    await expect(state).toHaveText("Live");

    server.kill("SIGKILL");
    await expect(state).toHaveText("Reconnecting…");
    server = await start();
    await expect(state).toHaveText("Live", { timeout: 10_000 });

    // An event after the restart arrives without a reload.
    const response = await page.request.post(`${base}/api/register`, {
      form: {
        "form[first_name]": "Ines",
        "form[surname]": "Soyinka",
        "form[email]": `soyinka.${run}@example.org`,
        "form[username]": `soyinka.${run}`,
        "form[account_type]": "practitioner",
        "form[password]": PASSWORD,
      },
    });
    expect(response.ok()).toBe(true);
    await expect(page.locator("#live-feed")).toContainText(`soyinka.${run}`, { timeout: 3_000 });
    await context.close();
  } finally {
    server.kill("SIGKILL");
  }
});

test("an email that only looks like the account's own needs a reason to be set", async ({ browser }) => {
  // "асе" below is all Cyrillic: one script, so the form takes it, and it
  // looks exactly like "ace".
  const context = await browser.newContext();
  const personPage = await context.newPage();
  const username = `tutu.${run}`;
  const realEmail = `tutu.${run}@ace.org`;
  const fakeEmail = `tutu.${run}@\u0430\u0441\u0435.org`;
  // What the browser's email field turns it into.
  const fakeAscii = `tutu.${run}@xn--80ak9a.org`;
  const registered = await personPage.request.post("/api/register", {
    form: {
      "form[first_name]": "Desmond",
      "form[surname]": "Tutu",
      "form[email]": realEmail,
      "form[username]": username,
      "form[account_type]": "practitioner",
      "form[password]": "violet kettle harbour lantern",
    },
  });
  expect(registered.ok()).toBe(true);
  const support = await supportWatching(browser, username);

  await support.getByLabel("New email address").fill(fakeEmail);
  await support.getByRole("button", { name: "Change email" }).click();
  await support.getByRole("button", { name: "Yes, change the email" }).click();
  const warning = support.locator("#look-alike-warning");
  await expect(warning).toHaveAttribute("role", "alert");
  await expect(warning).toContainText("looks the same as");
  await expect(warning).toContainText(realEmail);
  await expect(support.locator("#account-email")).toHaveText(realEmail);

  const reason = "Confirmed by phone with the practice manager";
  await warning.getByLabel("Why you are sure this address is right").fill(reason);
  await warning.getByRole("button", { name: "Change anyway" }).click();
  await expect(support.locator("#action-result")).toHaveText(`Email address changed to ${fakeAscii}.`);
  await expect(support.locator("#audit-trail")).toContainText(reason);
  // The new address is marked: it shows in another alphabet elsewhere.
  await expect(support.locator("#account-email")).toContainText("written in punycode");
});
