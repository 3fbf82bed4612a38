import { APIRequestContext, expect, Page } from "@playwright/test";

// What several specs do the same way: open a page once it has hydrated,
// log in through the dialog, register someone through the server function,
// and read a reset email from the development mailbox.

/// Opens `url` and waits until the WASM has taken over.
export async function hydrated(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
}

/// Logs in through the header's Log in dialog; returns the dialog.
export async function logIn(page: Page, identifier: string, password: string) {
  await hydrated(page, "/");
  return submitLogIn(page, identifier, password);
}

/// Sends the header's Log in dialog on the page as it is (hydrated or
/// not, JavaScript on or off); returns the dialog.
export async function submitLogIn(page: Page, identifier: string, password: string) {
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByLabel("Username or email").fill(identifier);
  await dialog.getByLabel("Password", { exact: true }).fill(password);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  return dialog;
}

/// Registers a practitioner through the server function (not the page, so
/// the browser's own session is untouched); returns username and email.
export async function registered(
  request: APIRequestContext,
  person: { firstName: string; surname: string; run: string; password: string },
) {
  const username = `${person.surname}.${person.run}`;
  const email = `${person.surname}.${person.run}@example.org`;
  const response = await request.post("/api/register", {
    form: {
      "form[first_name]": person.firstName,
      "form[surname]": person.surname,
      "form[email]": email,
      "form[username]": username,
      "form[account_type]": "practitioner",
      "form[password]": person.password,
    },
  });
  expect(response.ok()).toBe(true);
  return { username, email };
}

/// Opens the newest reset email to `email` in the development mailbox (the
/// worker delivers within moments) and reads its username and password.
export async function readResetEmail(page: Page, email: string) {
  const link = page
    .locator(".mailbox__item", { hasText: `to ${email}` })
    .filter({ hasText: "new password" })
    .first()
    .getByRole("link");
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(link).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await link.click();
  const body = page.locator("#message-body");
  await expect(body).toContainText("New password:");
  const text = await body.innerText();
  // Each value is alone on the line after its label.
  const field = (label: string) => {
    const lines = text.split("\n").map((l) => l.trim());
    const at = lines.indexOf(label);
    expect(at, `a "${label}" line`).toBeGreaterThanOrEqual(0);
    const value = lines.slice(at + 1).find((l) => l !== "");
    expect(value, `a value after "${label}"`).toBeTruthy();
    return value!;
  };
  return { username: field("Your username:"), password: field("New password:") };
}
