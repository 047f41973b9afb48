"""`python app.py export`: the map, a story step, a story deck or a playback GIF, from the
command line.

    python app.py export --format png --out map.png [--start 2023-09-01 --end 2023-10-31]
    python app.py export --format pdf --out step3.pdf --story default --step 3
    python app.py export --format pptx --out briefing.pptx [--story default]
    python app.py export --format gif --out playback.gif [--frames 24 --mode sliding]
    python app.py export --format html --out map.html          one self-contained file, opens offline

Exit status: 0 written; 1 the dataset, the story or the export failed; 2 bad arguments.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

FORMATS = ("png", "svg", "pdf", "html", "pptx", "gif")  # as flightmap.exports.FORMATS, without importing kaleido for --help
MAX_PIXELS = 8000


class _ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit the process: report to main() instead
        raise _ArgumentError(message)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _pixels(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of pixels: {text!r}") from None
    if not 100 <= value <= MAX_PIXELS:
        raise argparse.ArgumentTypeError(f"{value} is outside 100..{MAX_PIXELS} pixels")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from flightmap.config import Settings

    parser = _Parser(prog="app.py export", description="Export the map, a story step, a story deck or a playback GIF; nothing is fetched from the network.")
    parser.add_argument("--format", required=True, choices=FORMATS, help="png, svg, pdf (one map), html (one self-contained page), pptx (a story deck), gif (playback)")
    parser.add_argument("--out", required=True, type=Path, help="the file to write")
    parser.add_argument("--story", help="a story of the dataset (stories/NAME.toml); pptx uses 'default' when not given")
    parser.add_argument("--step", type=_positive, help="the story's step to draw, from 1 (default 1); not for pptx")
    parser.add_argument("--start", type=_iso_date, help="window start, YYYY-MM-DD (default: the dataset's first flight)")
    parser.add_argument("--end", type=_iso_date, help="window end, YYYY-MM-DD (default: the dataset's last flight)")
    parser.add_argument("--data", type=Path, default=Settings.from_env().data_dir, help="dataset folder (default: the shipped data/; env FLIGHTMAP_DATA)")
    parser.add_argument("--width", type=_pixels, help="image width in pixels (default 1600; gif 1000)")
    parser.add_argument("--height", type=_pixels, help="image height in pixels (default 900; gif 560)")
    parser.add_argument("--frames", type=_positive, help="gif: number of frames (default 24)")
    parser.add_argument("--mode", choices=("sliding", "growing"), help="gif: a sliding or a growing window (default sliding)")
    parser.add_argument("--days-per-frame", type=_positive, help="gif: days the window moves per frame (default: the window cut into --frames steps)")
    parser.add_argument("--duration-ms", type=_positive, help="gif: milliseconds per frame (default 400)")
    return parser


def _check(args) -> str | None:
    """A message when the arguments do not fit together."""
    if args.format == "pptx":
        if args.step is not None:
            return "--step does not apply to pptx: the deck has every step of the story"
        if args.start or args.end:
            return "--start/--end do not apply to pptx: each slide shows its step's window"
    if args.story and (args.start or args.end):
        return "give either --story (the step's window) or --start/--end, not both"
    if args.step is not None and not args.story and args.format != "pptx":
        return "--step needs --story"
    if args.start and args.end and args.end < args.start:
        return f"--end {args.end} is before --start {args.start}"
    gif_only = {"--frames": args.frames, "--mode": args.mode, "--days-per-frame": args.days_per_frame, "--duration-ms": args.duration_ms}
    given = [flag for flag, value in gif_only.items() if value is not None]
    if args.format != "gif" and given:
        return f"{', '.join(given)} apply to gif only"
    if args.format == "pptx" and (args.width or args.height):
        return "--width/--height do not apply to pptx: its maps are drawn to fit the slides"
    if not args.out.parent.exists():
        return f"the folder of --out does not exist: {args.out.parent}"
    if args.out.is_dir():
        return f"--out is a folder: {args.out}; give a file name"
    return None


def main(argv: list[str]) -> int:
    """Run the export command; the exit status (0 written, 1 failed, 2 bad arguments)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _ArgumentError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        print(parser.format_usage().rstrip(), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    problem = _check(args)
    if problem:
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return 2

    from flightmap import exports
    from flightmap.loader import DataValidationError, load_dataset
    from flightmap.routes import locate
    from flightmap.story import load_story
    from flightmap.viewstate import ViewState

    began = time.perf_counter()
    try:
        dataset = load_dataset(args.data)
        located = locate(dataset)
        story = None
        if args.story or args.format == "pptx":
            story = load_story(args.data, args.story or "default")
    except DataValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:  # a story name that is not one
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    if located.unresolved:
        print(f"warning: {len(located.unresolved)} place reference(s) could not be resolved; run `python app.py validate {args.data}`", file=sys.stderr)

    try:
        view = None
        if args.format != "pptx":
            if story is not None:
                number = args.step or 1
                if story.step(number) is None:
                    print(f"{parser.prog}: error: story '{story.name}' has {len(story.steps)} steps: there is no step {number}", file=sys.stderr)
                    return 2
                view = exports.step_view(dataset, located, story, number)
            else:
                view = exports.view_from_state(ViewState(start=args.start, end=args.end), located.flights, located.events)
        gif_options = {"frames": args.frames or 24, "days_per_frame": args.days_per_frame, "mode": args.mode or "sliding", "duration_ms": args.duration_ms or 400} if args.format == "gif" else {}
        exports.write_export(dataset, located, args.format, args.out, view, story, args.width, args.height, **gif_options)
    except exports.ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"export failed: could not write {args.out}: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - began
    print(f"{args.out} ({args.out.stat().st_size / 1024:,.0f} KB) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
