"""Shanghai site-cluster article template (`#ivs_title`, `#ivs_date`, `#ivs_content`).

Seen on wsjkw.sh.gov.cn (corpus page 09): the date is a bare `( 2022-04-26)` in
`<small id="ivs_date">`, header and footer come from scripts, and the `#ivs_title` heading
is left unclosed on some pages, so its element may swallow the body (the title then comes
from meta ArticleTitle).
"""

from __future__ import annotations

from govcrawl.extraction.article import ArticlePage


class ShanghaiArticlePage(ArticlePage):
    extractor = "shanghai"
    signature_css = ("#ivs_content",)
    info_css = ("#ivs_date",)
    body_css = ("#ivs_content",)
    breadcrumb_css = (".crumbs", ".position", ".location")

    def date_candidates(self) -> list[tuple[str, str]]:
        """`#ivs_date` carries the date without a label: it is the shown date."""
        shown = self._info_node
        candidates = super().date_candidates()
        if shown is not None and not any(origin == "page" for origin, _ in candidates):
            candidates.insert(0, ("page", " ".join(shown.css("::text").getall())))
        return candidates
