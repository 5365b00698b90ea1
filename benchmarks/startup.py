"""Start-up: wall time of `govcrawl list` and `govcrawl extract <page>`, and the slowest imports.

Each command runs `--runs` times as a fresh process (the installed `govcrawl` script when it
is on PATH, else `python -m govcrawl.cli`); reported are median and min wall time. Then
`python -X importtime` of the same `govcrawl list` names the modules with the largest
cumulative import time (top-level packages only, so nested imports are not counted twice).

    python benchmarks/startup.py --runs 10
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time

from perfkit import ROOT, median, provenance, write_section

PAGE = ROOT / "govcrawl/replay/replicas/gd_zijin/pages/www.zijin.gov.cn/xw/zwdt/content"
PAGE = PAGE / "post_689377.html"
PAGE_URL = "http://www.zijin.gov.cn/xw/zwdt/content/post_689377.html"


def govcrawl_command() -> list[str]:
    script = shutil.which("govcrawl")
    return [script] if script else [sys.executable, "-m", "govcrawl.cli"]


def wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def import_offenders(top: int) -> list[tuple[str, float]]:
    """(module, cumulative s) of the slowest imports of `govcrawl list`, two levels deep.

    Second-level modules are shown as `parent › module`, so that what makes a top-level
    import slow is visible (a top-level entry includes its children).
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "govcrawl.cli", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[tuple[str, float]] = []
    children: list[tuple[str, float]] = []
    for line in done.stderr.splitlines():  # children are printed before their parent
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # two spaces a level, from 1
        seconds = int(cumulative) / 1e6
        if depth == 2:
            children.append((name.strip(), seconds))
        elif depth == 1:
            rows.append((name.strip(), seconds))
            rows += [(f"{name.strip()} › {child}", s) for child, s in children]
            children = []
    return sorted(rows, key=lambda row: -row[1])[:top]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    base = govcrawl_command()
    commands = {
        "govcrawl list": [*base, "list"],
        "govcrawl extract <one page> --url …": [*base, "extract", str(PAGE), "--url", PAGE_URL],
        "python -c pass (interpreter alone)": [sys.executable, "-c", "pass"],
    }
    lines = ["### Start-up (issue 5 §5)", "", provenance().rstrip(), ""]
    lines += ["| command | median s | min s |", "|---|---|---|"]
    medians = {}
    for label, command in commands.items():
        times = wall_times(command, args.runs)
        medians[label] = median(times)
        lines.append(f"| `{label}` | {medians[label]:.3f} | {min(times):.3f} |")
    listing = medians["govcrawl list"]
    verdict = "met" if listing <= 0.6 else f"missed by {listing / 0.6 - 1:.0%}"
    lines += [
        "",
        f"{args.runs} runs each; the page is the gd_zijin replica's seed article.",
        f"Goal `govcrawl list` ≤ 0.6 s: **{verdict}**.",
        "",
        "Slowest top-level imports of `govcrawl list` (`python -X importtime`, cumulative):",
        "",
        "| module | s |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {seconds:.3f} |" for name, seconds in import_offenders(args.top)]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_section("startup", report)


if __name__ == "__main__":
    main()
