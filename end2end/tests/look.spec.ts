import { expect, Page, test, TestInfo } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { enrolledSupportUser, giveSecondStep } from "./operator";
import { hydrated } from "./pages";

// Accessibility (axe-core: no serious or critical violation of WCAG 2.x A/AA)
// over every page and dialog, screenshots at phone and desktop widths kept
// as test artefacts, and no layout shift when the WASM takes over.

const run = Date.now().toString(36);
const STAFF = { username: `look.${run}`, password: "harbour lantern orchard" };
const WIDTHS = [
  { name: "phone", width: 360, height: 780 },
  { name: "desktop", width: 1280, height: 800 },
];

async function snap(page: Page, testInfo: TestInfo, name: string) {
  await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
}

for (const size of WIDTHS) {
  test(`home, dialogs and help at ${size.width} px: accessible, captured`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    await hydrated(page, "/");
    await expectAccessible(page, "home");
    await snap(page, testInfo, `home-${size.name}.png`);

    for (const [opener, title] of [
      ["#open-login", "Log in"],
      ["#open-register", "Create an account"],
    ] as const) {
      await page.locator(opener).click();
      const dialog = page.getByRole("dialog", { name: title });
      await expect(dialog).toBeVisible();
      await expectAccessible(page, `${title} dialog`);
      await snap(page, testInfo, `${title.toLowerCase().replace(/ /g, "-")}-${size.name}.png`);
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();
    }

    await page.locator("#open-login").click();
    await page.getByRole("dialog", { name: "Log in" }).getByRole("button", { name: "Forgotten password" }).click();
    await expect(page.getByRole("dialog", { name: "Forgotten password" })).toBeVisible();
    await expectAccessible(page, "Forgotten password dialog");
    await snap(page, testInfo, `forgotten-password-${size.name}.png`);
    await page.keyboard.press("Escape");

    await hydrated(page, "/help");
    await expectAccessible(page, "help centre");
    await snap(page, testInfo, `help-${size.name}.png`);
    await hydrated(page, "/help/unable-to-log-in");
    await expectAccessible(page, "help article");
    await snap(page, testInfo, `help-article-${size.name}.png`);
    await hydrated(page, "/contact-support");
    await expectAccessible(page, "contact support");
    await page.getByRole("region", { name: "Contact support" }).getByRole("button", { name: "Send to support" }).click();
    await expect(page.locator("#contact-message-error .field__error")).toBeVisible();
    await expectAccessible(page, "contact support with errors");
    await snap(page, testInfo, `contact-support-${size.name}.png`);
  });
}

test("the support console is accessible and captured at both widths", async ({ page }, testInfo) => {
  const staff = await enrolledSupportUser(STAFF.username, STAFF.password);
  await hydrated(page, "/");
  await page.locator("#open-login").click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await dialog.getByLabel("Username or email").fill(STAFF.username);
  await dialog.getByLabel("Password", { exact: true }).fill(STAFF.password);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(dialog).toBeHidden();
  await giveSecondStep(page, staff);
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await hydrated(page, `/support?q=${encodeURIComponent(STAFF.username)}`);
    await expect(page.locator("#search-results")).toBeVisible();
    await expectAccessible(page, "support console");
    await snap(page, testInfo, `support-${size.name}.png`);
    await page.locator("#search-results").getByRole("link").first().click();
    await expect(page.locator("#account-username")).toHaveText(STAFF.username);
    await expectAccessible(page, "support account page");
    await snap(page, testInfo, `support-account-${size.name}.png`);
  }
});

test("nothing moves when the page hydrates, and the page breaks none of its own security policy", async ({
  page,
}) => {
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    (window as unknown as { shift: number }).shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
        if (!entry.hadRecentInput) (window as unknown as { shift: number }).shift += entry.value;
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
  for (const url of ["/", "/help"]) {
    await hydrated(page, url);
    // Let any late layout settle before reading the score.
    await page.waitForTimeout(300);
    const shift = await page.evaluate(() => (window as unknown as { shift: number }).shift);
    expect(shift, `layout shift on ${url}`).toBeLessThan(0.01);
    const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    expect(violations, `CSP violations on ${url}`).toEqual([]);
  }
});
