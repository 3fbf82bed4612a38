import { BrowserContext, CDPSession, expect, Page, test } from "@playwright/test";
import { hydrated, logIn, registered } from "./pages";

// Passkeys with Chromium's virtual authenticator (CDP WebAuthn domain): a
// platform authenticator that keeps discoverable credentials and verifies
// the user, as a phone's or laptop's does.
//
// Browsers refuse passkeys for an IP address, so these tests open the site
// as http://localhost, which the server takes as its relying party when it
// listens on a loopback address.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";

test.use({ baseURL: `http://localhost:${process.env.E2E_PORT}` });

type Authenticator = { cdp: CDPSession; id: string };

/// Gives the page a virtual authenticator (no credentials yet).
async function authenticator(page: Page): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function credentials(device: Authenticator) {
  const { credentials } = await device.cdp.send("WebAuthn.getCredentials", {
    authenticatorId: device.id,
  });
  return credentials;
}

async function logOut(page: Page) {
  await page.locator("#logout").click();
  await expect(page.locator("#open-login")).toBeVisible();
}

/// Logs in with the password through the dialog; waits until in.
async function passwordLogIn(page: Page, username: string) {
  await logIn(page, username, PASSWORD);
  await expect(page.locator("#current-user")).toBeVisible();
}

/// Adds a passkey named `name` on My account; waits until it is listed.
async function addPasskey(page: Page, name: string) {
  await hydrated(page, "/account");
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByLabel("Name for the new passkey").fill(name);
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.locator("#passkey-added")).toContainText(`Passkey “${name}” added`);
  await expect(section.locator("#passkeys")).toContainText(name);
}

/// Chromium's virtual authenticator answers an autofill (conditional)
/// request at once, as if the person had picked the passkey from the list.
/// Tests of the button turn the autofill offer off first, so the button is
/// what logs in.
async function withoutAutofill(page: Page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

/// Uses "Log in with a passkey" in the Log in dialog: no name typed.
async function passkeyLogIn(page: Page) {
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByRole("button", { name: "Log in with a passkey" }).click();
  return dialog;
}

test("a passkey is added on My account, logs in without a username, and stops working once removed", async ({
  page,
  request,
}) => {
  const { username, email } = await registered(request, {
    firstName: "Ife",
    surname: "Passkey",
    run,
    password: PASSWORD,
  });
  const device = await authenticator(page);
  await withoutAutofill(page);
  await passwordLogIn(page, username);

  await addPasskey(page, "Test laptop");
  const stored = await credentials(device);
  expect(stored).toHaveLength(1);
  expect(stored[0].isResidentCredential).toBe(true);
  await expect(page.locator("#passkeys")).toContainText("not used yet");

  await logOut(page);
  await passkeyLogIn(page);
  await expect(page.locator("#current-user")).toBeVisible();
  await expect(page.locator("#current-user")).toContainText("Ife");
  // The signature counter the authenticator keeps went up, and the page
  // says when the passkey was last used.
  expect((await credentials(device))[0].signCount).toBeGreaterThan(0);
  await hydrated(page, "/account");
  await expect(page.locator("#passkeys")).toContainText("last used");

  // The notice of the new passkey went to the account's address.
  await page.goto("/dev/mailbox");
  await expect(
    page.locator(".mailbox__item", { hasText: `to ${email}` }).filter({
      hasText: "A passkey was added to your Threshold account",
    }),
  ).toHaveCount(1);

  // Removing it asks for the password; a wrong one removes nothing.
  await hydrated(page, "/account");
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByText("Remove a passkey").click();
  await section.getByLabel("Your current password").fill("not the password");
  await section.getByRole("button", { name: "Remove passkey" }).click();
  await expect(section.locator("#remove-passkey-password-error")).toContainText(
    "That is not your current password",
  );
  await expect(section.locator("#passkeys")).toContainText("Test laptop");
  await section.getByLabel("Your current password").fill(PASSWORD);
  await section.getByRole("button", { name: "Remove passkey" }).click();
  await expect(section.locator("#passkey-removed")).toBeVisible();
  await expect(section.locator("#no-passkeys")).toBeVisible();

  // The device still holds it, but the account no longer knows it.
  await logOut(page);
  const dialog = await passkeyLogIn(page);
  await expect(dialog.locator("#passkey-login-error")).toContainText(
    "We could not log you in with that passkey",
  );
  await expect(page.locator("#current-user")).toHaveCount(0);
});

test("a browser without the passkey cannot log in with it", async ({ browser, page, request }) => {
  const { username } = await registered(request, {
    firstName: "Ola",
    surname: "Keyholder",
    run,
    password: PASSWORD,
  });
  await authenticator(page);
  await passwordLogIn(page, username);
  await addPasskey(page, "Phone");

  const other: BrowserContext = await browser.newContext({
    baseURL: `http://localhost:${process.env.E2E_PORT}`,
  });
  const stranger = await other.newPage();
  const empty = await authenticator(stranger);
  await withoutAutofill(stranger);
  expect(await credentials(empty)).toHaveLength(0);
  const dialog = await passkeyLogIn(stranger);
  // The browser finds no passkey for the site: the prompt ends, nobody is
  // logged in, and the button can be used again.
  await expect(dialog.getByRole("button", { name: "Log in with a passkey" })).toBeEnabled();
  await expect(stranger.locator("#current-user")).toHaveCount(0);
  await other.close();
});

test("the same device cannot add a second passkey for the same account", async ({ page, request }) => {
  const { username } = await registered(request, {
    firstName: "Bo",
    surname: "Twice",
    run,
    password: PASSWORD,
  });
  await authenticator(page);
  await passwordLogIn(page, username);
  await addPasskey(page, "Laptop");
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByLabel("Name for the new passkey").fill("Laptop again");
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.locator("#add-passkey-error")).toContainText(
    "This device already has a passkey for your account.",
  );
});

test("a passkey needs a name before the device is asked", async ({ page, request }) => {
  const { username } = await registered(request, {
    firstName: "Cy",
    surname: "Nameless",
    run,
    password: PASSWORD,
  });
  const device = await authenticator(page);
  await passwordLogIn(page, username);
  await hydrated(page, "/account");
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.locator("#passkey-name-error")).toContainText("Give the passkey a name");
  expect(await credentials(device)).toHaveLength(0);
});

test("the browser's autofill offers the passkey in the Log in dialog, and picking it logs in", async ({
  page,
  request,
}) => {
  const { username } = await registered(request, {
    firstName: "Ama",
    surname: "Autofill",
    run,
    password: PASSWORD,
  });
  await authenticator(page);
  await passwordLogIn(page, username);
  await addPasskey(page, "Tablet");
  await logOut(page);
  // Opening the dialog asks for the autofill offer; the virtual
  // authenticator picks its passkey as a person would from the list.
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  await expect(page.locator("#current-user")).toContainText("Ama");
});
