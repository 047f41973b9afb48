"""Export buttons: the page hands over the same files as `python app.py export`, for the view
in the address bar."""
from __future__ import annotations

import io
import re

from PIL import Image

from tests.browser.conftest import wait_for_map


def download(page, fmt: str, timeout_ms: int = 120_000):
    if page.locator("#export-dialog").is_hidden():
        page.locator("#export-toggle").click()
    with page.expect_download(timeout=timeout_ms) as info:
        page.locator(f"#export-{fmt}").click()
    return info.value


def test_png_and_html_of_the_linked_view(default_server, page, tmp_path):
    page.goto(default_server.url + "?start=2023-10-01&end=2023-10-31")
    wait_for_map(page)

    png = download(page, "png")
    assert png.suggested_filename == "flight-routes_2023-10-01_2023-10-31.png"
    image = Image.open(io.BytesIO(open(png.path(), "rb").read())).convert("RGB")
    assert image.size == (1600, 900)
    assert len(image.getcolors(1600 * 900)) > 50  # a drawn map, not one flat colour
    page.wait_for_function("() => document.getElementById('export-status').textContent.includes('.png (')", timeout=15_000)
    assert page.locator("#export-png").is_enabled()

    html = download(page, "html")
    assert html.suggested_filename.endswith(".html")
    text = open(html.path(), encoding="utf-8").read()
    assert "<title>Flight-route map · 1 Oct 2023 – 31 Oct 2023</title>" in text  # the same file as the command line's
    assert not re.search(r"<script[^>]*\ssrc\s*=", text, re.I), "every script inline: it opens offline"
