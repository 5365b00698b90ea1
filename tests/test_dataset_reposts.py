"""Repost clustering on pairs built from written text: copies found, templates not."""

from __future__ import annotations

import pytest

pytest.importorskip("datasketch")

from benchmarks.dataset_pairs import ARTICLES, labelled_pairs, notices, repost
from govcrawl.dataset.reposts import (
    THRESHOLD,
    RepostInput,
    bare_text,
    cluster_reposts,
    similarity,
    substance,
)


def precision_recall(threshold: float) -> tuple[float, float]:
    pairs = [(similarity(a, b) >= threshold, truth) for a, b, truth in labelled_pairs()]
    true_pos = sum(found and truth for found, truth in pairs)
    found = sum(f for f, _ in pairs)
    positives = sum(t for _, t in pairs)
    return true_pos / max(found, 1), true_pos / positives


def test_constructed_pairs_precision_and_recall_at_the_tuned_threshold():
    assert precision_recall(THRESHOLD) == (1.0, 1.0)


def test_the_threshold_is_not_on_an_edge():
    # Moving it by 0.1 either way still separates the pairs: the margin is real.
    assert precision_recall(THRESHOLD - 0.1) == (1.0, 1.0)
    assert precision_recall(THRESHOLD + 0.1) == (1.0, 1.0)


def test_a_repost_with_another_header_and_footer_is_a_copy():
    copy = repost(ARTICLES[2], 2)
    assert "责任编辑" not in substance(copy.replace("监审", "责任编辑"))
    assert similarity(ARTICLES[2], copy) >= THRESHOLD


def test_notices_on_one_template_are_not_copies():
    first, second = notices()[:2]
    assert similarity(first, second) < THRESHOLD


def test_bare_text_ignores_width_spacing_and_punctuation():
    assert bare_text("２０２４年，　县委：开会！") == bare_text("2024年县委开会")


def item(key: str, text: str, published: str | None, crawled: str = "2024-12-01T00:00:00Z"):
    return RepostInput(key * 40, 1, text, published, crawled)


def test_clusters_name_the_earliest_copy_and_leave_the_rest_alone():
    rows = cluster_reposts(
        [
            item("b", repost(ARTICLES[0], 0), "2024-11-22"),
            item("c", ARTICLES[0], "2024-11-20"),
            item("d", repost(ARTICLES[0], 1), None),  # no date: after every dated copy
            item("a", ARTICLES[1], "2024-11-01"),
        ]
    )
    assert [(r.cluster_id[0], r.cluster_first[0], r.cluster_size) for r in rows] == [
        ("b", "c", 3),
        ("b", "c", 3),
        ("b", "c", 3),
        ("a", "a", 1),
    ]


def test_same_day_copies_are_ordered_by_crawl_time():
    rows = cluster_reposts(
        [
            item("a", ARTICLES[3], "2024-11-20", "2024-11-21T05:00:00Z"),
            item("b", repost(ARTICLES[3], 2), "2024-11-20", "2024-11-21T04:00:00Z"),
        ]
    )
    assert {r.cluster_first[0] for r in rows} == {"b"}


def test_stubs_are_never_clustered():
    rows = cluster_reposts([item("a", "详见附件。", None), item("b", "详见附件。", None)])
    assert [r.cluster_size for r in rows] == [1, 1]
