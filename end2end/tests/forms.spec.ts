import { expect, Page, test } from "@playwright/test";
import { hydrated, logIn, registered } from "./pages";

// The one form pattern (error summary, one message per field, messages that
// go when the value changes) and where success lands, at a phone's width
// and a desktop's.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";

/// True when the element's box lies wholly inside the viewport.
async function inViewport(page: Page, selector: string) {
  return page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });
}

for (const size of [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
]) {
  test.describe(`at ${size.width} px`, () => {
    test.use({ viewport: size });

    test("a failed registration focuses the summary in view, and its links reach the fields", async ({
      page,
    }, testInfo) => {
      await hydrated(page, "/");
      await page.locator("#open-register").click();
      const dialog = page.getByRole("dialog", { name: "Create an account" });
      await dialog.getByRole("button", { name: "Create account" }).click();

      const summary = dialog.locator("#register-error-summary");
      await expect(summary).toBeFocused();
      await expect(summary).toHaveAttribute("role", "alert");
      expect(await inViewport(page, "#register-error-summary")).toBe(true);
      await expect(summary.getByRole("heading")).toHaveText("There is a problem");
      // One alert for the whole form, not one per field.
      await expect(dialog.getByRole("alert")).toHaveCount(1);
      const links = summary.getByRole("link");
      await expect(links.first()).toHaveText("Enter your first name");
      await testInfo.attach(`registration errors at ${size.width}px`, {
        body: await page.screenshot(),
        contentType: "image/png",
      });

      await summary.getByRole("link", { name: "Enter your email address" }).click();
      await expect(dialog.locator("#register-email")).toBeFocused();
      expect(await inViewport(page, "label[for=register-email]")).toBe(true);

      // Each field shows its one message between its label and its input,
      // and the message goes as soon as the value changes.
      const firstNameError = dialog.locator("#register-first-name-error .field__error");
      await expect(firstNameError).toHaveText("Error: Enter your first name");
      await expect(dialog.locator("#register-first-name")).toHaveAttribute("aria-invalid", "true");
      await dialog.getByLabel("First name").fill("Ada");
      await expect(firstNameError).toHaveCount(0);
      await expect(dialog.locator("#register-first-name")).not.toHaveAttribute("aria-invalid", "true");
    });

    test("a taken email at registration is announced at the top, in view", async ({ page, request }) => {
      const taken = await registered(request, {
        firstName: "Tara",
        surname: `Taken${size.width}`,
        run,
        password: PASSWORD,
      });
      await hydrated(page, "/");
      await page.locator("#open-register").click();
      const dialog = page.getByRole("dialog", { name: "Create an account" });
      await dialog.getByLabel("First name").fill("Tara");
      await dialog.getByLabel("Surname").fill("Other");
      await dialog.getByLabel("Email address").fill(taken.email);
      await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await dialog.getByRole("button", { name: "Create account" }).click();
      const summary = dialog.locator("#register-error-summary");
      await expect(summary).toBeFocused();
      await expect(summary).toContainText("There is already an account with this email address");
      expect(await inViewport(page, "#register-error-summary")).toBe(true);
    });

    test("logging in lands on the signed-in home page, its greeting focused", async ({ page, request }) => {
      const person = await registered(request, {
        firstName: "Lena",
        surname: `Landing${size.width}`,
        run,
        password: PASSWORD,
      });
      const dialog = await logIn(page, person.email, PASSWORD);
      await expect(dialog).toBeHidden();
      const greeting = page.locator("#signed-in-title");
      await expect(greeting).toBeFocused();
      await expect(greeting).toHaveText(`You're logged in as Lena Landing${size.width}`);
      await expect(page.locator("#signed-in-username")).toHaveText(person.username);
    });
  });
}

test("an empty login names both fields, each linked from the summary", async ({ page }) => {
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  const summary = dialog.locator("#login-error-summary");
  await expect(summary).toBeFocused();
  await expect(summary.getByRole("link")).toHaveText(["Enter your username or email address", "Enter your password"]);
  await expect(dialog.locator("#login-password-error .field__error")).toHaveText("Error: Enter your password");
  await summary.getByRole("link", { name: "Enter your password" }).click();
  await expect(dialog.locator("#login-password")).toBeFocused();
});

test("a throttled login counts down and offers a new password at once", async ({ page, request }) => {
  const person = await registered(request, {
    firstName: "Theo",
    surname: "Throttle",
    run,
    password: PASSWORD,
  });
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByLabel("Username or email").fill(person.username);
  const summary = dialog.locator("#login-error-summary");
  // Five failures are free; the sixth is asked to wait.
  for (let attempt = 1; attempt <= 6; attempt++) {
    await dialog.getByLabel("Password", { exact: true }).fill(`wrong password ${attempt}`);
    await dialog.getByRole("button", { name: "Log in", exact: true }).click();
    await expect(dialog.getByRole("button", { name: "Log in", exact: true })).toBeEnabled();
    if ((await summary.textContent())?.includes("Too many failed attempts")) break;
  }
  await expect(summary).toContainText(/Too many failed attempts\. Try again in \d+ seconds\./);
  const seconds = async () => Number(/in (\d+) seconds/.exec((await summary.textContent()) ?? "")?.[1]);
  const first = await seconds();
  await expect.poll(seconds, { timeout: 4_000 }).toBeLessThan(first);

  await dialog.getByRole("button", { name: "Get a new password" }).click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset).toBeVisible();
});
