import { expect, Page, test, TestInfo } from "@playwright/test";
import { hydrated } from "./pages";

// Contrast and size, measured: what axe does not check. For every control in
// the Log in, Create an account and Forgotten password dialogs and on the
// Contact support page, in its default, keyboard-focused and error states,
// the colours the browser computed are turned into WCAG 2.2 contrast ratios:
//
// - a control's boundary (input border, button border or fill) against the
//   background behind it: 3:1 (1.4.11 Non-text Contrast);
// - the focus indicator (outline or box-shadow) against the background
//   behind the control and against the control's own focused background:
//   3:1 (1.4.11, and 2.4.13's contrast measure);
// - labels, hints, errors, password rules and tips against their
//   background: 4.5:1 (1.4.3), at 16 px or more on a phone;
// - targets (buttons, checkbox and radio labels) at least 44 px each way.
//
// Every ratio is attached to the report as a table, failing or not.

type Row = { state: string; what: string; measure: string; value: number; min: number };

const WIDTHS = [360, 1280];

/// Installed in every page before its scripts: the WCAG arithmetic and the
/// probes that read computed styles. Kept in the page so each measure reads
/// the live element.
function installProbe() {
  type Rgba = [number, number, number, number];
  const parse = (text: string): Rgba[] => {
    const found: Rgba[] = [];
    for (const m of text.matchAll(/rgba?\(([^)]*)\)/g)) {
      const parts = m[1].split(/[\s,/]+/).filter((p) => p !== "").map(Number);
      found.push([parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1]);
    }
    return found;
  };
  const over = (top: Rgba, bottom: Rgba): Rgba => {
    const a = top[3];
    return [
      top[0] * a + bottom[0] * (1 - a),
      top[1] * a + bottom[1] * (1 - a),
      top[2] * a + bottom[2] * (1 - a),
      1,
    ];
  };
  const luminance = (c: Rgba) => {
    const channel = (v: number) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  };
  const ratio = (a: Rgba, b: Rgba) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100;
  };
  /// The opaque colour behind `el`'s own box: its ancestors' backgrounds
  /// composited from the page (white canvas) up.
  const behind = (el: Element | null): Rgba => {
    const layers: Rgba[] = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor)[0];
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] === 1) break;
      }
    }
    return layers.reduceRight<Rgba>((acc, layer) => over(layer, acc), [255, 255, 255, 1]);
  };
  const ownBackground = (el: Element): Rgba => behind(el);
  const name = (el: Element) => {
    const id = el.id ? `#${el.id}` : "";
    const label =
      (el as HTMLInputElement).labels?.[0]?.textContent?.trim() ||
      el.getAttribute("aria-label") ||
      el.textContent?.trim() ||
      "";
    const kind = el.tagName.toLowerCase() + (el.getAttribute("type") ? `[${el.getAttribute("type")}]` : "");
    return `${kind}${id} "${label.slice(0, 40)}"`;
  };
  const isBox = (el: Element) =>
    el.matches("input:not([type=hidden]), select, textarea") ||
    (el.matches("button") && !el.matches(".link-button, .modal__close"));

  /// Boundary of every control in `root` against what is behind it.
  const controls = (root: Element, state: string) => {
    const rows: { state: string; what: string; measure: string; value: number; min: number }[] = [];
    const selector = state === "error" ? "[aria-invalid=true]" : "input:not([type=hidden]), select, textarea, button";
    for (const el of Array.from(root.querySelectorAll(selector))) {
      if (!(el as HTMLElement).offsetParent && getComputedStyle(el).position !== "fixed") continue;
      const style = getComputedStyle(el);
      const back = behind(el.parentElement);
      if (isBox(el)) {
        const sides = ["Top", "Right", "Bottom", "Left"]
          .filter((s) => parseFloat(style.getPropertyValue(`border-${s.toLowerCase()}-width`)) > 0)
          .map((s) => ratio(over(parse(style.getPropertyValue(`border-${s.toLowerCase()}-color`))[0], back), back));
        const border = sides.length ? Math.min(...sides) : 1;
        // A filled button is bounded by its fill.
        const fill = parse(style.backgroundColor)[0];
        const filled = fill && fill[3] > 0 ? ratio(over(fill, back), back) : 1;
        rows.push({ state, what: name(el), measure: "boundary vs behind", value: Math.max(border, filled), min: 3 });
      } else {
        rows.push({
          state,
          what: name(el),
          measure: "text vs background",
          value: ratio(over(parse(style.color)[0], behind(el)), behind(el)),
          min: 4.5,
        });
      }
      if (state === "default") {
        const target = el.matches("input[type=checkbox], input[type=radio]") ? el.closest("label") ?? el : el;
        const box = target.getBoundingClientRect();
        rows.push({ state, what: name(el), measure: "target height px", value: Math.round(box.height), min: 44 });
        // A link-like button is as wide as its words.
        if (!el.matches(".link-button")) {
          rows.push({ state, what: name(el), measure: "target width px", value: Math.round(box.width), min: 44 });
        }
      }
    }
    return rows;
  };

  /// Text that must be read: labels, legends, hints, errors, rules, tips.
  const texts = (root: Element, state: string, phone: boolean) => {
    const rows: { state: string; what: string; measure: string; value: number; min: number }[] = [];
    const selector =
      "label, legend, .field__hint, .field__error, .rules li, .rules__tip, .rules__note, .caps-warning, .trouble summary, .trouble li, .error-summary, .error-summary a";
    for (const el of Array.from(root.querySelectorAll(selector))) {
      if (!(el as HTMLElement).offsetParent || !el.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      const back = behind(el);
      const what = `${el.tagName.toLowerCase()}.${el.className || ""} "${el.textContent.trim().slice(0, 40)}"`;
      rows.push({ state, what, measure: "text vs background", value: ratio(over(parse(style.color)[0], back), back), min: 4.5 });
      const sized = el.matches(".field__hint, .field__error, .rules li, .rules__tip, .rules__note, .caps-warning, .trouble li");
      if (sized && phone) {
        rows.push({ state, what, measure: "font size px", value: parseFloat(style.fontSize), min: 16 });
      }
    }
    return rows;
  };

  /// The focus indicator of the focused element: each colour its outline
  /// and box-shadows draw, the best one against what is behind the control
  /// and against the control's own focused background.
  const focused = (state: string) => {
    const el = document.activeElement;
    if (!el || el === document.body) return [];
    const style = getComputedStyle(el);
    const colours: Rgba[] = [];
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
      colours.push(...parse(style.outlineColor));
    }
    if (style.boxShadow !== "none") colours.push(...parse(style.boxShadow));
    const back = behind(el.parentElement);
    const own = ownBackground(el);
    const visible = colours.filter((c) => c[3] > 0);
    const best = (against: Rgba) => (visible.length ? Math.max(...visible.map((c) => ratio(over(c, against), against))) : 0);
    return [
      { state, what: name(el), measure: "focus indicator vs behind", value: best(back), min: 3 },
      { state, what: name(el), measure: "focus indicator vs control", value: best(own), min: 3 },
    ];
  };

  /// One edge of `el` against what is behind `el`.
  const edge = (el: Element, side: string) => {
    const back = behind(el.parentElement);
    const colour = parse(getComputedStyle(el).getPropertyValue(`border-${side.toLowerCase()}-color`))[0];
    return ratio(over(colour, back), back);
  };
  /// `el`'s text against its background.
  const textRatio = (el: Element) => {
    const back = behind(el);
    return ratio(over(parse(getComputedStyle(el).color)[0], back), back);
  };

  (window as unknown as { probe: unknown }).probe = { controls, texts, focused, edge, textRatio };
}

type Probe = {
  controls: (root: Element, state: string) => Row[];
  texts: (root: Element, state: string, phone: boolean) => Row[];
  focused: (state: string) => Row[];
  edge: (el: Element, side: string) => number;
  textRatio: (el: Element) => number;
};

async function measureStatic(page: Page, root: string, state: string, phone: boolean): Promise<Row[]> {
  return page.locator(root).evaluate(
    (el, [state, phone]) => {
      const probe = (window as unknown as { probe: Probe }).probe;
      return [...probe.controls(el, state as string), ...probe.texts(el, state as string, phone as boolean)];
    },
    [state, phone] as const,
  );
}

/// Tabs through `root` (a dialog keeps focus inside; a page's Tab order
/// runs through it) and measures each element that gets focus once.
async function measureFocus(page: Page, root: string, state: string): Promise<Row[]> {
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    const inside = await page
      .locator(root)
      .evaluate((el) => el.contains(document.activeElement) && document.activeElement !== el);
    if (!inside) continue;
    const measured = await page.evaluate((state) => {
      const el = document.activeElement as HTMLElement;
      if (el.dataset.probed) return null;
      el.dataset.probed = "yes";
      return (window as unknown as { probe: Probe }).probe.focused(state);
    }, `focus (${state})`);
    if (measured === null) {
      if (seen.size > 0) break;
      continue;
    }
    for (const row of measured) rows.push(row);
    seen.add(measured[0]?.what ?? String(i));
  }
  await page.evaluate(() => document.querySelectorAll("[data-probed]").forEach((el) => el.removeAttribute("data-probed")));
  expect(seen.size, `keyboard focus reached controls in ${root}`).toBeGreaterThan(1);
  return rows;
}

async function report(testInfo: TestInfo, name: string, rows: Row[]) {
  const lines = rows.map(
    (r) => `${r.value >= r.min ? "ok  " : "FAIL"} ${r.state.padEnd(16)} ${r.measure.padEnd(27)} ${String(r.value).padStart(6)} (≥ ${r.min})  ${r.what}`,
  );
  await testInfo.attach(name, { body: lines.join("\n"), contentType: "text/plain" });
  const failing = lines.filter((l) => l.startsWith("FAIL"));
  expect(failing, `${name}: measures below their minimum`).toEqual([]);
}

/// Default, focus and error states of the form in `root`; `submit` sends it
/// empty.
async function measureForm(
  page: Page,
  testInfo: TestInfo,
  root: string,
  phone: boolean,
  submit: () => Promise<void>,
) {
  const rows: Row[] = [];
  rows.push(...(await measureStatic(page, root, "default", phone)));
  rows.push(...(await measureFocus(page, root, "default")));
  await submit();
  await expect(page.locator(`${root} [aria-invalid=true]`).first()).toBeVisible();
  rows.push(...(await measureStatic(page, root, "error", phone)));
  await testInfo.attach(`${root.replace(/\W/g, "")}-error-${phone ? "phone" : "desktop"}.png`, {
    body: await page.locator(root).screenshot(),
    contentType: "image/png",
  });
  rows.push(...(await measureFocus(page, root, "error")));
  return rows;
}

for (const width of WIDTHS) {
  const phone = width < 600;

  test.describe(`at ${width} px`, () => {
    test.beforeEach(async ({ page }) => {
      await page.setViewportSize({ width, height: phone ? 740 : 800 });
      await page.addInitScript(installProbe);
    });

    test("the Log in dialog's controls, text and focus meet their contrast and size minimums", async ({ page }, testInfo) => {
      await hydrated(page, "/");
      await page.locator("#open-login").click();
      const dialog = page.getByRole("dialog", { name: "Log in" });
      await expect(dialog).toBeVisible();
      await dialog.locator(".trouble summary").click();
      const rows = await measureForm(page, testInfo, "#login-dialog", phone, () =>
        dialog.getByRole("button", { name: "Log in", exact: true }).click(),
      );
      await report(testInfo, `login-dialog-${width}.txt`, rows);
    });

    test("the Create an account dialog's controls, text and focus meet their contrast and size minimums", async ({ page }, testInfo) => {
      await hydrated(page, "/");
      await page.locator("#open-register").click();
      const dialog = page.getByRole("dialog", { name: "Create an account" });
      await expect(dialog).toBeVisible();
      // Rules are judged once something is typed: measure them judged.
      await dialog.getByLabel("Password", { exact: true }).fill("short");
      const rows = await measureForm(page, testInfo, "#register-dialog", phone, async () => {
        await dialog.getByLabel("Password", { exact: true }).fill("");
        await dialog.getByRole("button", { name: "Create account" }).click();
      });
      await report(testInfo, `register-dialog-${width}.txt`, rows);
    });

    test("the Forgotten password dialog's controls, text and focus meet their contrast and size minimums", async ({ page }, testInfo) => {
      await hydrated(page, "/");
      await page.locator("#open-login").click();
      await page.getByRole("dialog", { name: "Log in" }).getByRole("button", { name: "Forgotten password" }).click();
      const dialog = page.getByRole("dialog", { name: "Forgotten password" });
      await expect(dialog).toBeVisible();
      const id = await dialog.getAttribute("id");
      const rows = await measureForm(page, testInfo, `#${id}`, phone, () =>
        dialog.getByRole("button", { name: "Send reset email" }).click(),
      );
      await report(testInfo, `reset-dialog-${width}.txt`, rows);
    });

    test("the Contact support page's controls, text and focus meet their contrast and size minimums", async ({ page }, testInfo) => {
      await hydrated(page, "/contact-support");
      const form = page.getByRole("region", { name: "Contact support" });
      const rows = await measureForm(page, testInfo, "section.contact", phone, () =>
        form.getByRole("button", { name: "Send to support" }).click(),
      );
      await report(testInfo, `contact-support-${width}.txt`, rows);
    });
  });
}

// The classes the forms' error and success markup uses, measured on a
// copy of that markup: the error summary, a field with an error, the
// confirmation panel, and warning against error notices.
test("the error summary, field error, confirmation and warning styles meet their minimums", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.addInitScript(installProbe);
  await hydrated(page, "/contact-support");
  const figures = await page.locator("main").evaluate((main) => {
    main.insertAdjacentHTML(
      "afterbegin",
      `<div id="sample">
        <div class="error-summary" tabindex="-1" role="alert" aria-labelledby="sample-summary-title">
          <h2 class="error-summary__title" id="sample-summary-title">There is a problem</h2>
          <ul class="error-summary__list"><li><a href="#sample-input">Enter your email address</a></li></ul>
        </div>
        <div class="field field--error">
          <label for="sample-input">Email address</label>
          <p class="field__error"><span class="visually-hidden">Error: </span>Enter your email address</p>
          <input id="sample-input" type="email" aria-invalid="true">
        </div>
        <div class="confirmation" role="status"><h2 class="confirmation__title" tabindex="-1">Done</h2><p>All saved.</p></div>
        <div class="notice notice--warning"><p>Check this</p></div>
        <div class="notice notice--error">Something failed</div>
      </div>`,
    );
    const probe = (window as unknown as { probe: Probe }).probe;
    const sample = main.querySelector("#sample")!;
    const one = (selector: string) => sample.querySelector(selector)!;
    const style = (selector: string) => getComputedStyle(one(selector));
    return {
      texts: probe.texts(sample, "sample", true),
      summaryBorder: probe.edge(one(".error-summary"), "Top"),
      summaryBorderWidth: parseFloat(style(".error-summary").borderTopWidth),
      summaryLinkWeight: Number(style(".error-summary__list a").fontWeight),
      summaryLinkText: probe.textRatio(one(".error-summary__list a")),
      fieldBar: probe.edge(one(".field--error"), "Left"),
      fieldBarWidth: parseFloat(style(".field--error").borderLeftWidth),
      fieldInputEdge: probe.edge(one("#sample-input"), "Top"),
      fieldInputEdgeWidth: parseFloat(style("#sample-input").borderTopWidth),
      errorWeight: Number(style(".field__error").fontWeight),
      errorSize: parseFloat(style(".field__error").fontSize),
      errorText: probe.textRatio(one(".field__error")),
      confirmationEdge: probe.edge(one(".confirmation"), "Left"),
      confirmationText: probe.textRatio(one(".confirmation p")),
      confirmationMark: getComputedStyle(one(".confirmation"), "::before").content,
      warningBackground: style(".notice--warning").backgroundColor,
      errorBackground: style(".notice--error").backgroundColor,
      warningBar: probe.edge(one(".notice--warning"), "Left"),
      warningMark: getComputedStyle(one(".notice--warning"), "::before").content,
      warningText: probe.textRatio(one(".notice--warning p")),
      errorNoticeEdge: probe.edge(one(".notice--error"), "Top"),
      errorNoticeText: probe.textRatio(one(".notice--error")),
    };
  });
  await testInfo.attach("error-and-success-styles.json", {
    body: JSON.stringify(figures, null, 2),
    contentType: "application/json",
  });
  await report(testInfo, "error-and-success-text.txt", figures.texts);
  expect(figures.summaryBorder, "error summary border").toBeGreaterThanOrEqual(3);
  expect(figures.summaryBorderWidth).toBe(4);
  expect(figures.summaryLinkWeight).toBeGreaterThanOrEqual(700);
  expect(figures.summaryLinkText).toBeGreaterThanOrEqual(4.5);
  expect(figures.fieldBar, "the red bar beside a field with an error").toBeGreaterThanOrEqual(3);
  expect(figures.fieldBarWidth).toBe(4);
  expect(figures.fieldInputEdge).toBeGreaterThanOrEqual(3);
  expect(figures.fieldInputEdgeWidth).toBe(2);
  expect(figures.errorWeight).toBeGreaterThanOrEqual(700);
  expect(figures.errorSize).toBeGreaterThanOrEqual(16);
  expect(figures.errorText).toBeGreaterThanOrEqual(4.5);
  expect(figures.confirmationEdge).toBeGreaterThanOrEqual(3);
  expect(figures.confirmationText).toBeGreaterThanOrEqual(4.5);
  expect(figures.confirmationMark, "the confirmation has a mark besides its colour").not.toBe("none");
  expect(figures.warningBackground, "a warning does not look like an error").not.toBe(figures.errorBackground);
  expect(figures.warningBar).toBeGreaterThanOrEqual(3);
  expect(figures.warningMark, "the warning has a mark besides its colour").not.toBe("none");
  expect(figures.warningText).toBeGreaterThanOrEqual(4.5);
  expect(figures.errorNoticeEdge).toBeGreaterThanOrEqual(3);
  expect(figures.errorNoticeText).toBeGreaterThanOrEqual(4.5);

  // The summary shows where focus is when script moves it there.
  await page.locator("#sample .error-summary").focus();
  const ring = await page.locator("#sample .error-summary").evaluate(() =>
    (window as unknown as { probe: Probe }).probe.focused("summary focused"),
  );
  await report(testInfo, "error-summary-focus.txt", ring);
});
