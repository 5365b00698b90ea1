"""Extraction quality benchmark: our extraction vs trafilatura and GNE on the real corpus pages.

Why: issue 3 sets goals on real pages we did not write (body F1 ≥ 0.98, title/date right on
every page, source right wherever shown, listing P/R ≥ 0.98, next page right, ≥ 5× faster than
trafilatura). This measures them in one run, with the corpus's own scorer
(`../shared/corpus/tools/score.py`, imported by path so the figures stay comparable), and
writes the table into the `quality` section of BENCHMARKS.md.

    python benchmarks/quality.py                  # all pages, writes BENCHMARKS.md
    python benchmarks/quality.py --only 05 12     # some pages (by name or prefix), no write
    python benchmarks/quality.py --json out.json  # per-page predictions and truth, for diffing

Scoring beyond score.py: source is right when equal after score.py's whitespace folding, and
only counted where the truth has one; link precision/recall compare the sets of absolute URLs
(truth links resolved against the page's `original_url`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin

if __package__:  # imported as benchmarks.quality (the tests)
    from benchmarks.perfkit import code_version, time_call
else:  # run as a script: benchmarks/ is the import root
    from perfkit import code_version, time_call

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- quality:begin -->", "<!-- quality:end -->"
_SHOWN_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
EXTRACTORS = ("ours", "trafilatura", "gne")
GOALS = {"f1": 0.98, "links": 0.98, "speedup": 5.0}
# The truth's `source` may carry an annotation after the value: "宜春市统计局 (发布机构); meta …".
_TRUTH_ANNOTATION = re.compile(r"\s+[(（]|\s*;")


@dataclass
class Page:
    """One corpus page with its hand-checked truth."""

    name: str
    html: bytes
    truth: dict[str, Any]
    url: str

    @property
    def kind(self) -> str:
        return self.truth.get("kind", "")


@dataclass
class Outcome:
    """What one extractor made of one page: prediction (None on refusal), note, scores, time."""

    pred: dict[str, Any] | None
    ms: float
    note: str = ""
    scores: dict[str, Any] = field(default_factory=dict)


def load_scorer(corpus: Path = CORPUS) -> ModuleType:
    """The corpus's score.py as a module, so its fold/f1/day define our figures."""
    spec = importlib.util.spec_from_file_location("corpus_score", corpus / "tools" / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {corpus / 'tools' / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(corpus: Path = CORPUS, only: list[str] | None = None) -> list[Page]:
    """Corpus pages with their truth, optionally those whose name starts with one of `only`."""
    pages = []
    for truth_path in sorted((corpus / "pages").glob("*.json")):
        name = truth_path.stem
        if only and not any(name.startswith(o) for o in only):
            continue
        html_path = truth_path.with_suffix(".html")
        truth = json.loads(truth_path.read_text("utf-8"))
        # Without an original URL, pass what `govcrawl extract` would: the file's own URI.
        url = truth.get("original_url") or html_path.resolve().as_uri()
        pages.append(Page(name, html_path.read_bytes(), truth, url))
    return pages


def truth_source(value: str | None) -> str | None:
    """The truth's 来源 value without the annotation some entries append."""
    if not value:
        return None
    return _TRUTH_ANNOTATION.split(value, maxsplit=1)[0].strip() or None


def score_article(scorer: ModuleType, pred: dict[str, Any] | None, truth: dict[str, Any]) -> dict:
    """Body P/R/F1, title, date and source against the truth; a refused page misses all."""
    pred = pred or {}
    precision, recall, f1 = scorer.f1(pred.get("text"), truth.get("body_text"))
    gold_source = truth_source(truth.get("source"))
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "title": bool(pred) and scorer.fold(pred.get("title")) == scorer.fold(truth.get("title")),
        "date": bool(pred)
        and scorer.day(pred.get("published")) == scorer.day(truth.get("published")),
        "source": None
        if gold_source is None
        else scorer.fold(pred.get("source")) == scorer.fold(gold_source),
    }


def score_listing(pred: dict[str, Any] | None, truth: dict[str, Any], url: str) -> dict:
    """Link-set precision/recall, order of the common links, next page and page count."""
    pred = pred or {"article_links": [], "next_page": None, "total_pages": None}
    gold = [urljoin(url, href) for href in truth.get("article_links", [])]
    ours = [link["url"] for link in pred["article_links"]]
    common = set(gold) & set(ours)
    gold_next = urljoin(url, truth["next_page"]) if truth.get("next_page") else None
    return {
        "precision": len(common) / len(set(ours)) if ours else float(not gold),
        "recall": len(common) / len(set(gold)) if gold else 1.0,
        "order": [u for u in ours if u in common] == [u for u in gold if u in common]
        if common
        else None,
        "next_page": pred["next_page"] == gold_next,
        "total_pages": pred["total_pages"] == truth.get("total_pages"),
        "missing": [u for u in gold if u not in common],
        "extra": [u for u in ours if u not in common],
        "found": len(set(ours)),
        "listed": len(set(gold)),
    }


def _call(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # a refusal or crash is a result to report, not to abort on
        return exc


def timed(calls: dict[str, Callable[[], Any]], reps: int) -> dict[str, tuple[Any, float]]:
    """Each call's result (or the exception it raised) and median ms of `reps` warm runs.

    The calls take turns within each repetition, so that load from other processes on the
    machine falls on every extractor alike and the speed ratio stays fair. The cyclic garbage
    collector is paused while a call is timed (`perfkit.time_call`): otherwise a collection
    of what one extractor left behind is charged to whichever call happens to trigger it.
    """
    results = {name: _call(call) for name, call in calls.items()}  # warm-up
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(reps):
        for name, call in calls.items():
            times[name].append(time_call(lambda call=call: _call(call)))
    return {name: (results[name], statistics.median(times[name])) for name in calls}


def _ours(page: Page) -> Callable[[], Any]:
    from govcrawl.extraction.saved import extract_article, extract_listing

    if page.kind == "listing":
        return lambda: extract_listing(page.html, page.url)
    return lambda: extract_article(page.html, page.url)


def _trafilatura(page: Page) -> Callable[[], Any]:
    import trafilatura

    return lambda: trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)


def _gne(page: Page) -> Callable[[], Any]:
    from gne import GeneralNewsExtractor
    from w3lib.encoding import html_to_unicode

    text = html_to_unicode(None, page.html)[1]  # GNE takes str; decoding is not timed
    return lambda: GeneralNewsExtractor().extract(text)


def iso_day(value: str | None) -> str | None:
    """GNE's date as shown (`2007.08.20`, `2016年11月22日`) in the ISO form score.py compares."""
    match = _SHOWN_DAY.search(value or "")
    return "{}-{:0>2}-{:0>2}".format(*match.groups()) if match else None


def _as_prediction(name: str, result: Any) -> tuple[dict[str, Any] | None, str]:
    """Common {title, published, source, text} view of an extractor's result, and a note."""
    if isinstance(result, Exception):
        reason = getattr(result, "reason", type(result).__name__)
        return None, f"{reason}: {getattr(result, 'detail', '') or result}"
    if result is None:
        return None, "no result"
    if name == "ours":
        if "article_links" in result:  # a listing: say why its script pager gave no next page
            unresolved = result.get("pager_unresolved")
            return result, f"pager unresolved: {unresolved}" if unresolved else ""
        return {
            "title": result.get("title"),
            "published": result.get("published_date"),
            "source": result.get("source"),
            "text": result.get("text"),
        }, ""
    if name == "trafilatura":
        doc = result.as_dict() if hasattr(result, "as_dict") else result
        # trafilatura and GNE have no 来源 field; their `author` is the nearest (GNE's
        # author patterns include 来源).
        return {
            "title": doc.get("title"),
            "published": doc.get("date"),
            "source": doc.get("author"),
            "text": doc.get("text"),
        }, ""
    return {
        "title": result.get("title"),
        "published": iso_day(result.get("publish_time")),
        "source": result.get("author"),
        "text": result.get("content"),
    }, ""


def run(pages: list[Page], scorer: ModuleType, reps: int) -> dict[str, dict[str, Outcome]]:
    """Every extractor on every page it handles: {page: {extractor: Outcome}}."""
    makers = {"ours": _ours, "trafilatura": _trafilatura, "gne": _gne}
    results: dict[str, dict[str, Outcome]] = {}
    for page in pages:
        names = EXTRACTORS if page.kind == "article" else ("ours",)
        runs = timed({name: makers[name](page) for name in names}, reps)
        results[page.name] = {}
        for name, (result, ms) in runs.items():
            pred, note = _as_prediction(name, result)
            outcome = Outcome(pred, ms, note)
            if page.kind == "article":
                outcome.scores = score_article(scorer, pred, page.truth)
            else:
                outcome.scores = score_listing(pred, page.truth, page.url)
            results[page.name][name] = outcome
    return results


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(pages: list[Page], results: dict[str, dict[str, Outcome]]) -> dict[str, dict]:
    """Per extractor: mean F1, accuracies, listing means and the median ms per article page."""
    kinds = {p.name: p.kind for p in pages}
    summary: dict[str, dict] = {}
    for name in EXTRACTORS:
        arts = [r[name] for p, r in results.items() if kinds[p] == "article" and name in r]
        lists = [r[name] for p, r in results.items() if kinds[p] == "listing" and name in r]
        sources = [o.scores["source"] for o in arts if o.scores["source"] is not None]
        summary[name] = {
            "f1": _mean([o.scores["f1"] for o in arts]),
            "title": _mean([o.scores["title"] for o in arts]),
            "date": _mean([o.scores["date"] for o in arts]),
            "source": _mean(sources),
            "ms": statistics.median(o.ms for o in arts) if arts else None,
        }
        if lists:
            summary[name] |= {
                key: _mean([o.scores[key] for o in lists if o.scores[key] is not None])
                for key in ("precision", "recall", "order", "next_page", "total_pages")
            } | {"listing_ms": statistics.median(o.ms for o in lists)}
    ours, traf = summary["ours"]["ms"], summary["trafilatura"]["ms"]
    summary["ours"]["speedup"] = traf / ours if ours and traf else None
    return summary


def _num(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _mark(value: bool | None) -> str:
    return "" if value is None else ("✓" if value else "✗")


def _triple(outcomes: dict[str, Outcome], show: Callable[[Outcome], str]) -> str:
    return " / ".join(show(outcomes[n]) if n in outcomes else "" for n in EXTRACTORS)


def per_page_table(pages: list[Page], results: dict[str, dict[str, Outcome]]) -> list[str]:
    """Markdown rows, one per page; cells hold `ours / trafilatura / GNE`."""
    rows = [
        "| page | kind | body F1 | title | date | source | links P / R (found of listed) "
        "| order | next page "
        "| total pages | ms per page | our note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        out = results[page.name]
        ms = _triple(out, lambda o: _num(o.ms, 1))
        if page.kind == "article":
            cells = [
                _triple(out, lambda o: _num(o.scores["f1"])),
                *(_triple(out, lambda o, k=k: _mark(o.scores[k])) for k in ("title", "date")),
                _triple(out, lambda o: _mark(o.scores["source"]) or "n/a"),
                "",
                "",
                "",
                "",
            ]
        else:
            s = out["ours"].scores
            counts = f" ({s['found']} of {s['listed']})" if "found" in s else ""
            cells = ["", "", "", "", f"{s['precision']:.2f} / {s['recall']:.2f}{counts}"]
            cells += [_mark(s[k]) for k in ("order", "next_page", "total_pages")]
        rows.append(
            f"| {page.name} | {page.kind} | {' | '.join(cells)} | {ms} | {out['ours'].note} |"
        )
    return rows


def summary_lines(summary: dict[str, dict]) -> list[str]:
    """The goal figures, one line each, with ✓/✗ against issue 3's goals."""
    ours = summary["ours"]

    def line(label: str, key: str, goal: float, digits: int = 3) -> str:
        values = " / ".join(_num(summary[n].get(key), digits) or "—" for n in EXTRACTORS)
        return f"- {label}: {values} (goal ≥ {goal}: {_mark((ours.get(key) or 0) >= goal)})"

    lines = [
        "Summary (ours / trafilatura / GNE):",
        "",
        line("mean body F1", "f1", GOALS["f1"]),
        line("title accuracy", "title", 1.0),
        line("date accuracy", "date", 1.0),
        line("source accuracy (pages whose truth names one)", "source", 1.0),
        line("listing link precision (mean over listings)", "precision", GOALS["links"]),
        line("listing link recall (mean over listings)", "recall", GOALS["links"]),
        line("next-page accuracy", "next_page", 1.0),
        f"- total-pages accuracy: {_num(ours.get('total_pages'))}; "
        f"link order right: {_num(ours.get('order'))}",
        "- median ms per article page: "
        + " / ".join(_num(summary[n]["ms"], 1) for n in EXTRACTORS)
        + f"; ours per listing page: {_num(ours.get('listing_ms'), 1)}",
        f"- speed ratio trafilatura/ours: {_num(ours['speedup'], 1)}× "
        f"(goal ≥ {GOALS['speedup']}×: {_mark((ours['speedup'] or 0) >= GOALS['speedup'])})",
    ]
    return lines


def _article_misses(page: Page, ours: Outcome) -> list[str]:
    s, pred, truth = ours.scores, ours.pred or {}, page.truth
    if ours.pred is None:
        return [f"refused ({ours.note})"]
    found = []
    if s["f1"] < GOALS["f1"]:
        found.append(f"body F1 {s['f1']:.3f} (P {s['precision']:.3f}, R {s['recall']:.3f})")
    wrong = [
        ("title", pred["title"], truth.get("title"), s["title"]),
        ("date", pred["published"], truth.get("published"), s["date"]),
        ("source", pred["source"], truth_source(truth.get("source")), s["source"]),
    ]
    found += [f"{k} `{got}` ≠ `{want}`" for k, got, want, ok in wrong if ok is False]
    return found


def _listing_misses(page: Page, ours: Outcome) -> list[str]:
    s, pred, truth = ours.scores, ours.pred or {}, page.truth
    found = [f"{len(s[k])} {k} link(s), e.g. `{s[k][0]}`" for k in ("missing", "extra") if s[k]]
    if not s["next_page"]:
        want = urljoin(page.url, truth["next_page"]) if truth.get("next_page") else None
        found.append(f"next page `{pred.get('next_page')}` ≠ `{want}`")
    if not s["total_pages"]:
        found.append(f"total pages `{pred.get('total_pages')}` ≠ `{truth.get('total_pages')}`")
    return found


def miss_lines(pages: list[Page], results: dict[str, dict[str, Outcome]]) -> list[str]:
    """Where our extraction misses: what it produced vs the truth, concrete enough to fix."""
    lines = []
    for page in pages:
        ours = results[page.name]["ours"]
        check = _article_misses if page.kind == "article" else _listing_misses
        lines += [f"- {page.name}: {miss}" for miss in check(page, ours)]
    return ["Where ours misses (ours ≠ truth):", "", *(lines or ["- nowhere"])]


def environment(argv: list[str], reps: int) -> list[str]:
    """Command, machine, date and library versions, so a figure can be reproduced."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    versions = ", ".join(
        f"{pkg} {metadata.version(pkg)}"
        for pkg in ("govcrawl", "scrapy", "parsel", "lxml", "trafilatura", "gne")
    )
    return [
        f"- command: `{' '.join(['python benchmarks/quality.py', *argv])}`",
        f"- machine: {os.cpu_count()} CPUs (nproc), {cpu}; Python {platform.python_version()}",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; code: {code_version()}; load average: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + " (the machine is shared: compare ms within one run, not across runs)",
        f"- versions: {versions}",
        f"- timing: median of {reps} warm runs per page after one warm-up, same process, "
        "garbage collector paused while a call is timed, "
        "extractors taking turns within each run",
    ]


def render(pages: list[Page], results: dict, summary: dict, env: list[str]) -> str:
    """The whole quality section of BENCHMARKS.md, markers included."""
    return "\n".join(
        [
            BEGIN,
            "## Extraction quality on `../shared/corpus` (real pages)",
            "",
            *env,
            "",
            "Scoring: `../shared/corpus/tools/score.py` (body F1 over character bigrams without "
            "whitespace, title exact after whitespace folding, date at day precision); source "
            "right = equal after the same folding, scored only where the truth names one "
            "(trafilatura/GNE: their `author` field, the nearest they have). A page our "
            "extraction refuses (`Rejected`) misses every field. Listings (our extractor "
            "only): precision/recall of the set of article links against the truth's "
            "`article_links` (found of listed = links we give / links the truth lists), order of "
            "the common links, next page equal to the truth's (None on a last page), page count; "
            "the note says why a script pager stayed unresolved (`pager_unresolved`).",
            "",
            *per_page_table(pages, results),
            "",
            *summary_lines(summary),
            "",
            *miss_lines(pages, results),
            END,
        ]
    )


def write_section(section: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace only the quality section, reading the file fresh (others own other sections)."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, path)


def dump(pages: list[Page], results: dict, path: Path) -> None:
    """Per-page predictions, scores and truth as JSON, for diffing extractor changes."""
    out = {
        page.name: {
            "kind": page.kind,
            "url": page.url,
            "truth": {k: v for k, v in page.truth.items() if k not in ("notes", "encoding_note")},
            **{
                name: {"pred": o.pred, "note": o.note, "ms": o.ms, "scores": o.scores}
                for name, o in results[page.name].items()
            },
        }
        for page in pages
    }
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str), "utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 also when the corpus is absent (nothing to measure)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="page names or prefixes")
    parser.add_argument("--json", type=Path, metavar="PATH", help="dump per-page results")
    parser.add_argument("--reps", type=int, default=15, help="timed runs per page (≥ 5)")
    args = parser.parse_args(argv)
    if args.reps < 5:
        parser.error("--reps must be at least 5")
    if not (CORPUS / "tools" / "score.py").is_file():
        print(f"skipped: corpus not found at {CORPUS} (needs pages/ and tools/score.py)")
        return 0
    try:
        import gne  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError as exc:
        print(f"error: {exc.name} missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    pages = load_pages(CORPUS, args.only)
    results = run(pages, load_scorer(CORPUS), args.reps)
    section = render(pages, results, summarize(pages, results), environment(argv, args.reps))
    print(section)
    if args.json:
        dump(pages, results, args.json)
    if args.only:
        print("(--only: BENCHMARKS.md left unchanged)")
    else:
        write_section(section, BENCHMARKS_MD)
    return 0


if __name__ == "__main__":
    sys.exit(main())
