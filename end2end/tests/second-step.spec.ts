import { expect, Page, test } from "@playwright/test";
import { appCode, createSupportUser, enrolmentLink } from "./operator";
import { hydrated, logIn } from "./pages";

// The support console's second step, as a support user meets it: a
// password alone does not open /support; the enrolment link sets up a
// passkey (Chromium's virtual authenticator) or an authenticator app
// (codes computed here from the secret the page shows), and recovery
// codes work once each.

const run = Date.now().toString(36);
const PASSWORD = "harbour lantern orchard";

// Passkeys need a host name, not an IP address (see passkeys.spec.ts).
test.use({ baseURL: `http://localhost:${process.env.E2E_PORT}` });

async function passwordLogIn(page: Page, username: string) {
  const dialog = await logIn(page, username, PASSWORD);
  await expect(dialog).toBeHidden();
  await expect(page.locator("#current-user")).toBeVisible();
}

async function logOut(page: Page) {
  await page.locator("#logout").click();
  await expect(page.locator("#open-login")).toBeVisible();
}

test("a support user cannot open the console until enrolled, then gets in with the passkey", async ({ page }) => {
  const username = `pia.${run}`;
  const link = enrolmentLink(createSupportUser(username, PASSWORD));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  // Passkey logins by the button only (see passkeys.spec.ts).
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });

  await passwordLogIn(page, username);
  const refused = await page.goto("/support");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Set up your second step" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Support console" })).toHaveCount(0);

  await hydrated(page, `/support/enrol?link=${link}`);
  await page.getByLabel("Name for the passkey").fill("Desk laptop");
  await page.getByRole("button", { name: "Set up a passkey" }).click();
  await expect(page.locator("#enrolled")).toContainText("Your second step is set up");
  await page.getByRole("link", { name: "Open the support console" }).click();
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();

  // The link worked once.
  await hydrated(page, `/support/enrol?link=${link}`);
  await expect(page.locator("#enrol-error")).toContainText("This enrolment link does not work");

  // Next time: the passkey alone opens the console.
  await logOut(page);
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  await page.getByRole("dialog", { name: "Log in" }).getByRole("button", { name: "Log in with a passkey" }).click();
  await expect(page.locator("#current-user")).toBeVisible();
  const opened = await page.goto("/support");
  expect(opened?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();

  // With the password only, the console asks for the second step.
  await logOut(page);
  await passwordLogIn(page, username);
  const asked = await page.goto("/support");
  expect(asked?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Second step" })).toBeVisible();
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
});

test("an authenticator app is set up from the shown key, and recovery codes work once", async ({ page }) => {
  test.setTimeout(120_000);
  const username = `ravi.${run}`;
  const link = enrolmentLink(createSupportUser(username, PASSWORD));
  // The link opened from the email, before logging in: the page asks for
  // the login, then carries on where it is.
  await hydrated(page, `/support/enrol?link=${link}`);
  await page.getByRole("main").getByRole("button", { name: "Log in" }).click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByLabel("Username or email").fill(username);
  await dialog.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(dialog).toBeHidden();
  expect(new URL(page.url()).pathname).toBe("/support/enrol");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code of your authenticator key" })).toBeVisible();
  const secret = (await page.locator("#app-secret").innerText()).replace(/ /g, "");
  const enrolledStep = Math.floor(Date.now() / 30_000);
  await page.getByLabel("The 6-digit code the app shows").fill("000000");
  await page.getByRole("button", { name: "Confirm" }).click();
  if (appCode(secret, enrolledStep) !== "000000") {
    await expect(page.locator("#enrol-app-error")).toContainText("That code is not right");
  }
  await page.getByLabel("The 6-digit code the app shows").fill(appCode(secret, enrolledStep));
  await page.getByRole("button", { name: "Confirm" }).click();
  const codes = page.locator("#recovery-codes li");
  await expect(codes).toHaveCount(10);
  const recovery = await codes.nth(0).innerText();
  await page.getByRole("link", { name: "Open the support console" }).click();
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();

  const secondStep = async (code: string) => {
    await hydrated(page, "/support");
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
  };

  // A recovery code, once.
  await logOut(page);
  await passwordLogIn(page, username);
  await secondStep(recovery);
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
  await logOut(page);
  await passwordLogIn(page, username);
  await secondStep(recovery);
  await expect(page.locator("#second-step-error")).toContainText("That code is not right");
  await expect(page.getByRole("heading", { name: "Support console" })).toHaveCount(0);

  // The app's next code (the one used to enrol does not work twice).
  await expect(async () => {
    expect(Math.floor(Date.now() / 30_000)).toBeGreaterThan(enrolledStep);
  }).toPass({ timeout: 35_000 });
  await secondStep(appCode(secret, Math.floor(Date.now() / 30_000)));
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
});
