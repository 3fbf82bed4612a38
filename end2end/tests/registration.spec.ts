import { expect, Page, test } from "@playwright/test";

// Each test registers people no other test uses: the database lives for the
// whole run.
const run = Date.now().toString(36);
const email = (who: string) => `${who}.${run}@example.org`;

async function openRegister(page: Page) {
  await page.goto("/");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Register" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an account" });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function fillPerson(
  dialog: ReturnType<Page["getByRole"]>,
  person: { first: string; surname: string; email: string; username?: string },
) {
  await dialog.getByLabel("First name").fill(person.first);
  await dialog.getByLabel("Surname").fill(person.surname);
  await dialog.getByLabel("Email address").fill(person.email);
  if (person.username) await dialog.getByLabel("Username (optional)").fill(person.username);
  await dialog.getByLabel("Password", { exact: true }).fill("violet kettle harbour");
}

test("a practitioner registers with a blank username and is shown the generated one", async ({ page }) => {
  const dialog = await openRegister(page);
  // The first field has focus, and the password rules show before typing.
  await expect(dialog.getByLabel("First name")).toBeFocused();
  await expect(dialog.getByText("At least 12 characters")).toBeVisible();

  await fillPerson(dialog, { first: "Chidi", surname: "Ó Briain", email: email("chidi") });
  await dialog.getByRole("button", { name: "Create account" }).click();

  const username = dialog.locator("#registered-username");
  await expect(username).toHaveText(/^OBriain\d{4}$/);
  await expect(dialog.getByRole("heading", { name: /Welcome, Chidi/ })).toBeFocused();
});

test("a practice admin names the practice and keeps a chosen username", async ({ page }) => {
  const dialog = await openRegister(page);
  await expect(dialog.getByLabel("Practice name")).toHaveCount(0);
  await dialog.getByLabel("Practice admin").check();
  await fillPerson(dialog, {
    first: "Mira",
    surname: "Müller",
    email: email("mira"),
    username: `mira.${run}`,
  });

  // Forgetting the practice name is caught, next to the field.
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#register-practice-name-error [role=alert]")).toHaveText(
    "Please fill this in",
  );
  await dialog.getByLabel("Practice name").fill("Riverside Surgery");
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toHaveText(`mira.${run}`);
});

test("a taken email says so and its link opens the reset dialog with the email", async ({ page }) => {
  const taken = email("taken");
  let dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Tom", surname: "Okafor", email: taken });
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toBeVisible();
  // Registering logged that person in; the next one arrives logged out.
  await page.context().clearCookies();

  dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Tom", surname: "Okafor", email: taken.toUpperCase() });
  await dialog.getByRole("button", { name: "Create account" }).click();
  const alert = dialog.locator("#register-email-error [role=alert]");
  await expect(alert).toContainText("This email already has an account — Forgotten your login?");
  await expect(dialog.getByLabel("Email address")).toHaveAttribute("aria-invalid", "true");

  await alert.getByRole("button", { name: "Forgotten password" }).click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset).toBeVisible();
  await expect(reset.getByLabel("Email address")).toHaveValue(taken.toUpperCase());
});

test("every field error of an empty form is announced next to its field", async ({ page }) => {
  const dialog = await openRegister(page);
  await dialog.getByRole("button", { name: "Create account" }).click();
  for (const field of ["first-name", "surname", "email", "password"]) {
    await expect(dialog.locator(`#register-${field}-error [role=alert]`).first()).toBeVisible();
    await expect(dialog.locator(`#register-${field}`)).toHaveAttribute("aria-invalid", "true");
  }
  await expect(dialog.locator("#register-email-error [role=alert]")).toHaveText(
    "Enter your email address",
  );
  // Nothing was created: the dialog still shows the form.
  await expect(dialog.locator("#registered-username")).toHaveCount(0);
});

test("password rules are checked while typing, common passwords included", async ({ page }) => {
  const dialog = await openRegister(page);
  const password = dialog.getByLabel("Password", { exact: true });
  const length = dialog.locator(".rule").nth(0);
  const common = dialog.locator(".rule").nth(1);
  const contains = dialog.locator(".rule").nth(2);

  await password.fill("short");
  await expect(length).toHaveClass(/rule--unmet/);

  await password.fill("QWERTY123456");
  await expect(length).toHaveClass(/rule--met/);
  await expect(common).toHaveClass(/rule--unmet/);

  await dialog.getByLabel("Username (optional)").fill("kettle");
  await password.fill("violet kettle harbour");
  await expect(common).toHaveClass(/rule--met/);
  await expect(contains).toHaveClass(/rule--unmet/);
});

test("a second account with the same GMC number is warned and needs confirming", async ({ page }) => {
  const number = `7${Date.now().toString().slice(-6)}`;
  let dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Ada", surname: "Lovelace", email: email("ada1") });
  await dialog.getByLabel("Type").selectOption("GMC");
  await dialog.getByLabel("Number").fill(number);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toBeVisible();
  // Registering logged that person in; the next one arrives logged out.
  await page.context().clearCookies();

  dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Ada", surname: "Lovelace", email: email("ada2") });
  await dialog.getByLabel("Type").selectOption("GMC");
  await dialog.getByLabel("Number").fill(number);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.getByRole("alert")).toContainText(
    "An account with this GMC number already exists — if it is yours, use Forgotten password",
  );
  await dialog.getByLabel("That account is not mine: create a separate account").check();
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toHaveText(/^Lovelace\d{4}$/);
});

test("a username that looks like a registered one is refused next to the field", async ({ page }) => {
  // "1" and "l" look the same: the second is taken.
  const registered = await page.request.post("/api/register", {
    form: {
      "form[first_name]": "Uche",
      "form[surname]": "Okafor",
      "form[email]": email("uche"),
      "form[username]": `okafor1.${run}`,
      "form[account_type]": "practitioner",
      "form[password]": "violet kettle harbour lantern",
    },
  });
  expect(registered.ok()).toBe(true);
  await page.context().clearCookies();

  const dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Uche", surname: "Okafor", email: email("uche.two"), username: `okaforl.${run}` });
  await dialog.getByRole("button", { name: "Create account" }).click();
  const alert = dialog.locator("#register-username-error [role=alert]");
  await expect(alert).toContainText("looks the same as an existing account's name");
  await expect(dialog.getByLabel("Username (optional)")).toHaveAttribute("aria-invalid", "true");

  // A Cyrillic "о" inside a Latin name is refused as it is typed in.
  await dialog.getByLabel("Username (optional)").fill(`\u043Ekafor.${run}`);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(alert).toContainText("mixes letters from different alphabets");
});
