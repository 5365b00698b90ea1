"""Reposts: the same text published by several portals (or under several URLs), found by
MinHash LSH over character shingles.

A county portal reposts a prefecture's notice with its own header (site name, 来源), its
own 责任编辑 line and footer: exact hashes miss that, a Jaccard estimate over 5-character
shingles of the bare text does not. Chinese has no spaces, so shingles are characters; with
punctuation and whitespace removed, re-typesetting does not matter either.

`datasketch` gives MinHash and the banded LSH index; writing them ourselves would be a
hash family, a band/row optimiser and bucket storage to test for no gain.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from govcrawl.extraction.bylines import split_byline
from govcrawl.extraction.text import is_boilerplate

SHINGLE = 5
NUM_PERM = 128
# Tuned on the constructed pairs of benchmarks/dataset_pairs.py: reposts with another
# portal's header and footer score 0.94-1.0 there (the label lines are removed, what is left
# of the wrapper costs the rest), different notices on one template 0.41-0.47, different
# articles 0. The threshold sits in the gap, nearer the notices: real reposts also get a
# sentence or a place name edited. (Estimates: MinHash with 128 permutations, ±0.04.)
THRESHOLD = 0.7
# Below this many letters and digits a text is a stub ("详见附件"): equal stubs are not
# the same document, so such records stay alone.
MIN_CHARS = 50
# The shingle hash. datasketch mixes its input hash before permuting it, so CRC-32 (in C)
# serves as well as its default SHA-1 at a fifth of the cost; signatures are never stored,
# so the choice can change freely.
_HASH = zlib.crc32
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class RepostInput:
    """What clustering needs of one record version."""

    url_hash: str
    version: int
    text: str
    published_date: str | None  # ISO day; None sorts last
    crawled_at: str  # ISO UTC


@dataclass(frozen=True, slots=True)
class ClusterRow:
    """A record version's cluster: `cluster_id` names the cluster (the smallest url_hash in
    it, stable while members join), `cluster_first` is the earliest copy's url_hash."""

    url_hash: str
    version: int
    cluster_id: str
    cluster_first: str
    cluster_size: int


# Lines a reposting portal adds about the copy rather than the substance: where it came
# from and when it was put up. (Widgets, footers and bylines are known to
# govcrawl.extraction.text and the byline reader.)
_REPOST_LABEL = re.compile(
    r"^[【\[（(]?\s*(?:信息)?(?:来源|來源|转自|轉自|转载|轉載|发布时间|发布日期|浏览次数)"
)
_MAX_LABEL_LINE = 60


def substance(text: str) -> str:
    """The text without the lines a repost adds or changes: source and date labels,
    bylines, widgets and footers."""
    return "\n".join(
        line
        for line in text.split("\n")
        if not (
            len(line) <= _MAX_LABEL_LINE
            and (_REPOST_LABEL.match(line.strip()) or is_boilerplate(line) or split_byline(line))
        )
    )


def bare_text(text: str) -> str:
    """Letters and digits of the substance only, NFKC-normalised: what shingles are made of."""
    # Punctuation and spaces go first: NFKC is slow on full-width punctuation (~0.4 µs a
    # character) and fast on what is left; the second pass drops what NFKC turned into
    # punctuation (㈠ → (一)).
    bare = _NOT_LETTER_OR_DIGIT.sub("", substance(text))
    if unicodedata.is_normalized("NFKC", bare):
        return bare
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", bare))


def _shingles_of(bare: str, k: int = SHINGLE) -> list[bytes]:
    if len(bare) <= k:
        return [bare.encode()] if bare else []
    return list({bare[i : i + k].encode() for i in range(len(bare) - k + 1)})


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """The set of k-character shingles of the bare text (the whole text when shorter)."""
    return set(_shingles_of(bare_text(text), k))


def signature(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash of the text's shingles (seed fixed, so signatures compare across runs)."""
    minhash = MinHash(num_perm=num_perm, seed=1, hashfunc=_HASH)
    minhash.update_batch(_shingles_of(bare_text(text)))
    return minhash


def similarity(a: str, b: str, num_perm: int = NUM_PERM) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets."""
    return float(signature(a, num_perm).jaccard(signature(b, num_perm)))


def cluster_reposts(
    records: Iterable[RepostInput], *, threshold: float = THRESHOLD, num_perm: int = NUM_PERM
) -> list[ClusterRow]:
    """One ClusterRow per input, in input order. Candidates come from the LSH index and are
    kept only when their estimated Jaccard similarity reaches `threshold` (LSH bands let
    some lower pairs through); clusters are the connected components of kept pairs."""
    items = list(records)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bares = [bare_text(item.text) for item in items]
    kept = [index for index, bare in enumerate(bares) if len(bare) >= MIN_CHARS]
    # One set of permutations for all signatures (MinHash.generator), not one per text.
    minhashes = MinHash.generator(
        (_shingles_of(bares[index]) for index in kept), num_perm=num_perm, seed=1, hashfunc=_HASH
    )
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signatures: dict[int, MinHash] = {}
    for index, minhash in zip(kept, minhashes, strict=True):
        for other in lsh.query(minhash):
            if minhash.jaccard(signatures[other]) >= threshold:
                parent[find(other)] = find(index)
        lsh.insert(index, minhash)
        signatures[index] = minhash
    return _rows(items, [find(i) for i in range(len(items))])


def _rows(items: Sequence[RepostInput], roots: Sequence[int]) -> list[ClusterRow]:
    members: dict[int, list[int]] = {}
    for index, root in enumerate(roots):
        members.setdefault(root, []).append(index)
    summary: dict[int, tuple[str, str, int]] = {}
    for root, indexes in members.items():
        group = [items[i] for i in indexes]
        first = min(group, key=lambda r: (r.published_date or "9999-99-99", r.crawled_at))
        summary[root] = (min(r.url_hash for r in group), first.url_hash, len(group))
    return [
        ClusterRow(item.url_hash, item.version, *summary[root])
        for item, root in zip(items, roots, strict=True)
    ]
