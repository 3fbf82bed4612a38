import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { registered as registeredAs } from "./pages";

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";

const registered = (request: APIRequestContext, who: string) =>
  registeredAs(request, { firstName: "Noor", surname: who, run, password: PASSWORD });

async function openLogin(page: Page) {
  await page.goto("/");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function logIn(page: Page, identifier: string, password: string) {
  const dialog = await openLogin(page);
  await dialog.getByLabel("Username or email").fill(identifier);
  await dialog.getByLabel("Password", { exact: true }).fill(password);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  return dialog;
}

test("log in with the username, survive a reload, log out, log in with the email", async ({ page, request }) => {
  const person = await registered(request, "Haddad");
  let dialog = await logIn(page, person.username.toUpperCase(), PASSWORD);
  await expect(dialog).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText(`Noor Haddad`);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();

  await page.reload();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await expect(page.locator("#current-user")).toHaveText(`Noor Haddad`);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.locator("#open-login")).toBeVisible();
  await page.reload();
  await expect(page.locator("#open-login")).toBeVisible();
  await expect(page.locator("#current-user")).toHaveCount(0);

  dialog = await logIn(page, person.email.toUpperCase(), PASSWORD);
  await expect(dialog).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText(`Noor Haddad`);
});

test("a wrong password is told, in an announced message", async ({ page, request }) => {
  const person = await registered(request, "Wrong");
  const dialog = await logIn(page, person.username, "violet kettle harbor");
  const summary = dialog.getByRole("alert");
  await expect(summary).toContainText("There is a problem");
  await expect(summary).toContainText("Your username/email or password is incorrect.");
  await expect(summary).toBeFocused();
  await expect(dialog).toBeVisible();
});

test("a password whose first letter a phone capitalised still logs in", async ({ page, request }) => {
  const person = await registered(request, "Phone");
  const dialog = await logIn(page, person.email, "Violet kettle harbour");
  await expect(dialog).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText("Noor Phone");
});

test("the dialog warns when Caps Lock is on", async ({ page }) => {
  const dialog = await openLogin(page);
  const password = dialog.getByLabel("Password", { exact: true });
  await password.focus();
  await expect(dialog.getByText("Caps Lock is on")).toHaveCount(0);
  await password.dispatchEvent("keydown", { key: "A", modifierCapsLock: true });
  await expect(dialog.getByText("Caps Lock is on. Passwords are case sensitive.")).toBeVisible();
  await password.dispatchEvent("keyup", { key: "a", modifierCapsLock: false });
  await expect(dialog.getByText("Caps Lock is on")).toHaveCount(0);
});

test("the help, the reset link and the register link are in the dialog", async ({ page }) => {
  const dialog = await openLogin(page);
  await dialog.getByText("Having trouble logging in?").click();
  await expect(dialog.getByText("Phones often capitalise the first letter")).toBeVisible();
  await dialog.getByLabel("Username or email").fill("someone@example.org");
  await dialog.getByRole("button", { name: "Forgotten password" }).click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset.getByLabel("Email address")).toHaveValue("someone@example.org");
});

test("registering logs the person in", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.locator("#open-register").click();
  const dialog = page.getByRole("dialog", { name: "Create an account" });
  await dialog.getByLabel("First name").fill("Lena");
  await dialog.getByLabel("Surname").fill("Nguyễn");
  await dialog.getByLabel("Email address").fill(`lena.${run}@example.org`);
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toHaveText(/^Nguyen\d{4}$/);
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#current-user")).toHaveText("Lena Nguyễn");
});

test("each login gets a new session cookie and logout kills the old one on the server", async ({ page, request, playwright }) => {
  const person = await registered(request, "Rotate");
  const session = async () =>
    (await page.context().cookies()).find((cookie) => cookie.name === "threshold_session");
  /// Who the server says a bare cookie belongs to, asked without the browser.
  const whoHas = async (token: string) => {
    const fresh = await playwright.request.newContext({ baseURL: page.url() });
    const response = await fresh.post("/api/current_user", {
      headers: { cookie: `threshold_session=${token}` },
    });
    const body = await response.json();
    await fresh.dispose();
    return body;
  };

  await logIn(page, person.username, PASSWORD);
  await expect(page.locator("#current-user")).toBeVisible();
  const first = await session();
  expect(first?.httpOnly).toBe(true);
  expect(first?.sameSite).toBe("Lax");
  expect((await whoHas(first!.value))?.username).toBe(person.username);

  // Logging in again from the same browser ends the session it had.
  const again = await page.request.post("/api/login", {
    form: { "form[identifier]": person.email, "form[password]": PASSWORD },
  });
  expect(again.ok()).toBe(true);
  const second = await session();
  expect(second?.value).not.toBe(first?.value);
  expect(await whoHas(first!.value)).toBeNull();
  expect((await whoHas(second!.value))?.username).toBe(person.username);

  // Log out: the server forgets the session, not only the browser. (The
  // button works once the reloaded page has hydrated.)
  await page.reload();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.locator("#open-login")).toBeVisible();
  expect(await whoHas(second!.value)).toBeNull();
});
