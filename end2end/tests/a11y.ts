import AxeBuilder from "@axe-core/playwright";
import { expect, Page } from "@playwright/test";

/// No serious or critical axe-core violation of WCAG 2.x A/AA on the page
/// as it stands (an open dialog included).
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, `${what}: serious or critical accessibility problems`).toEqual([]);
}
