"""axe-core in the browser suite: `assert_no_axe_violations(page)` fails with a readable list of violations.

Besides axe it checks what axe leaves out: one h1 and no skipped heading level, and 3:1 non-text contrast
for field boundaries and focus rings.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT  # axe.min.js as the pip package ships it

# WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (heading order, one main landmark, all
# content in landmarks, a page-level heading) that issue 18 asks for too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# axe.run in the page: Playwright's evaluate is not subject to the page's CSP, an injected <script> would be.
_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""

# What axe leaves to people: exactly one h1, and no heading level skipped on the way down.
_HEADINGS = """() => {
  const problems = [];
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(h => h.getClientRects().length);
  const h1s = headings.filter(h => h.tagName === "H1").length;
  if (h1s !== 1) problems.push(`${h1s} visible h1 elements, want exactly 1`);
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1) problems.push(`h${level} "${h.textContent.trim().slice(0, 40)}" follows h${previous}`);
    previous = level;
  }
  return problems;
}"""

# What axe does not check (WCAG 1.4.11, non-text contrast): the boundary of each text field and select,
# and the focus ring of whatever has focus, need 3:1 against the colour around them.
_CONTRAST_JS = """
const rgb = (c) => { const m = /rgba?\\(([^)]+)\\)/.exec(c || ""); if (!m) return null;
  const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
const lum = ({r, g, b}) => [r, g, b].map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
  .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
const ratio = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
const around = (el) => { for (let n = el; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor);
  if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : el.name ? `[name=${el.name}]` : el.className ? "." + el.className.split(" ")[0] : "");
"""

_CONTROLS = "() => {" + _CONTRAST_JS + """
  const problems = [];
  const controls = document.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=range]), select, textarea");
  for (const el of controls) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    const style = getComputedStyle(el), outside = around(el.parentElement), own = rgb(style.backgroundColor);
    const border = style.borderTopStyle !== "none" && parseFloat(style.borderTopWidth) > 0 ? rgb(style.borderTopColor) : null;
    const best = Math.max(border ? ratio(border, outside) : 1, own && own.a > 0.5 ? ratio(own, outside) : 1);
    if (best < 3) problems.push(`${name(el)} boundary ${best.toFixed(2)}:1, want 3:1`);
  }
  return [...new Set(problems)];
}"""

# axe leaves text drawn with opacity below 1 to a person ("needs review"); blend it and hold it to 4.5:1.
_TRANSLUCENT_TEXT = "() => {" + _CONTRAST_JS + """
  const problems = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.matches(":disabled, :disabled *") || !el.getClientRects().length) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    let alpha = 1;
    for (let n = el; n; n = n.parentElement) alpha *= parseFloat(getComputedStyle(n).opacity);
    if (alpha >= 1 || alpha < 0.1) continue;
    const style = getComputedStyle(el), fg = rgb(style.color), bg = around(el);
    const mix = {r: fg.r * alpha + bg.r * (1 - alpha), g: fg.g * alpha + bg.g * (1 - alpha), b: fg.b * alpha + bg.b * (1 - alpha)};
    const size = parseFloat(style.fontSize), large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const value = ratio(mix, bg);
    if (value < (large ? 3 : 4.5)) problems.push(`${name(el)} "${el.textContent.trim().slice(0, 20)}" text ${value.toFixed(2)}:1 at opacity ${alpha.toFixed(2)}`);
  }
  return problems;
}"""

_FOCUS_RING = "() => {" + _CONTRAST_JS + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el), color = rgb(style.outlineColor);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2 || !color) return `${name(el)} has no focus ring`;
  const value = ratio(color, around(el.parentElement));
  return value < 3 ? `${name(el)} focus ring ${value.toFixed(2)}:1, want 3:1` : null;
}"""


def non_text_contrast_problems(page: Any, tabs: int = 3) -> list[str]:
    """Field boundaries and focus rings (first `tabs` stops, the search field) below 3:1; translucent text below 4.5:1."""
    problems = page.evaluate(_CONTROLS) + page.evaluate(_TRANSLUCENT_TEXT)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(tabs):
        page.keyboard.press("Tab")
        problems.append(page.evaluate(_FOCUS_RING))
    if page.locator("#nav-q").count():
        page.focus("#nav-q")
        problems.append(page.evaluate(_FOCUS_RING))
    return [p for p in problems if p]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core into the page (once) and return its WCAG 2.1 A/AA and best-practice violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(_RUN, AXE_TAGS)


def heading_problems(page: Any) -> list[str]:
    """Headings that are not one h1 followed by levels that never skip."""
    return page.evaluate(_HEADINGS)


def format_violations(violations: list[dict[str, Any]], limit: int = 5) -> str:
    """One line per rule (id, impact, help), then up to `limit` target selectors with axe's summary."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} nodes]")
        for node in v["nodes"][:limit]:
            summary = " ".join(node["summary"].split())[:200]
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, where: str = "") -> None:
    """Fail with every axe violation and heading problem on the page as it is now."""
    violations = axe_violations(page)
    headings = heading_problems(page)
    contrast = non_text_contrast_problems(page)
    if violations or headings or contrast:
        report = format_violations(violations)
        if headings:
            report += "\n- headings: " + "; ".join(headings)
        if contrast:
            report += "\n- non-text contrast: " + "; ".join(contrast)
        raise AssertionError(f"accessibility problems on {where or page.url}:\n{report}")
