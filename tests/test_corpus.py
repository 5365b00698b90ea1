"""Our extraction on the real pages of ../shared/corpus, scored as the quality benchmark does.

Aggregate goals over every page (never one page by name): issue 3's quality bar, so a change
that makes extraction worse on real government pages fails here. Speed is the benchmark's job.
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.quality import load_pages, load_scorer, score_article, score_listing
from govcrawl.extraction.saved import extract_article, extract_listing
from govcrawl.record import schema_errors


@pytest.fixture(scope="module")
def pages(corpus):
    return load_pages(corpus)


@pytest.fixture(scope="module")
def scorer(corpus):
    return load_scorer(corpus)


def test_every_corpus_article_gives_a_valid_record_with_every_field_right(pages, scorer):
    scores = []
    for page in (p for p in pages if p.kind == "article"):
        record = extract_article(page.html, page.url)
        assert schema_errors(record) == [], page.name
        prediction = {"title": record["title"], "published": record["published_date"],
                      "source": record["source"], "text": record["text"]}
        scores.append(score_article(scorer, prediction, page.truth))
    assert scores, "no article pages in the corpus"
    assert statistics.mean(s["f1"] for s in scores) >= 0.98
    assert min(s["f1"] for s in scores) >= 0.95
    assert all(s["title"] for s in scores)
    assert all(s["date"] for s in scores)
    assert all(s["source"] for s in scores if s["source"] is not None)


def test_every_corpus_listing_gives_its_links_and_next_page(pages):
    scores = [score_listing(extract_listing(p.html, p.url), p.truth, p.url)
              for p in pages if p.kind == "listing"]
    assert scores, "no listing pages in the corpus"
    assert statistics.mean(s["precision"] for s in scores) >= 0.98
    assert statistics.mean(s["recall"] for s in scores) >= 0.98
    assert all(s["next_page"] for s in scores)
    assert all(s["order"] for s in scores)
