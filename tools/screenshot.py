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
        page.mouse.move(args.width - 5, args.height - 5)  # no hover label left on the map
        page.wait_for_timeout(1000)
        wait_for_frame(page)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=args.full_page)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
