"""Serve the default dataset, wait for the map to render in headless Chromium, save a PNG.

    python tools/screenshot.py docs/screenshot.png [--query '?start=...'] [--start 2023-09-18 --end 2023-09-24]
        [--click event|gao-crash] [--full-page] [--width 1400 --height 850]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.conftest import click_on_map, page_on_default_data, set_window, wait_for_frame, wait_for_map  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--query", default="")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=850)
    parser.add_argument("--start", help="window start, typed into the date field")
    parser.add_argument("--end", help="window end")
    parser.add_argument("--click", help="customdata of a map mark to click, e.g. event|gao-crash")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()
    with page_on_default_data(args.width, args.height) as (server, page):
        page.goto(server.url + args.query)
        wait_for_map(page)
        wait_for_frame(page)  # framed for the map's size on this screen
        if args.start and args.end:
            set_window(page, args.start, args.end)
            page.wait_for_timeout(1500)
            wait_for_map(page)
        if args.click:
            click_on_map(page, args.click)
            page.wait_for_selector("#details-panel article", timeout=15_000)
        # No hover label left on the map: leave it by a path the map sees (a jump from the mark
        # straight to the page's corner can leave the label up).
        # Up out of the map into the page's header, then along it: the path crosses nothing else.
        page.mouse.move(args.width // 2, 3, steps=8)
        page.mouse.move(args.width - 5, 3, steps=4)
        page.wait_for_function("() => !document.querySelector('#route-map .hoverlayer .hovertext')", timeout=15_000)
        page.wait_for_timeout(1000)
        wait_for_frame(page)
        if args.full_page:
            # Chromium paints what lies beyond the viewport from what it last drew there: the
            # records table, never on screen yet, would come out blank (and blank again once
            # scrolled back off screen): the page is captured scrolled to it.
            page.locator(".records").scroll_into_view_if_needed()
            page.wait_for_function("() => document.querySelectorAll('#records-table .ag-row').length > 0", timeout=30_000)
            page.wait_for_timeout(500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=args.full_page)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
