"""The item a spider yields: extraction output that the clean pipeline turns into a record."""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    """An article as extracted from its page, before cleaning.

    The record fields (see `govcrawl/schemas/record-v1.json`) plus `date_candidates`:
    raw date strings in order of trust, `[origin, text]` pairs, which the clean
    pipeline resolves into `published_date` / `published_at`.
    """

    schema_version = scrapy.Field()
    url_hash = scrapy.Field()
    url = scrapy.Field()
    portal = scrapy.Field()
    site_name = scrapy.Field()
    region = scrapy.Field()
    channel = scrapy.Field()
    breadcrumb = scrapy.Field()
    title = scrapy.Field()
    title_simplified = scrapy.Field()
    script = scrapy.Field()
    published_date = scrapy.Field()
    published_at = scrapy.Field()
    source = scrapy.Field()
    contributors = scrapy.Field()
    text = scrapy.Field()
    text_simplified = scrapy.Field()
    images = scrapy.Field()
    attachments = scrapy.Field()
    document = scrapy.Field()
    extractor = scrapy.Field()
    crawled_at = scrapy.Field()
    date_candidates = scrapy.Field()
