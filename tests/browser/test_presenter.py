"""Presenting the default story from the browser with the keyboard alone."""
from __future__ import annotations

from tests.browser.conftest import wait_for_map


def caption_title(page) -> str:
    return page.locator("#caption-title").text_content()


def test_present_the_story_with_the_keyboard(default_server, page):
    page.goto(default_server.url)
    wait_for_map(page)
    page.locator("#present-button").click()
    page.wait_for_selector(".app.presenting", timeout=15_000)
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The aircraft'", timeout=15_000)
    assert "step=1" in page.url and "present=1" in page.url
    assert page.locator(".side-column").is_hidden() and page.locator(".records").is_hidden()

    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The cooperation begins'", timeout=15_000)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The Gao crash, disputed'", timeout=15_000)
    page.wait_for_function("() => document.querySelector('.window-label').textContent === '18 Sep 2023 – 30 Sep 2023'", timeout=15_000)
    assert "step=3" in page.url
    # The caption is Markdown rendered as text, and the strip marks the step.
    assert page.locator("#caption-text strong").first.text_content() == "23 September 2023"
    page.wait_for_function(
        "() => (document.querySelector('#timeline-strip .js-plotly-plot').layout.annotations || []).some(a => a.text.startsWith('Step 3/7'))",
        timeout=15_000,
    )

    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'The cooperation begins'", timeout=15_000)

    page.keyboard.press(" ")
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Pause')", timeout=5_000)
    page.keyboard.press(" ")
    page.wait_for_function("() => document.getElementById('play-button').textContent.includes('Play')", timeout=5_000)

    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.app.presenting')", timeout=15_000)
    # The address is written after the page has left presenter mode (a callback later).
    page.wait_for_function("() => !location.search.includes('present')", timeout=15_000)
    assert page.locator(".side-column").is_visible()


def test_a_link_to_a_step_opens_that_step(default_server, page):
    page.goto(default_server.url + "?story=default&step=4")
    wait_for_map(page)
    page.wait_for_function("() => document.getElementById('caption-title').textContent === 'Tessalit in October'", timeout=15_000)
    page.wait_for_function("() => document.querySelector('.window-label').textContent === '07 Oct 2023 – 21 Oct 2023'", timeout=15_000)
    page.wait_for_selector("#details-panel h3:has-text('Airport: Tessalit')", timeout=15_000)
    assert not page.locator(".app.presenting").count()


def test_a_link_to_a_missing_step_says_so(default_server, page):
    page.goto(default_server.url + "?story=default&step=99")
    wait_for_map(page)
    notice = page.wait_for_selector("#url-notice:not([hidden])", timeout=15_000).text_content()
    assert "step=99" in notice and "7 steps" in notice


def test_steps_pressed_quickly_land_on_the_last_step_asked_for(default_server, page):
    """A presenter pressing Next (or Previous) twice, the second time before the first step has
    been applied: the page ends on the last step asked for, with its caption, and stays there (a
    step applied late used to put its own address back, and two steps took turns in the address
    bar)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(default_server.url + "?story=default&step=1&present=1")
    wait_for_map(page)
    page.wait_for_selector(".app.presenting")
    for key, passing, landing in (("ArrowRight", 2, 3), ("ArrowRight", 4, 5), ("ArrowLeft", 4, 3)):
        page.keyboard.press(key)
        page.wait_for_function("(n) => location.search.includes('step=' + n)", arg=passing, timeout=15_000)
        page.keyboard.press(key)
        settled = f"() => location.search.includes('step={landing}') && document.getElementById('caption-counter').textContent.endsWith('step {landing} of 7')"
        page.wait_for_function(settled, timeout=30_000)
        page.wait_for_timeout(2_000)  # long enough for a late step to have come back
        assert page.evaluate(settled), (page.url, page.locator("#caption-counter").text_content())
    assert "select=event|gao-crash" in page.url.replace("%7C", "|")
