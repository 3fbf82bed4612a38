import { expect, test } from "@playwright/test";

test("healthz answers ok with the database reachable", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", database: "ok" });
});

test("home page renders on the server with the header actions", async ({ request }) => {
  const html = await (await request.get("/")).text();
  expect(html).toContain("Threshold");
  expect(html).toMatch(/<button[^>]*id="open-login"/);
});

test("the page hydrates and Log in opens a labelled modal without a page load", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  // A marker on window survives only if no navigation happens.
  await page.evaluate(() => ((window as any).__noReload = true));

  const opener = page.getByRole("button", { name: "Log in", exact: true }).first();
  await opener.click();

  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  // Focus moved into the dialog.
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await expect(dialog.getByLabel("Username or email")).toBeVisible();
  await expect(dialog.getByLabel("Password", { exact: true })).toBeVisible();

  // Esc closes it and focus returns to the button that opened it.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});

test("Tab stays inside the open dialog", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("html[data-hydrated=true]")).toHaveCount(1);
  await page.getByRole("button", { name: "Log in", exact: true }).first().click();
  const dialog = page.getByRole("dialog", { name: "Log in" });
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    const inside = await dialog.evaluate(
      (d) => d.contains(document.activeElement) || document.activeElement === document.body,
    );
    expect(inside).toBe(true);
  }
});
