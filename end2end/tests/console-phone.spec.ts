import { APIRequestContext, Browser, BrowserContextOptions, expect, Page, test } from "@playwright/test";
import { expectAccessible } from "./a11y";
import { enrolledSupportUser, nextCode, Staff } from "./operator";
import { hydrated } from "./pages";

// The support console on a phone (SPEC.md §9): no page scrolls sideways
// at 320 or 360 px, the actions stay within reach, duplicates are flagged
// in the search results, only the actions that apply are offered, and
// times read in the viewer's own zone.

const run = Date.now().toString(36);
const PASSWORD = "violet kettle harbour";
const STAFF = { username: `lee.${run}`, password: "harbour lantern orchard" };
const SURNAME = `Adeyemi${run}`;
const NUMBER = String(6_000_000 + Math.floor(Math.random() * 999_999));

/// What the tests look at, made once.
const made = { first: 0, second: 0, requestId: 0, lone: 0 };

async function register(request: APIRequestContext, fields: Record<string, string>) {
  const response = await request.post("/api/register", {
    form: {
      "form[account_type]": "practitioner",
      "form[password]": PASSWORD,
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [`form[${k}]`, v])),
    },
  });
  expect(response.ok(), await response.text()).toBe(true);
  const body = await response.json();
  await request.post("/api/logout");
  return body.account_id as number;
}

/// The support user's session, logged in once: logins are rate-limited
/// per address, and every test here comes from the same one.
let staff: Staff;
let staffSession: Awaited<ReturnType<Page["context"]>["storageState"]> | undefined;

async function supportContext(browser: Browser, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ ...options, storageState: staffSession });
  const page = await context.newPage();
  if (!staffSession) {
    const response = await page.request.post("/api/login", {
      form: { "form[identifier]": STAFF.username, "form[password]": STAFF.password },
    });
    expect(response.ok(), await response.text()).toBe(true);
    const second = await page.request.post("/api/give_second_step", { form: { "form[code]": nextCode(staff) } });
    expect(second.ok(), await second.text()).toBe(true);
    staffSession = await context.storageState();
  }
  return page;
}

test.beforeAll(async ({ browser }) => {
  staff = await enrolledSupportUser(STAFF.username, STAFF.password);
  const context = await browser.newContext();
  const request = context.request;
  // Two accounts with one GMC number: possible duplicates. Long values:
  // the email and the practice name must wrap, not widen the page.
  made.first = await register(request, {
    first_name: "Folasade",
    surname: SURNAME,
    email: `folasade.${run}.with.a.rather.long.address@a-very-long-practice-domain.example.org`,
    username: `folasade.${run}`,
    registration_kind: "GMC",
    registration_number: NUMBER,
  });
  made.second = await register(request, {
    first_name: "Folasade",
    surname: SURNAME,
    email: `folasade.second.${run}@example.org`,
    username: `folasade2.${run}`,
    registration_kind: "GMC",
    registration_number: NUMBER,
    confirm_possible_duplicate: "true",
  });
  made.lone = await register(request, {
    first_name: "Tunde",
    surname: `Lone${run}`,
    email: `tunde.${run}@example.org`,
    username: `tunde.${run}`,
  });
  // An email history for the first account, changed by support.
  const support = await supportContext(browser);
  const changed = await support.request.post("/api/support_act", {
    data: {
      account_id: made.first,
      action: { action: "change_email", email: `folasade.new.${run}.long.address@another-long-domain.example.org` },
    },
  });
  expect(changed.ok(), await changed.text()).toBe(true);
  // An access request that matches both accounts.
  const asked = await request.post("/api/contact_support", {
    form: {
      "form[first_name]": "Folasade",
      "form[surname]": SURNAME,
      "form[username]": "",
      "form[email]": `folasade.${run}.reaching.out.from.home@personal-mail.example.org`,
      "form[previous_emails]": "",
      "form[registration_numbers]": `GMC ${NUMBER}`,
      "form[last_post]": "",
      "form[supervised_trainees]": "",
      "form[message]": "I can no longer reach my old work address.",
    },
  });
  expect(asked.ok(), await asked.text()).toBe(true);
  made.requestId = Number((await asked.json()).reference.slice(2));
  await context.close();
});

/// The page's width against the viewport's, and every visible button's
/// right edge.
async function measure(page: Page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // What sticks out, to name it when the width is over.
    wide: Array.from(document.querySelectorAll("body *"))
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} "${(e.textContent ?? "").slice(0, 40)}"`),
    buttonsOutside: Array.from(document.querySelectorAll("main button, main a.button"))
      .map((b) => b.getBoundingClientRect())
      .filter((r) => r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5)).length,
  }));
}

function pages() {
  return [
    { name: "search", url: `/support?q=${SURNAME}`, ready: "#search-results" },
    { name: "account", url: `/support/accounts/${made.first}`, ready: "#email-history" },
    { name: "request", url: `/support/requests/${made.requestId}`, ready: "#suggestions" },
  ];
}

for (const width of [320, 360, 1280]) {
  test(`no support page scrolls sideways at ${width} px, and every action is within reach`, async ({ browser }) => {
    const page = await supportContext(browser, { viewport: { width, height: 740 } });
    for (const { name, url, ready } of pages()) {
      await hydrated(page, url);
      await expect(page.locator(ready)).toBeVisible();
      // Polled: the page refreshes itself once its live feed connects, and
      // it is the page as it settles that must fit.
      await expect
        .poll(async () => (await measure(page)).scrollWidth, {
          message: `${name} at ${width}: ${(await measure(page)).wide.join(" | ")}`,
        })
        .toBeLessThanOrEqual(width);
      const measured = await measure(page);
      console.log(`${name} at ${width}: scrollWidth ${measured.scrollWidth}, innerWidth ${measured.innerWidth}`);
      expect(measured.buttonsOutside, `${name} at ${width}: buttons outside the screen`).toBe(0);
      if (name === "request") {
        for (const button of await page.locator("#suggestions").getByRole("button").all()) {
          const box = await button.boundingBox();
          expect(box && box.x + box.width <= width, `request at ${width}: a Restore access button`).toBe(true);
        }
      }
      if (width === 360) {
        await expectAccessible(page, `${name} at 360 px`);
      }
    }
    if (width === 1280) {
      // The wide layout keeps its tables.
      await hydrated(page, pages()[0].url);
      await expect(page.locator("#search-results thead")).toBeVisible();
    }
  });
}

test("search results flag accounts that may belong to the same person", async ({ browser }) => {
  const page = await supportContext(browser, { viewport: { width: 360, height: 740 } });
  await hydrated(page, `/support?q=${SURNAME}`);
  const rows = page.locator("#search-results tbody tr");
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    await expect(row.locator(".flag--duplicate")).toHaveText("Possible duplicate");
  }
  await hydrated(page, `/support?q=Lone${run}`);
  await expect(page.locator("#search-results tbody tr")).toHaveCount(1);
  await expect(page.locator("#search-results .flag--duplicate")).toHaveCount(0);
});

test("only the actions that apply are offered, and disabling is confirmed in red", async ({ browser }) => {
  const page = await supportContext(browser, { viewport: { width: 360, height: 740 } });
  const actions = page.locator(".account__actions");
  await hydrated(page, `/support/accounts/${made.lone}`);
  await expect(actions.getByRole("button", { name: "Send reset email" })).toBeVisible();
  await expect(actions.getByRole("button", { name: "Unlock login" })).toHaveCount(0);
  await expect(actions.getByRole("button", { name: "Enable account" })).toHaveCount(0);

  // Failed logins until the next ones are delayed: now there is something to unlock.
  const person = await browser.newContext();
  for (let i = 0; i < 6; i++) {
    await person.request.post("/api/login", {
      form: { "form[identifier]": `tunde.${run}`, "form[password]": "not the password at all" },
    });
  }
  await person.close();
  await expect(page.locator("#security-failed-logins")).toHaveText("5");
  const unlock = actions.getByRole("button", { name: "Unlock login" });
  await expect(unlock).toBeVisible();
  await unlock.click();
  const yesUnlock = actions.getByRole("button", { name: "Yes, unlock the login" });
  await expect(yesUnlock).toHaveClass(/button--primary/);
  await yesUnlock.click();
  await expect(page.locator("#action-result")).toHaveText("Login unlocked.");
  await expect(actions.getByRole("button", { name: "Unlock login" })).toHaveCount(0);

  await actions.getByRole("button", { name: "Disable account" }).click();
  const yes = actions.getByRole("button", { name: "Yes, disable account" });
  await expect(yes).toBeVisible();
  const background = await yes.evaluate((b) => getComputedStyle(b).backgroundColor);
  const [r, g, b] = background.match(/\d+/g)!.map(Number);
  expect(r, background).toBeGreaterThan(150);
  expect(g, background).toBeLessThan(80);
  expect(b, background).toBeLessThan(80);
  const cancel = actions.getByRole("button", { name: "Cancel" });
  await expect(cancel).not.toHaveClass(/button--(danger|primary)/);
  await expectAccessible(page, "the disable confirmation at 360 px");
  await yes.click();
  await expect(page.locator("#action-result")).toHaveText("Account disabled; its sessions have ended.");
  await expect(actions.getByRole("button", { name: "Enable account" })).toBeVisible();
  await expect(actions.getByRole("button", { name: "Disable account" })).toHaveCount(0);
  await expect(actions.getByRole("button", { name: "Send reset email" })).toHaveCount(0);

  // A page left open is still refused an action that no longer applies.
  const again = await page.request.post("/api/support_act", {
    data: { account_id: made.lone, action: { action: "disable" } },
  });
  expect(again.status()).toBe(422);
  expect(await again.text()).toContain("AlreadyDisabled");
});

/// The first time on the account page: its UTC instant and what it shows.
async function firstTime(page: Page) {
  const time = page.locator("time.when").first();
  return {
    time,
    instant: new Date((await time.getAttribute("datetime"))!),
  };
}

for (const [zone, name, offsetHours] of [
  ["Europe/London", "GMT", 0],
  ["America/New_York", "GMT-5", -5],
] as const) {
  test(`times read in the viewer's zone: ${zone}`, async ({ browser }) => {
    const page = await supportContext(browser, { timezoneId: zone, viewport: { width: 360, height: 740 } });
    // As the server sends it: UTC, named.
    const serverOnly = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    await serverOnly.addCookies(await page.context().cookies());
    const plain = await serverOnly.newPage();
    await plain.goto(`/support/accounts/${made.first}`);
    const sent = plain.locator("time.when").first();
    await expect(sent).toHaveText(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/);
    const sentWidth = (await sent.boundingBox())!.width;
    await serverOnly.close();

    await hydrated(page, `/support/accounts/${made.first}`);
    const { time, instant } = await firstTime(page);
    await expect(time).toHaveText(new RegExp(` ${name.replace("+", "\\+")}$`));
    const shown = (await time.innerText()).match(/(\d\d):(\d\d) /)!;
    const expectedHour = (instant.getUTCHours() + offsetHours + 24) % 24;
    expect(Number(shown[1])).toBe(expectedHour);
    expect(Number(shown[2])).toBe(instant.getUTCMinutes());
    // Rewritten in place, about the same width: nothing around it moves much.
    const shownWidth = (await time.boundingBox())!.width;
    expect(Math.abs(shownWidth - sentWidth), `${sentWidth} → ${shownWidth}`).toBeLessThan(16);
  });
}
