import { expect, Page, test } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { hydrated, logIn } from "./pages";

// Each test registers people no other test uses: the database lives for the
// whole run.
const run = Date.now().toString(36);
const email = (who: string) => `${who}.${run}@example.org`;

async function openRegister(page: Page) {
  await hydrated(page, "/");
  await page.locator("#open-register").click();
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
  await expect(dialog.getByText("At least 15 characters")).toBeVisible();

  await fillPerson(dialog, { first: "Chidi", surname: "Ó Briain", email: email("chidi") });
  await dialog.getByRole("button", { name: "Create account" }).click();

  const username = dialog.locator("#registered-username");
  await expect(username).toHaveText(/^OBriain\d{4}$/);
  await expect(dialog.getByRole("heading", { name: /Welcome, Chidi/ })).toBeFocused();
});

test("a practice admin names the practice and keeps a chosen username", async ({ page }) => {
  const dialog = await openRegister(page);
  await expect(dialog.getByLabel("Practice name")).toBeHidden();
  await dialog.getByLabel("Practice admin").check();
  await fillPerson(dialog, {
    first: "Mira",
    surname: "Müller",
    email: email("mira"),
    username: `mira.${run}`,
  });

  // Forgetting the practice name is caught, next to the field.
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#register-practice-name-error .field__error")).toHaveText(
    "Error: Enter your practice name",
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
  const alert = dialog.locator("#register-email-error .field__error");
  await expect(alert).toContainText("There is already an account with this email address");
  await expect(dialog.getByLabel("Email address")).toHaveAttribute("aria-invalid", "true");

  await alert.getByRole("button", { name: "Is it yours? Get your username and a new password" }).click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset).toBeVisible();
  await expect(reset.getByLabel("Email address")).toHaveValue(taken.toUpperCase());
});

test("every field error of an empty form is announced next to its field", async ({ page }) => {
  const dialog = await openRegister(page);
  await dialog.getByRole("button", { name: "Create account" }).click();
  for (const field of ["first-name", "surname", "email", "password"]) {
    await expect(dialog.locator(`#register-${field}-error .field__error`)).toBeVisible();
    await expect(dialog.locator(`#register-${field}`)).toHaveAttribute("aria-invalid", "true");
  }
  await expect(dialog.locator("#register-email-error .field__error")).toHaveText(
    "Error: Enter your email address",
  );
  // Nothing was created: the dialog still shows the form.
  await expect(dialog.locator("#registered-username")).toHaveCount(0);
});

// The rules the server judges (breached list, strength, the person's own
// words) come from its verdict, asked for once typing pauses.
const rule = (dialog: ReturnType<Page["getByRole"]>, name: string) =>
  dialog.locator(`.rule[data-rule=${name}]`);

test("the password verdict updates as one types", async ({ page }) => {
  const dialog = await openRegister(page);
  await dialog.getByLabel("First name").fill("Ada");
  await dialog.getByLabel("Surname").fill("Okafor");
  const password = dialog.getByLabel("Password", { exact: true });
  for (const name of ["length", "breached", "guessable", "personal"]) {
    await expect(rule(dialog, name)).toHaveClass(/rule--pending/);
  }
  await expect(dialog.getByText(/three or four unrelated words/).first()).toBeVisible();

  // Still typing: a rule not yet met is neutral, not an error.
  await password.fill("short");
  await expect(rule(dialog, "length")).toHaveClass(/rule--neutral/);
  // Once the field is left, it is judged.
  await password.blur();
  await expect(rule(dialog, "length")).toHaveClass(/rule--unmet/);

  await password.fill("passwordpassword");
  await expect(rule(dialog, "length")).toHaveClass(/rule--met/);
  await expect(rule(dialog, "breached")).toHaveClass(/rule--unmet/);
  await expect(rule(dialog, "breached")).toContainText(
    "appears in a list of passwords exposed in data breaches",
  );

  await password.fill("abcabcabcabcabc");
  await expect(rule(dialog, "breached")).toHaveClass(/rule--met/);
  await expect(rule(dialog, "guessable")).toHaveClass(/rule--unmet/);
  await expect(rule(dialog, "guessable")).toContainText("Too easy to guess");

  await password.fill("maple okafor cobalt drift");
  await expect(rule(dialog, "personal")).toHaveClass(/rule--unmet/);
  await expect(rule(dialog, "personal")).toContainText("must not contain your surname");

  // Typed key by key, as a person does: the verdict follows the final text.
  await password.fill("");
  await password.pressSequentially("maple cobalt drift", { delay: 40 });
  for (const name of ["length", "breached", "guessable", "personal"]) {
    await expect(rule(dialog, name)).toHaveClass(/rule--met/);
  }
});

test("a slow verdict is overtaken by the newer one and never holds the form", async ({ page }) => {
  // The verdict on the breached password is held back for 3 s; the one on
  // the passphrase typed after it answers at once.
  await page.route("**/api/password_verdict", async (route) => {
    if ((route.request().postData() ?? "").includes("passwordpassword")) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    await route.continue();
  });
  const dialog = await openRegister(page);
  const password = dialog.getByLabel("Password", { exact: true });
  await password.fill("passwordpassword");
  await expect(dialog.locator(".rules__note")).toHaveText("Checking…");
  await page.waitForTimeout(600);
  await password.fill("maple cobalt drift");
  await expect(rule(dialog, "breached")).toHaveClass(/rule--met/);
  // The old answer arrives late and changes nothing.
  await page.waitForTimeout(3_000);
  await expect(rule(dialog, "breached")).toHaveClass(/rule--met/);

  // A verdict that takes too long is said to, and sending the form still
  // works: the server checks the password then.
  await page.unroute("**/api/password_verdict");
  await page.route("**/api/password_verdict", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await route.continue().catch(() => {});
  });
  await password.fill("passwordpassword");
  await expect(dialog.locator(".rules__note")).toContainText("Still checking", { timeout: 8_000 });
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#register-password-error .field__error")).toContainText(
    "exposed in data breaches",
  );
});

test("a GMC number of the wrong length is refused with what a GMC number looks like", async ({ page }) => {
  const dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Ada", surname: "Lovelace", email: email("short-gmc") });
  await dialog.getByLabel("Type").selectOption("GMC");
  await dialog.getByLabel("Number").fill("123");
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#register-number-error .field__error")).toHaveText(
    "Error: A GMC number is 7 digits, like 7012345",
  );
  await expect(dialog.getByLabel("Number")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.locator("#registered-username")).toHaveCount(0);
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
    "There is already an account with this GMC number. If it is yours, get a new password instead of registering again.",
  );
  await dialog.getByLabel("That account is not mine. Create a separate account").check();
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
  const alert = dialog.locator("#register-username-error .field__error");
  await expect(alert).toContainText("looks the same as one already in use");
  await expect(dialog.getByLabel("Username (optional)")).toHaveAttribute("aria-invalid", "true");

  // A Cyrillic "о" inside a Latin name is refused as it is typed in.
  await dialog.getByLabel("Username (optional)").fill(`\u043Ekafor.${run}`);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(alert).toContainText("mixes letters from different alphabets");
});

// "Did you mean nhs.net?": a likely slip in the email's domain is offered,
// once the field is left, as a suggestion the person may take or ignore.
test("a slip in the email's domain is suggested once the field is left, and taken with one press", async ({ page }, testInfo) => {
  // On a phone, where the address and its button have least room.
  await page.setViewportSize({ width: 360, height: 780 });
  const dialog = await openRegister(page);
  // Until it has something to say, the suggestion's live region takes no
  // room: the email field is as tall as the surname field.
  const height = (id: string) =>
    dialog.locator(`.field:has(> #${id})`).evaluate((field) => field.getBoundingClientRect().height);
  expect(await height("register-email")).toBe(await height("register-surname"));
  const field = dialog.getByLabel("Email address");
  const typed = `someone.${run}@nhs.ner`;
  await field.fill(typed);
  // Not while typing: only once the field is left.
  await expect(dialog.getByText("Did you mean")).toHaveCount(0);
  await field.press("Tab");

  const suggestion = dialog.locator("#register-email-suggestion");
  await expect(suggestion).toHaveAttribute("aria-live", "polite");
  await expect(suggestion).toContainText(`Did you mean someone.${run}@nhs.net?`);
  await expect(suggestion.locator("strong")).toHaveText(`someone.${run}@nhs.net`);
  // A suggestion, not an error.
  await expect(field).not.toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByRole("alert")).toBeHidden();
  // It fits the phone's width: nothing scrolls sideways.
  const box = (await suggestion.boundingBox())!;
  const frame = (await dialog.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(frame.x + frame.width);
  expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
  await expectAccessible(page, "Create an account dialog with a suggested email");
  await testInfo.attach("email-suggestion-phone.png", { body: await dialog.screenshot(), contentType: "image/png" });

  await suggestion.getByRole("button", { name: "Use nhs.net" }).click();
  await expect(field).toHaveValue(`someone.${run}@nhs.net`);
  await expect(field).toBeFocused();
  await expect(dialog.getByText("Did you mean")).toHaveCount(0);
  // Leaving the corrected address brings no new suggestion.
  await field.press("Tab");
  await expect(dialog.getByText("Did you mean")).toHaveCount(0);
});

test("an ignored suggestion registers the address as typed", async ({ page }) => {
  const typed = `kept.${run}@nhs.ner`;
  const dialog = await openRegister(page);
  await fillPerson(dialog, { first: "Kemi", surname: "Adeyemi", email: typed });
  // Filling the password left the email field: the suggestion is there.
  await expect(dialog.locator("#register-email-suggestion")).toContainText(`Did you mean kept.${run}@nhs.net?`);
  await dialog.getByRole("button", { name: "Create account" }).click();
  await expect(dialog.locator("#registered-username")).toHaveText(/^Adeyemi\d{4}$/);

  // The account is the address as typed: it logs in with it.
  await page.context().clearCookies();
  const login = await logIn(page, typed, "violet kettle harbour");
  await expect(login).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText("Kemi Adeyemi");
});
