import { APIRequestContext, expect, Page, test } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { hydrated, logIn, readResetEmail, registered as registeredAs } from "./pages";

// The end-to-end server runs without SMTP_URL, so its email is delivered to
// the development mailbox at /dev/mailbox, which these tests read.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const NEW_PASSWORD = "orchard lantern pebble";

const registered = (request: APIRequestContext, who: string) =>
  registeredAs(request, { firstName: "Ines", surname: who, run, password: PASSWORD });

async function askForReset(page: Page, email: string) {
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  const login = page.getByRole("dialog", { name: "Log in" });
  await login.getByRole("button", { name: "Forgotten password" }).click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset).toBeVisible();
  await reset.getByLabel("Email address").fill(email);
  await reset.getByRole("button", { name: "Send reset email" }).click();
  return reset;
}

test("forgotten password: the email, log in with it, choose a new password; the reset password then fails", async ({
  page,
  request,
}) => {
  const person = await registered(request, "Moreau");
  const reset = await askForReset(page, person.email);
  await expect(reset.locator("#reset-answer")).toBeVisible();
  await expect(reset.locator("#reset-address")).toHaveText(person.email);

  const emailed = await readResetEmail(page, person.email);
  expect(emailed.username).toBe(person.username);
  expect(emailed.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);

  const login = await logIn(page, emailed.username, emailed.password);
  await expect(login).toBeHidden();
  const choose = page.getByRole("dialog", { name: "Choose a new password" });
  await expect(choose).toBeVisible();
  await expectAccessible(page, "Choose a new password dialog");
  // It cannot be waved away: Esc leaves it open.
  await page.keyboard.press("Escape");
  await expect(choose).toBeVisible();
  // And it survives a reload until a password is saved.
  await page.reload();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await expect(choose).toBeVisible();

  await choose.getByLabel("New password").fill(person.username);
  await choose.getByRole("button", { name: "Save password" }).click();
  await expect(choose.getByRole("alert").first()).toBeVisible();

  await choose.getByLabel("New password").fill(NEW_PASSWORD);
  await choose.getByRole("button", { name: "Save password" }).click();
  // The news, focused, then on to the signed-in home page.
  await expect(choose.locator("#password-changed")).toBeFocused();
  await expect(choose.locator("#password-changed")).toHaveText("Your password has been changed");
  await choose.getByRole("link", { name: "Continue" }).click();
  await expect(choose).toBeHidden();
  await expect(page.locator("#signed-in-title")).toBeFocused();
  await expect(page.locator("#current-user")).toHaveText("Ines Moreau");

  // The reset password was used up; the new one works.
  await page.getByRole("button", { name: "Log out" }).click();
  let again = await logIn(page, emailed.username, emailed.password);
  await expect(again.getByRole("alert")).toContainText("incorrect");
  again = await logIn(page, person.email, NEW_PASSWORD);
  await expect(again).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText("Ines Moreau");
});

test("an unknown email gets the same answer", async ({ page }) => {
  const email = `nobody.${run}@example.org`;
  const reset = await askForReset(page, email);
  await expect(reset.locator("#reset-answer")).toHaveText(
    "If this address belongs to an account, we have sent the username and a new password to it.",
  );
  await expect(reset.locator("#reset-address")).toHaveText(email);
  await page.goto("/dev/mailbox");
  await expect(page.locator("#mailbox-title")).toBeVisible();
  await expect(page.locator(".mailbox__item", { hasText: `to ${email}` })).toHaveCount(0);
});

test("the own password keeps working after a reset is asked; a bad address is refused at the field", async ({
  page,
  request,
}) => {
  const person = await registered(request, "Keane");
  const reset = await askForReset(page, "not an address");
  await expect(reset.locator("#reset-email-error .field__error")).toBeVisible();
  await expect(reset.getByLabel("Email address")).toHaveAttribute("aria-invalid", "true");

  await reset.getByLabel("Email address").fill(person.email);
  await reset.getByRole("button", { name: "Send reset email" }).click();
  await expect(reset.locator("#reset-address")).toHaveText(person.email);
  // A typo can be put right from the answer.
  await reset.getByRole("button", { name: "Not right? Use another address" }).click();
  await expect(reset.getByLabel("Email address")).toBeFocused();
  await reset.getByLabel("Email address").fill(person.email);
  await reset.getByRole("button", { name: "Send reset email" }).click();
  await expect(reset.locator("#reset-answer")).toBeVisible();
  await reset.getByRole("button", { name: "Back to Log in" }).click();
  await expect(page.getByRole("dialog", { name: "Log in" })).toBeVisible();

  const login = await logIn(page, person.username, PASSWORD);
  await expect(login).toBeHidden();
  await expect(page.locator("#current-user")).toHaveText("Ines Keane");
  await expect(page.getByRole("dialog", { name: "Choose a new password" })).toHaveCount(0);
});

test("on a 320 px phone the reset email keeps the password on one line", async ({ browser, request }) => {
  const person = await registered(request, "Okonjo");
  const asking = await request.post("/api/request_reset", { form: { "form[email]": person.email } });
  expect(asking.ok()).toBe(true);
  // The message as delivered, HTML part included, from the development
  // mailbox's own server function (the page shows the text part).
  let html = "";
  let password = "";
  await expect(async () => {
    const answer = await request.post("/api/dev_mailbox");
    const messages: { recipient: string; body_text: string; body_html: string }[] = await answer.json();
    const message = messages.find((m) => m.recipient === person.email && m.body_text.includes("New password:"));
    expect(message).toBeTruthy();
    html = message!.body_html;
    const lines = message!.body_text.split("\n");
    password = lines[lines.indexOf("New password:") + 1];
  }).toPass({ timeout: 15_000 });
  expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){4}$/);

  const phone = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await phone.newPage();
  await page.setContent(html);
  const shown = page.locator("#reset-password");
  await expect(shown).toHaveText(password);
  // One line: no taller than one line of its own text, and inside the screen.
  const box = await shown.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight);
    return { height: rect.height, lineHeight, right: rect.right };
  });
  expect(box.height).toBeLessThan(box.lineHeight * 1.5);
  expect(box.right).toBeLessThanOrEqual(320);
  await phone.close();
});
