"""Start-up: wall time of `govcrawl list`, `scrapy list`, `govcrawl extract <page>` and a
one-portal replay crawl, with the full registry (2,842 rows) and with a 22-row one, cold and
warm; and the slowest imports.

Each command runs `--runs` times as a fresh process (the installed `govcrawl` script when it
is on PATH, else `python -m govcrawl.cli`); "warm" is the median and min of those runs,
"cold" the median of `--cold-runs` runs each after the OS page cache is dropped (root
only: `/proc/sys/vm/drop_caches`; otherwise not measured). One untimed run comes first, so
that both registries' index caches exist (`govcrawl.registry.portals` keeps them in the
cache directory, here a temporary one, and rebuilds one only when a registry file
changes): cold measures reading from disk, not the once-per-edit index build. The two
registries' runs alternate, so that another load on the machine hits both alike. The
22-row registry is the first 22 rows of the bundled one, given through `$GOVCRAWL_REGISTRY`.
Then `python -X importtime` of the same `govcrawl list` names the modules with the largest
cumulative import time.

    python benchmarks/startup.py --runs 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perfkit import ROOT, median, provenance, write_section

PAGE = ROOT / "govcrawl/replay/replicas/gd_zijin/pages/www.zijin.gov.cn/xw/zwdt/content"
PAGE = PAGE / "post_689377.html"
PAGE_URL = "http://www.zijin.gov.cn/xw/zwdt/content/post_689377.html"


def govcrawl_command() -> list[str]:
    script = shutil.which("govcrawl")
    return [script] if script else [sys.executable, "-m", "govcrawl.cli"]


def wall_times(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return times


def cold_time(command: list[str], env: dict[str, str]) -> float | None:
    """Wall time of one run after the page cache is dropped (None when not permitted)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return None
    return wall_times(command, 1, env)[0]


def small_registry(folder: Path, rows: int) -> Path:
    """`rows` portals of the bundled registry (gd_zijin, which the crawl uses, and the
    first others), in `folder`."""
    bundled = ROOT / "govcrawl" / "registry"
    header, *lines = (bundled / "portals.csv").read_text("utf-8").splitlines()
    zijin = [line for line in lines if line.startswith("gd_zijin,")]
    portals = [header, *zijin, *[line for line in lines if line not in zijin][: rows - 1]]
    names = {line.split(",", 1)[0] for line in portals[1:]}
    columns = (bundled / "columns.csv").read_text("utf-8").splitlines()
    kept = [columns[0]] + [line for line in columns[1:] if line.split(",", 1)[0] in names]
    (folder / "portals.csv").write_text("\n".join(portals) + "\n", "utf-8")
    (folder / "columns.csv").write_text("\n".join(kept) + "\n", "utf-8")
    return folder


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
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    base = govcrawl_command()
    scrapy = [sys.executable, "-m", "scrapy"]
    commands = {
        "govcrawl list": [*base, "list"],
        "scrapy list": [*scrapy, "list"],
        "govcrawl extract <one page> --url …": [*base, "extract", str(PAGE), "--url", PAGE_URL],
        "govcrawl crawl gd_zijin --replay --max-pages 1": [
            *base,
            "crawl",
            "gd_zijin",
            "--replay",
            "--max-pages",
            "1",
            "--output",
            tempfile.mkdtemp(prefix="govcrawl-startup-"),
            "-s",
            "GOVCRAWL_SEEN_STORE=",
        ],
        "python -c pass (interpreter alone)": [sys.executable, "-c", "pass"],
    }
    lines = ["### Start-up (issues 5 §5, 9, 15)", "", provenance().rstrip(), ""]
    lines += [
        "| command | rows | cold median s | warm median s | warm min s |",
        "|---|---|---|---|---|",
    ]
    warm: dict[tuple[str, int], float] = {}
    cold: dict[tuple[str, int], float | None] = {}
    with tempfile.TemporaryDirectory() as folder:
        small = small_registry(Path(folder), 22)
        base_env = dict(os.environ, XDG_CACHE_HOME=folder)  # the index caches: left nowhere
        envs = {2842: base_env, 22: dict(base_env, GOVCRAWL_REGISTRY=str(small))}
        for label, command in commands.items():
            sizes = [2842] if label.startswith("python") else list(envs)
            for rows in sizes:  # untimed: builds the registry's index cache
                wall_times(command, 1, envs[rows])
            colds: dict[int, list[float]] = {rows: [] for rows in sizes}
            times: dict[int, list[float]] = {rows: [] for rows in sizes}
            for _ in range(args.cold_runs):
                for rows in sizes:
                    sample = cold_time(command, envs[rows])
                    colds[rows] += [sample] if sample is not None else []
            for _ in range(args.runs):
                for rows in sizes:
                    times[rows] += wall_times(command, 1, envs[rows])
            for rows in sizes:
                warm[label, rows] = median(times[rows])
                cold[label, rows] = median(colds[rows]) if colds[rows] else None
                shown = f"{cold[label, rows]:.3f}" if colds[rows] else "n/a"
                lines.append(
                    f"| `{label}` | {rows} | {shown} | {warm[label, rows]:.3f} | "
                    f"{min(times[rows]):.3f} |"
                )
    listing, scrapy_list = warm["govcrawl list", 2842], warm["scrapy list", 2842]
    ratios = []
    for label in commands:
        if not label.startswith("python"):
            full, few = cold[label, 2842], cold[label, 22]
            shown = f"{full / few:.2f}×" if full is not None and few is not None else "n/a"
            ratios.append(
                f"`{' '.join(label.split()[:2])}` **{warm[label, 2842] / warm[label, 22]:.2f}×** "
                f"(cold {shown})"
            )
    lines += [
        "",
        f"{args.runs} warm and {args.cold_runs} cold runs each, the two registries' runs "
        "alternated; the page is the gd_zijin replica's seed article.",
        f"Goals (full registry): `govcrawl list` ≤ 0.6 s: **{listing:.2f} s**; "
        f"`scrapy list` ≤ 1.5 s: **{scrapy_list:.2f} s**; with 2,842 rows within ±10% of "
        f"22 rows (medians): {', '.join(ratios)}.",
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
