import { Browser, expect, Page, test } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { readResetEmail, registered, submitLogIn } from "./pages";

// Every public flow with JavaScript off: the forms post to their server
// functions as plain HTML, and the page that comes back shows the answer
// (server/src/http/no_script.rs, app/src/posted.rs) with the same field
// messages, the summary focused, and what was typed still in the fields.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const NEW_PASSWORD = "orchard lantern pebble";

async function withoutScript(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  return context.newPage();
}

/// The server's HTML alone, with JavaScript on for axe: the bundle is
/// never fetched, so the page stays exactly as the server sent it.
async function withoutBundle(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  await context.route("**/pkg/*.{wasm,js}", (route) => route.abort());
  return context.newPage();
}

test("log in: a refusal comes back in the dialog with the name kept and the summary focused; then it logs in and out", async ({
  browser,
  request,
}) => {
  const person = await registered(request, { firstName: "Nadia", surname: "Plain", run, password: PASSWORD });
  const page = await withoutScript(browser);
  await page.goto("/");
  await submitLogIn(page, person.username, "not the password at all");

  // A new page, the dialog open in it, with the answer.
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  const summary = dialog.locator("#login-error-summary");
  await expect(summary).toBeVisible();
  await expect(summary).toHaveAttribute("role", "alert");
  await expect(summary).toBeFocused();
  await expect(dialog.getByLabel("Username or email")).toHaveValue(person.username);
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveValue("");

  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Nadia Plain");
  // The refusal does not come back on the next page.
  await expect(page.locator("dialog[open]")).toHaveCount(0);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.locator("#open-login")).toBeVisible();
  await expect(page.locator("#signed-in-title")).toHaveCount(0);
  await page.context().close();
});

test("register: a refusal keeps what was typed (not the password); the account is made and its username shown", async ({
  browser,
}) => {
  const page = await withoutScript(browser);
  await page.goto("/");
  await page.locator("#open-register").click();
  let dialog = page.getByRole("dialog", { name: "Create an account" });
  const email = `plain.register.${run}@example.org`;
  // No first name: refused.
  await dialog.getByLabel("Surname").fill("Plain");
  await dialog.getByLabel("Email address").fill(email);
  await dialog.getByLabel("Practice admin").check();
  await dialog.getByLabel("Practice name").fill("Riverside Surgery");
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create account" }).click();

  dialog = page.getByRole("dialog", { name: "Create an account" });
  await expect(dialog).toBeVisible();
  await expect(dialog.locator("#register-error-summary")).toBeFocused();
  await expect(dialog.locator("#register-first-name-error .field__error")).toHaveText("Error: Enter your first name");
  await expect(dialog.getByLabel("First name")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Surname")).toHaveValue("Plain");
  await expect(dialog.getByLabel("Email address")).toHaveValue(email);
  await expect(dialog.getByLabel("Practice admin")).toBeChecked();
  await expect(dialog.getByLabel("Practice name")).toHaveValue("Riverside Surgery");
  await expect(dialog.getByLabel("Password", { exact: true })).toHaveValue("");

  await dialog.getByLabel("First name").fill("Priya");
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create account" }).click();
  dialog = page.getByRole("dialog", { name: "Create an account" });
  await expect(dialog.locator("#registered-username")).toHaveText(/^Plain\d+$/);
  await expect(page.locator("#current-user")).toHaveText("Priya Plain");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expect(dialog).toBeHidden();
  await page.context().close();
});

test("forgotten password: the request is answered, the emailed password logs in, and a new one is chosen", async ({
  browser,
  request,
}) => {
  const person = await registered(request, { firstName: "Omar", surname: "Plainreset", run, password: PASSWORD });
  const page = await withoutScript(browser);
  await page.goto("/");
  await page.getByRole("button", { name: "Forgotten your username or password?" }).click();
  let reset = page.getByRole("dialog", { name: "Forgotten password" });
  await reset.getByLabel("Email address").fill("not an address");
  await reset.getByRole("button", { name: "Send reset email" }).click();
  reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset.locator("#reset-error-summary")).toBeFocused();
  await expect(reset.getByLabel("Email address")).toHaveValue("not an address");

  await reset.getByLabel("Email address").fill(person.email);
  await reset.getByRole("button", { name: "Send reset email" }).click();
  reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset.locator("#reset-answer")).toBeVisible();
  await expect(reset.locator("#reset-address")).toHaveText(person.email);

  const emailed = await readResetEmail(page, person.email);
  await page.goto("/");
  await submitLogIn(page, emailed.username, emailed.password);

  let choose = page.getByRole("dialog", { name: "Choose a new password" });
  await expect(choose).toBeVisible();
  await choose.getByLabel("New password").fill(person.username);
  await choose.getByRole("button", { name: "Save password" }).click();
  choose = page.getByRole("dialog", { name: "Choose a new password" });
  await expect(choose.locator("#choose-password-error-summary")).toBeFocused();
  await expect(choose.getByLabel("New password")).toHaveValue("");

  await choose.getByLabel("New password").fill(NEW_PASSWORD);
  await choose.getByRole("button", { name: "Save password" }).click();
  choose = page.getByRole("dialog", { name: "Choose a new password" });
  await expect(choose.locator("#password-changed")).toBeVisible();
  await choose.getByRole("link", { name: "Continue" }).click();
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Omar Plainreset");
  await page.context().close();
});

test("contact support: a refusal keeps the message; the request is sent and its reference shown", async ({
  browser,
}) => {
  const page = await withoutScript(browser);
  await page.goto("/contact-support");
  let form = page.getByRole("region", { name: "Contact support" });
  const message = "My trust email was closed when I moved practice.";
  await form.getByLabel("Surname").fill("Plaincontact");
  await form.getByLabel("Email address we can reach you at").fill(`plaincontact.${run}@example.org`);
  await form.getByLabel("What happened?").fill(message);
  await form.getByRole("button", { name: "Send to support" }).click();

  form = page.getByRole("region", { name: "Contact support" });
  await expect(form.getByLabel("First name")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByRole("alert")).toBeFocused();
  await expect(form.getByLabel("What happened?")).toHaveValue(message);
  await expect(form.getByLabel("Surname")).toHaveValue("Plaincontact");

  await form.getByLabel("First name").fill("Rhys");
  await form.getByRole("button", { name: "Send to support" }).click();
  await expect(page.locator("#contact-reference")).toHaveText(/\S+/);
  await page.context().close();
});

test("the answers without the bundle have no serious accessibility problems", async ({ browser, request }) => {
  const person = await registered(request, { firstName: "Aled", surname: "Plainaxe", run, password: PASSWORD });
  const page = await withoutBundle(browser);
  await page.goto("/");
  await submitLogIn(page, person.username, "");
  let dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog.locator("#login-error-summary")).toBeFocused();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(0);
  await expectAccessible(page, "Log in refused, server HTML only");

  await page.goto("/");
  await page.locator("#open-register").click();
  dialog = page.getByRole("dialog", { name: "Create an account" });
  await dialog.getByRole("button", { name: "Create account" }).click();
  dialog = page.getByRole("dialog", { name: "Create an account" });
  await expect(dialog.locator("#register-error-summary")).toBeFocused();
  await expectAccessible(page, "Create an account refused, server HTML only");

  await page.goto("/contact-support");
  await page.getByRole("button", { name: "Send to support" }).click();
  await expect(page.locator("#contact-first-name")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "Contact support refused, server HTML only");
  await page.context().close();
});

test("the help centre searches without JavaScript", async ({ browser }) => {
  const page = await withoutScript(browser);
  await page.goto("/help");
  await page.getByLabel("Search the help").fill("forgotten password");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/help\?q=forgotten\+password$/);
  await expect(page.getByLabel("Search the help")).toHaveValue("forgotten password");
  await expect(page.locator("#help-articles li").first()).toBeVisible();
  await page.context().close();
});
