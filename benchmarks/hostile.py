"""Hostile files and requests (issue 15): what each costs the app and what the user is told.

    .venv/bin/python benchmarks/hostile.py [--project DIR] [--memory-mb 4096] [--cpu-seconds 120] [--only NAME ...]

Each file probe runs `python app.py validate FILE` (the import's reading and checks) in a child
process of the project at DIR (default: this checkout; point it at an older copy to measure
"before") under RLIMIT_AS and RLIMIT_CPU, and reports the outcome, the wall time, the child's
peak resident memory and the first line it printed. The request probes run the Flask app in a
child process with its test client. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import hostile_files as hostile  # noqa: E402

HEADER = "Date,From,To,Tail,Source,Notes,Confidence\n"
ROW = "2023-09-01,Bamako,Gao,5U-MBH,bnn-2024-03-22,{note},reported\n"


def file_probes() -> list[tuple[str, str, bytes]]:
    """(name, what it is, the file) — the sizes of the issue's probes."""
    return [
        ("huge-cell.xlsx", "one 1.5 GB cell", hostile.xlsx_huge_cell(1_500_000_000)),
        ("many-rows.xlsx", "3 M rows", hostile.xlsx_many_rows(3_000_000)),
        ("many-rows-undeclared.xlsx", "3 M rows, no <dimension>", hostile.xlsx_many_rows(3_000_000, declared=False)),
        ("many-cells.xlsx", "2 M cells (1,000 rows x 2,000)", hostile.xlsx_many_cells(1_000, 2_000)),
        ("far-cell.xlsx", "200 k rows, one cell each in column XFD", hostile.xlsx_far_cell(200_000)),
        ("wide-row.csv", "a row of 5 M fields", hostile.csv_wide_row(5_000_000)),
        ("many-headers.csv", "600 k header names", hostile.csv_many_headers(600_000)),
        ("many-rows.csv", "2.5 M rows", hostile.csv_many_rows(2_500_000)),
        ("long-header-field.csv", "a 200 k-character header cell", hostile.csv_long_field(200_000)),
        ("long-cell.csv", "a 1 M-character cell", hostile.csv_long_field(1_000_000, in_header=False)),
        ("deep.json", "arrays nested 100 k deep", hostile.json_deep(100_000)),
        ("many-objects.json", "600 k objects", hostile.json_many_objects(600_000)),
        ("formula-bypass.csv", "-2+3+cmd|' /C calc'!A0 in Notes", (HEADER + ROW.format(note="-2+3+cmd|' /C calc'!A0")).encode()),
        ("formula-plus.csv", "+1+cmd|... in Notes", (HEADER + ROW.format(note="+1+cmd|' /C calc'!A0")).encode()),
        ("control-chars.csv", "NUL, ESC[31m, U+202E in Notes", (HEADER + ROW.format(note="a\x00b \x1b[31mred\x1b[0m \u202eevil")).encode()),
        ("utf-16.csv", "UTF-16 (Excel 'Unicode text')", hostile.utf16_csv(HEADER + ROW.format(note="x"))),
    ]


def _limits(memory_mb: int, cpu_seconds: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    return apply


def run_child(project: Path, args: list[str], memory_mb: int, cpu_seconds: int, stdin: str | None = None) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(project), "PYTHONIOENCODING": "utf-8"}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], cwd=project, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_limits(memory_mb, cpu_seconds))
    out, err = child.communicate(stdin.encode() if stdin else None)
    seconds = time.perf_counter() - started
    return {"code": child.returncode, "seconds": seconds, "out": out.decode("utf-8", "replace"), "err": err.decode("utf-8", "replace")}


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith(("INFO", "WARNING"))]
    interesting = next((line for line in reversed(lines) if "Error" in line.split(":")[0]), None) if any(line.startswith("Traceback") for line in lines) else None
    line = interesting or next((line.lstrip("- ") for line in lines if line.startswith("- ")), lines[0] if lines else "")
    return line.encode("unicode_escape").decode("ascii")[:150].replace("|", "\\|")


def outcome(result: dict) -> str:
    code = result["code"]
    if code is not None and code < 0:
        return {9: "killed (CPU limit)", 24: "killed (CPU limit)", 6: "aborted"}.get(-code, f"signal {-code}")
    if code == 0:
        return "accepted (exit 0)"
    if "Traceback" in result["err"]:
        return f"crashed (exit {code})"
    return f"refused (exit {code})"


HTTP_PROBE = textwrap.dedent("""
    import io, json, logging, shutil, sys, tempfile
    from pathlib import Path
    import app as dashboard
    data = Path(tempfile.mkdtemp()) / "data"
    shutil.copytree(Path("data"), data)
    docs = {"evil.html": "<script>alert(1)</script>", "evil.svg": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "evil.js": "alert(1)", "notes.txt": "plain"}
    with open(data / "sources.csv", "a", encoding="utf-8") as sources:
        for name, text in docs.items():
            (data / "sources" / name).write_text(text)
            sources.write(f"doc-{name.replace('.', '-')},{name},me,,sources/{name},2024,\\n")
    dashboard.install_data(dashboard.Settings(data_dir=data))
    client = dashboard.server.test_client()
    for name in docs:
        r = client.get(f"/source/doc-{name.replace('.', '-')}")
        print(f"source {name}|{r.status_code} {r.headers.get('Content-Type')}; {r.headers.get('Content-Disposition') or 'inline'}; CSP sandbox: {'sandbox' in r.headers.get('Content-Security-Policy', '')}")
    r = client.get("/_dash-component-suites/nope/missing.js")
    print(f"unknown component suite|{r.status_code}")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    dashboard.server.logger.addHandler(handler)
    logging.getLogger().addHandler(handler)
    r = client.post("/_dash-update-component", json={"output": "nope.children", "inputs": [], "changedPropIds": []})
    print(f"malformed callback|{r.status_code}, {len(stream.getvalue().splitlines())} log line(s)")
    r = client.post("/_dash-update-component", json={"output": "nope.children", "inputs": [], "changedPropIds": []},
                    headers={"Host": "evil.example:8050", "Origin": "http://evil.example:8050"})
    print(f"callback POST, foreign Host and Origin|{r.status_code}")
    r = client.post("/_dash-update-component", json={"output": "nope.children", "inputs": [], "changedPropIds": []},
                    headers={"Origin": "http://evil.example"})
    print(f"callback POST, foreign Origin|{r.status_code}")
""")


def http_probes(project: Path, memory_mb: int, cpu_seconds: int) -> list[tuple[str, str]]:
    result = run_child(project, ["-c", HTTP_PROBE], memory_mb, cpu_seconds)
    rows = [tuple(line.split("|", 1)) for line in result["out"].splitlines() if "|" in line]
    if result["code"] != 0:
        rows.append(("(probe script)", f"exit {result['code']}: {_first_line(result['err'])}"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--cpu-seconds", type=int, default=120)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args(argv)
    project = args.project.resolve()
    print(f"project {project}; each probe under RLIMIT_AS {args.memory_mb} MB, RLIMIT_CPU {args.cpu_seconds} s\n")
    print("| probe | file size | outcome | wall s | peak RSS MB | first line printed |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, what, content in file_probes():
            if args.only and name not in args.only:
                continue
            path = Path(folder) / name
            path.write_bytes(content)
            script = f"import sys, app; sys.exit(app.main(['validate', {str(path)!r}, '--data', 'data']))"
            # Peak RSS of one child: run each in a fresh grandchild so RUSAGE_CHILDREN is its own.
            measure = (f"import resource, subprocess, sys, json; r = subprocess.run([sys.executable, '-c', {script!r}], capture_output=True);"
                       f"sys.stdout.write(json.dumps([r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]) + '\\n');"
                       f"sys.stderr.write(r.stderr.decode('utf-8', 'replace') + r.stdout.decode('utf-8', 'replace'))")
            result = run_child(project, ["-c", measure], args.memory_mb, args.cpu_seconds)
            try:
                code, rss = json.loads(result["out"].strip().splitlines()[-1])
            except (ValueError, IndexError):
                code, rss = result["code"], 0
            result["code"] = code
            print(f"| {name}: {what} | {len(content) / 1e6:.2f} MB | {outcome(result)} | {result['seconds']:.1f} | {rss / 1024:.0f} | {_first_line(result['err'])} |", flush=True)
    if not args.only:
        print("\n| request probe | answer |")
        print("|---|---|")
        for name, answer in http_probes(project, args.memory_mb, args.cpu_seconds):
            print(f"| {name} | {answer} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
