"""gov.cn 2023 platform article template (`#UCAP-CONTENT.pages_content`).

Seen on www.gov.cn (corpus page 03, 国务院公报): no standard meta tags but `others` and
`author`, the headline repeated inside the body split by `<br>`, 字号/打印 widgets.
"""

from __future__ import annotations

from govcrawl.extraction.article import ArticlePage


class GovCnArticlePage(ArticlePage):
    extractor = "govcn"
    signature_css = ("#UCAP-CONTENT",)
    info_css = (".pages-date",)
    body_css = ("#UCAP-CONTENT",)
    breadcrumb_css = (".BreadcrumbNav",)
