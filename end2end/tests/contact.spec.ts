import { Browser, expect, Page, test } from "@playwright/test";
import { enrolledSupportUser, giveSecondStep, Staff } from "./operator";
import { hydrated, logIn, readResetEmail } from "./pages";

// "Contact support": a person whose email changed asks for help without
// logging in; support sees the request arrive live with the right account
// suggested, restores access from it, and the person gets in.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const STAFF = { username: `kim.${run}`, password: "harbour lantern orchard" };

let staff: Staff;

test.beforeAll(async () => {
  staff = await enrolledSupportUser(STAFF.username, STAFF.password);
});

async function supportConsole(browser: Browser) {
  const page = await (await browser.newContext()).newPage();
  const dialog = await logIn(page, STAFF.username, STAFF.password);
  await expect(dialog).toBeHidden();
  await giveSecondStep(page, staff);
  await hydrated(page, "/support");
  await expect(page.locator(".live-state")).toHaveText("Live");
  return page;
}

test("the form explains what is wrong, field by field", async ({ page }) => {
  await hydrated(page, "/contact-support");
  const form = page.getByRole("region", { name: "Contact support" });
  await form.getByLabel("Email address we can reach you at").fill("not an address");
  await form.getByRole("button", { name: "Send to support" }).click();
  for (const label of ["First name", "Surname", "Email address we can reach you at", "What happened?"]) {
    await expect(form.getByLabel(label)).toHaveAttribute("aria-invalid", "true");
  }
  await expect(form.locator("#contact-email-error .field__error")).toBeVisible();
  await expect(form.locator("#contact-message-error .field__error")).toBeVisible();
});

test("a registration number that is not one is refused with what to write instead", async ({ page }) => {
  await hydrated(page, "/contact-support");
  const form = page.getByRole("region", { name: "Contact support" });
  await form.getByLabel("First name").fill("Ben");
  await form.getByLabel("Surname").fill("Okri");
  await form.getByLabel("Email address we can reach you at").fill(`okri.banana.${run}@example.org`);
  await form.getByLabel("Registration numbers (optional)").fill("banana");
  await form.getByLabel("What happened?").fill("I cannot log in.");
  await form.getByRole("button", { name: "Send to support" }).click();
  await expect(form.getByLabel("Registration numbers (optional)")).toHaveAttribute("aria-invalid", "true");
  await expect(form.locator("#contact-numbers-error .field__error")).toHaveText(
    "Error: \u201cbanana\u201d is not a registration number we recognise. " +
      "Write the type before the number (GMC, NMC, NTN, College or Other), like GMC 7012345",
  );
  await expect(page.locator("#contact-reference")).toHaveCount(0);
});

test("an old email and a registration number lead support to the account; the person gets back in", async ({
  browser,
}) => {
  // The account, registered years ago with an address that no longer works.
  const person = await (await browser.newContext()).newPage();
  const oldEmail = `okri.${run}@oldtrust.example.org`;
  const newEmail = `okri.${run}@newpractice.example.org`;
  const number = String(7_000_000 + Math.floor(Math.random() * 999_999));
  const registered = await person.request.post("/api/register", {
    form: {
      "form[first_name]": "Ben",
      "form[surname]": "Okri",
      "form[email]": oldEmail,
      "form[username]": `okri.${run}`,
      "form[account_type]": "practitioner",
      "form[registration_kind]": "GMC",
      "form[registration_number]": number,
      "form[password]": PASSWORD,
    },
  });
  expect(registered.ok()).toBe(true);
  await person.request.post("/api/logout");

  const support = await supportConsole(browser);

  await hydrated(person, "/contact-support");
  const form = person.getByRole("region", { name: "Contact support" });
  await form.getByLabel("First name").fill("Ben");
  await form.getByLabel("Surname").fill("Okri");
  await form.getByLabel("Email address we can reach you at").fill(newEmail);
  await form.getByLabel("Email addresses you used before (optional)").fill(oldEmail);
  await form.getByLabel("Registration numbers (optional)").fill(`gmc ${number.slice(0, 3)} ${number.slice(3)}`);
  await form.getByLabel("What happened?").fill("My old trust email was closed when I moved practice.");
  await form.getByRole("button", { name: "Send to support" }).click();
  const reference = await person.locator("#contact-reference").innerText();
  expect(reference).toMatch(/^R-\d{6}$/);

  // It arrives in the console's queue without a reload.
  const queued = support.locator("#request-queue").getByRole("link", { name: new RegExp(reference) });
  await expect(queued).toBeVisible({ timeout: 2_000 });
  await queued.click();
  await expect(support.locator("#request-email")).toHaveText(newEmail);
  const suggestion = support.locator("#suggestions tbody tr").first();
  await expect(suggestion).toContainText(`okri.${run}`);
  await expect(suggestion).toContainText("3 of the details");

  await suggestion.getByRole("button", { name: `Set email to ${newEmail}` }).click();
  await expect(support.locator("#request-result")).toContainText("Done");
  await expect(suggestion).toContainText(newEmail);
  await suggestion.getByRole("button", { name: "Send reset email" }).click();
  await expect(support.locator("#request-steps")).toContainText("sent a reset email");
  await support.getByLabel("Note for the history (optional)").fill("Matched on GMC number and old email.");
  await support.getByRole("button", { name: "Close request" }).click();
  await expect(support.locator("#request-status")).toHaveText("closed");
  await expect(support.locator("#request-steps")).toContainText("closed the request: Matched on GMC number");

  // The person reads the reset at the new address and gets in.
  const { password } = await readResetEmail(person, newEmail);
  const dialog = await logIn(person, newEmail, password);
  await expect(dialog).toBeHidden();
  const choose = person.getByRole("dialog", { name: "Choose a new password" });
  await choose.getByLabel("New password").fill("copper meadow lantern");
  await choose.getByRole("button", { name: "Save password" }).click();
  await expect(person.locator("#current-user")).toHaveText("Ben Okri");
});

test("a request from an address that only looks like the account's is flagged and needs a reason", async ({
  browser,
}) => {
  const person = await (await browser.newContext()).newPage();
  const realEmail = `soyinka.${run}@ace.org`;
  // All Cyrillic: "асе" looks exactly like "ace".
  const fakeEmail = `soyinka.${run}@\u0430\u0441\u0435.org`;
  const registered = await person.request.post("/api/register", {
    form: {
      "form[first_name]": "Wole",
      "form[surname]": "Soyinka",
      "form[email]": realEmail,
      "form[username]": `soyinka.${run}`,
      "form[account_type]": "practitioner",
      "form[password]": "violet kettle harbour lantern",
    },
  });
  expect(registered.ok()).toBe(true);
  await person.request.post("/api/logout");
  const support = await supportConsole(browser);

  await hydrated(person, "/contact-support");
  const form = person.getByRole("region", { name: "Contact support" });
  await form.getByLabel("First name").fill("Wole");
  await form.getByLabel("Surname").fill("Soyinka");
  await form.getByLabel("Email address we can reach you at").fill(fakeEmail);
  await form.getByLabel("Email addresses you used before (optional)").fill(realEmail);
  // A username with a Cyrillic "ѕ": support sees it spelled out.
  await form.getByLabel("Username, if you remember it (optional)").fill(`\u0455oyinka.${run}`);
  await form.getByLabel("What happened?").fill("I cannot get into my account.");
  await form.getByRole("button", { name: "Send to support" }).click();
  const reference = await person.locator("#contact-reference").innerText();

  const queued = support.locator("#request-queue").getByRole("link", { name: new RegExp(reference) });
  await expect(queued).toBeVisible({ timeout: 2_000 });
  await queued.click();
  // The browser's email field sent the domain as punycode: marked.
  await expect(support.locator("#request-email")).toContainText("written in punycode");
  const username = support.locator("#request-username");
  await expect(username).toContainText("not plain a–z");
  await username.getByText("Show each character").click();
  await expect(username.locator("code")).toHaveText(`[U+0455]oyinka.${run}`);
  const suggestion = support.locator("#suggestions tbody tr").first();
  await expect(suggestion).toContainText(realEmail);
  await suggestion.getByRole("button", { name: /^Set email to/ }).click();
  const warning = support.locator("#look-alike-warning");
  await expect(warning).toContainText("looks the same as");
  await expect(suggestion).toContainText(realEmail);
  await warning.getByLabel("Why you are sure this address is right").fill("Called the number on the GMC register");
  await warning.getByRole("button", { name: "Change anyway" }).click();
  await expect(support.locator("#request-result")).toContainText("Done");
  await expect(support.locator("#request-steps")).toContainText("changed the email");
});
