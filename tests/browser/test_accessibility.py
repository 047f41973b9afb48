"""axe-core (npm, pinned in tests/browser/js/package.json; `make test` installs it) on the main
views: the default page, the import dialog open, the export menu open, presenter mode, each at a
phone's, a laptop's and a projector's size. No violation may be serious or critical."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import BrowserErrors, wait_for_map

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
# Phone, laptop, projector: the layout changes at each (a phone stacks the records table under the
# map, where it once stayed unmeasured and axe found a header row with no visible headers).
SIZES = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}


def axe_violations(page) -> list[dict]:
    """Every axe violation of the page as it is now: rule, impact, and the nodes' selectors."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' '))}));
        }"""
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def report(violations: list[dict]) -> str:
    return json.dumps([{**v, "nodes": v["nodes"][:5]} for v in violations], indent=1)


@pytest.fixture(params=list(SIZES))
def axe_page(browser, request):
    """A page whose context bypasses the app's CSP, so that axe can be injected: only here."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser/js` (make test does)")
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    errors = BrowserErrors()
    errors.attach(page)
    yield page
    errors.close(context)
    assert list(errors) == [], "the browser logged errors:\n" + "\n".join(errors)


def open_view(page, url: str, view: str):
    page.goto(url)
    wait_for_map(page)
    page.wait_for_selector(".window-label")
    if view == "import dialog":
        page.locator("#import-open").click()
        page.wait_for_selector("#import-panel:not([hidden])")
    elif view == "export menu":
        page.locator("#export-toggle, .export > summary").first.click()
        page.wait_for_selector("#export-png", state="visible")
    elif view == "presenter mode":
        page.locator("#present-button").click()
        page.wait_for_selector(".app.presenting")
        page.wait_for_function("() => document.getElementById('caption-title').textContent.length > 0")
        wait_for_map(page)


@pytest.mark.parametrize("view", ["default page", "import dialog", "export menu", "presenter mode"])
def test_a11y01_no_serious_or_critical_axe_violation(default_server, axe_page, view):
    open_view(axe_page, default_server.url, view)
    found = axe_violations(axe_page)
    size = axe_page.viewport_size
    assert blocking(found) == [], f"{view} at {size['width']}x{size['height']}: {report(blocking(found))}"


def test_a11y02_axe_finds_what_it_should(default_server, axe_page):
    """The check can fail, at every size: an unnamed button added to the page is reported."""
    open_view(axe_page, default_server.url, "default page")
    axe_page.evaluate("() => { const b = document.createElement('button'); b.id = 'axe-probe'; document.body.appendChild(b); }")
    found = blocking(axe_violations(axe_page))
    assert any("#axe-probe" in node for v in found for node in v["nodes"])
