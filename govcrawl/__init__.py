"""govcrawl: crawl the news posts of China's regional government portals into JSONL."""

__version__ = "0.1.0"
