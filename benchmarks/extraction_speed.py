"""Extraction speed: ms per page for our extractor, its page object alone, trafilatura and GNE.

Two page sets: the real article pages of ../shared/corpus (skipped when absent; `kind` =
article in each page's .json) and `--generated` pages of the generated gd-jyh portal. Every
extractor gets the same bytes in the same process, after one warm-up call per page; a page's
figure is the median of `--repeat` calls; reported are the median and p90 over pages.

- `govcrawl`: `govcrawl.extraction.saved.extract_article` on the corpus (what `govcrawl extract`
  and the quality benchmark run: page object + clean); on generated pages the crawl's own
  path, the gd_jyh page object + `clean_article` (the generated host is no registered portal);
- `page object`: the same page class's `fields()` alone, from bytes (decoding included): on
  the corpus the class `extract_article` picks (`article_page_class`), on generated pages
  gd_jyh's;
- `trafilatura`: `trafilatura.extract(html)`; `GNE`: `GeneralNewsExtractor().extract(html)`.

    python benchmarks/extraction_speed.py --generated 200 --repeat 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate_portal import PORTAL, article_page, article_url
from perfkit import CORPUS, median, percentile, provenance, time_call, write_section

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.parse import parse_response, saved_response
from govcrawl.extraction.saved import article_page_class, extract_article, portal_for_url
from govcrawl.platforms.gd_jyh.pages import GdJyhArticlePage
from pipelines import Rejected
from pipelines.clean import clean_article

# url, bytes, page class the crawl would use, and whether the page is read the way
# `govcrawl extract` reads a saved page (the corpus) or the way a crawl reads its own portal's
Page = tuple[str, bytes, type[ArticlePage], bool]


def corpus_pages(corpus: Path = CORPUS) -> list[Page]:
    """Article pages of the shared corpus with their original URLs (empty when absent)."""
    pages = []
    for meta_path in sorted((corpus / "pages").glob("*.json")):
        meta = json.loads(meta_path.read_text("utf-8"))
        if meta.get("kind") == "article":
            html = meta_path.with_suffix(".html").read_bytes()
            url = meta.get("original_url") or meta_path.as_uri()
            index = DomIndex(parse_response(saved_response(html, url)).root)
            pages.append((url, html, article_page_class(portal_for_url(url), index), True))
    return pages


def generated_pages(count: int, articles: int = 10_000, seed: int = 1) -> list[Page]:
    """`count` articles of the generated portal, spread over its whole date range."""
    step = max(1, articles // count)
    pages = []
    for index in range(0, step * count, step):
        rel, html = article_page(index, articles, seed)
        post_id = int(rel.rsplit("_", 1)[1].split(".")[0])
        pages.append((article_url(post_id), html, GdJyhArticlePage, False))
    return pages


def _ours(url: str, html: bytes, page_class: type[ArticlePage], saved: bool) -> Any:
    if saved:
        return extract_article(html, url)
    return clean_article(page_class.from_html(html, url).fields())


def _page_object(url: str, html: bytes, page_class: type[ArticlePage], saved: bool) -> Any:
    return page_class.from_html(html, url).fields()


def _trafilatura(url: str, html: bytes, page_class: type[ArticlePage], saved: bool) -> Any:
    import trafilatura

    return trafilatura.extract(html.decode("utf-8", "replace"), url=url)


def _gne(url: str, html: bytes, page_class: type[ArticlePage], saved: bool) -> Any:
    from gne import GeneralNewsExtractor

    return GeneralNewsExtractor().extract(html.decode("utf-8", "replace"))


EXTRACTORS: dict[str, Callable[[str, bytes, type[ArticlePage], bool], Any]] = {
    "govcrawl (page object + clean)": _ours,
    "govcrawl page object alone": _page_object,
    "trafilatura": _trafilatura,
    "GNE": _gne,
}


def time_page(extractor: Callable[..., Any], page: Page, repeat: int) -> float:
    """Median ms of `repeat` calls after one warm-up (garbage collector paused while timed);
    a refusal (`Rejected`) still counts."""

    def call() -> None:
        with contextlib.suppress(Rejected):
            extractor(*page)

    call()
    return median([time_call(call) for _ in range(repeat)])


def measure(pages: list[Page], repeat: int) -> dict[str, list[float]]:
    return {
        name: [time_page(extractor, page, repeat) for page in pages]
        for name, extractor in EXTRACTORS.items()
    }


def _table(title: str, timings: dict[str, list[float]], goal: bool) -> list[str]:
    lines = [f"**{title}**", "", "| extractor | median ms | p90 ms |", "|---|---|---|"]
    for name, values in timings.items():
        lines.append(f"| {name} | {median(values):.2f} | {percentile(values, 0.9):.2f} |")
    if goal:
        ours = median(timings["govcrawl (page object + clean)"])
        verdict = "met" if ours <= 2 else f"missed: {ours:.1f} ms, {ours / 2:.1f}× the goal"
        lines += ["", f"Goal ≤ 2 ms median on the corpus: **{verdict}**."]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=200, help="generated pages to time")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per page")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    corpus = corpus_pages() if (CORPUS / "pages").is_dir() else []
    if not corpus:
        print("../shared/corpus is absent: corpus pages skipped", file=sys.stderr)
    sections = ["### Extraction speed (issue 5 §2)", "", provenance()]
    sections.append(
        f"- Each page: median of {args.repeat} calls after a warm-up, one process; "
        "table: median and p90 over pages\n"
    )
    if corpus:
        sizes = sorted(len(html) // 1024 for _, html, _, _ in corpus)
        title = f"Corpus: {len(corpus)} real article pages ({sizes[0]}–{sizes[-1]} KB)"
        sections += _table(title, measure(corpus, args.repeat), goal=True)
    generated = generated_pages(args.generated)
    title = f"Generated: {len(generated)} pages of the {PORTAL} portal (30–55 KB)"
    sections += _table(title, measure(generated, args.repeat), goal=False)
    report = "\n".join(sections)
    print(report)
    if not args.no_write:
        write_section("extraction", report)


if __name__ == "__main__":
    main()
