import { expect, Page, test, TestInfo } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { enrolledSupportUser, giveSecondStep } from "./operator";
import { hydrated, logIn, registered } from "./pages";

// The home page in both states, the footer, the two pages it links to, and
// the layout at phone widths: Log in stays at the top right, and no public
// page scrolls sideways.

const run = Date.now().toString(36);
const PASSWORD = "meadow lantern copper";
const STAFF = { username: `home.staff.${run}`, password: "harbour lantern orchard" };
const PUBLIC_PAGES = ["/", "/help", "/help/unable-to-log-in", "/contact-support", "/accessibility", "/privacy"];

async function snap(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
}

test("a guest finds every way in on the home page itself", async ({ page }) => {
  await hydrated(page, "/");
  const home = page.getByRole("main");
  await expect(home.getByRole("heading", { level: 1 })).toHaveText("Log in to your practitioner account");
  await expect(home).toContainText("log in with your username or with your email address");
  await expect(home).not.toContainText("portfolio");

  await home.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Log in" })).toBeVisible();
  await page.keyboard.press("Escape");

  await home.getByRole("button", { name: "Register", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Create an account" })).toBeVisible();
  await page.keyboard.press("Escape");

  const forgotten = home.getByRole("button", { name: "Forgotten your username or password?" });
  await forgotten.click();
  const reset = page.getByRole("dialog", { name: "Forgotten password" });
  await expect(reset).toBeVisible();
  await expect(reset.getByLabel("Email address")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(reset).toBeHidden();
  await expect(forgotten).toBeFocused();

  await expect(home.getByRole("link", { name: "Contact support" })).toHaveAttribute("href", "/contact-support");
});

test("the footer on every page links to help, support, accessibility and privacy", async ({ page }) => {
  for (const url of ["/", "/help", "/contact-support", "/accessibility", "/privacy", "/no-such-page"]) {
    await page.goto(url);
    const footer = page.getByRole("contentinfo");
    for (const [name, href] of [
      ["Help", "/help"],
      ["Contact support", "/contact-support"],
      ["Accessibility statement", "/accessibility"],
      ["Privacy", "/privacy"],
    ]) {
      await expect(footer.getByRole("link", { name, exact: true }), `${name} on ${url}`).toHaveAttribute("href", href);
    }
  }
});

test("the accessibility statement and privacy notice are served, readable and accessible", async ({ page, request }, testInfo) => {
  const statement = await request.get("/accessibility");
  expect(statement.status()).toBe(200);
  expect(await statement.text()).toContain("WCAG");
  const privacy = await request.get("/privacy");
  expect(privacy.status()).toBe(200);
  expect(await privacy.text()).toContain("Argon2id");

  await hydrated(page, "/accessibility");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accessibility statement");
  await expectAccessible(page, "accessibility statement");
  await page.setViewportSize({ width: 360, height: 740 });
  await snap(page, testInfo, "accessibility-phone.png");
  await hydrated(page, "/privacy");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Privacy");
  await expectAccessible(page, "privacy notice");
  await snap(page, testInfo, "privacy-phone.png");
});

for (const width of [320, 360, 1280]) {
  test(`Log in is at the top right at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 740 });
    await hydrated(page, "/");
    const box = await page.locator("#open-login").boundingBox();
    expect(box, "Log in is shown").not.toBeNull();
    const { x, y, width: w, height: h } = box!;
    expect(x, "Log in starts in the right half").toBeGreaterThanOrEqual(width / 2);
    expect(x + w, "Log in ends inside the page").toBeLessThanOrEqual(width);
    expect(y + h, "Log in is in the top quarter").toBeLessThanOrEqual(740 / 4);
    // On the first row: level with the name of the service.
    const brand = (await page.locator(".site-header__brand").boundingBox())!;
    expect(Math.abs(y + h / 2 - (brand.y + brand.height / 2)), "Log in level with the name").toBeLessThan(brand.height);
  });
}

for (const width of [320, 360]) {
  test(`no public page scrolls sideways at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 740 });
    for (const url of PUBLIC_PAGES) {
      await hydrated(page, url);
      const { scroll, inner } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(scroll, `${url} at ${width} px`).toBeLessThanOrEqual(inner);
    }
  });
}

test("the home page for a guest, captured at 360 and 1280 px", async ({ page }, testInfo) => {
  for (const [name, width, height] of [
    ["phone", 360, 740],
    ["desktop", 1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await hydrated(page, "/");
    await expectAccessible(page, `home at ${width} px`);
    await snap(page, testInfo, `home-guest-${name}.png`);
  }
});

test("logged in, the home page says who you are and the username to log in with", async ({ page, request }, testInfo) => {
  const person = await registered(request, { firstName: "Amara", surname: "Mensah", run, password: PASSWORD });
  const dialog = await logIn(page, person.email, PASSWORD);
  await expect(dialog).toBeHidden();
  const title = page.locator("#signed-in-title");
  await expect(title).toHaveText("You're logged in as Amara Mensah");
  await expect(title).toHaveAttribute("tabindex", "-1");
  await expect(page.locator("#signed-in-username")).toHaveText(person.username);
  await expect(page.locator("#signed-in-email")).toHaveText(person.email);
  await expect(page.getByRole("main").getByRole("link", { name: /Support console/ })).toHaveCount(0);

  // The same after a reload: rendered on the server from the session.
  await hydrated(page, "/");
  await expect(title).toHaveText("You're logged in as Amara Mensah");
  for (const [name, width, height] of [
    ["phone", 360, 740],
    ["desktop", 1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expect(title).toBeVisible();
    await expectAccessible(page, `home logged in at ${width} px`);
    await snap(page, testInfo, `home-logged-in-${name}.png`);
  }
});

test("support staff get a link to the Support console on the home page", async ({ page }) => {
  const staff = await enrolledSupportUser(STAFF.username, STAFF.password);
  const dialog = await logIn(page, STAFF.username, STAFF.password);
  await expect(dialog).toBeHidden();
  await giveSecondStep(page, staff);
  await expect(page.locator("#signed-in-title")).toHaveText("You're logged in as Sam Staff");
  await page.getByRole("main").getByRole("link", { name: "Go to the Support console" }).click();
  await expect(page.getByRole("heading", { name: "Support console" })).toBeVisible();
});
