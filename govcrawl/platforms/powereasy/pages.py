"""PowerEasy 动易 SiteWeaver page objects (ASP.NET county sites of the 2010s).

Template facts (corpus INDEX "14_jingan-county-powereasy-listing", a county site of 江西):
columns `/Category_<N>/Index.aspx`, then `Index_2.aspx` … (1-based); articles
`/Item/<N>.aspx`; the list is `ul.newsList > li` (link, then `span.date`); the pager sits
between `<!--{pe.begin.pagination}-->` comments with real 下一页 links; a sidebar hot list
(`ul.infoList` without `newsList`) repeats list items and must lose to the main list.
The article template is not known from a stored page: the generic article rules read it.
"""

from __future__ import annotations

from govcrawl.extraction.listing import ListingPage


class PowerEasyListingPage(ListingPage):
    item_css = ("ul.newsList > li",)
    pager_css = (".pagination", ".pager", ".page")
