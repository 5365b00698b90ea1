"""Guards: what keeps an unattended crawl in bounds against slow, broken and hostile servers.

Each module guards one boundary, as a Scrapy component wired in `govcrawl/settings.py`
(RELIABILITY.md lists every fault, its guard and the test that shows it):

- `addresses`: where a connection may go — public addresses only, checked by the resolver
  when the connection is made (`TWISTED_DNS_RESOLVER`);
- `requests`: which requests may be sent — the portal's own hosts, no credentials, no
  address literals, a request budget per portal, a bound on listing pages per column;
- `responses`: what a response may be — its charset checked against its bytes, its size
  and element count bounded, a WAF's one-time self-redirect followed once;
- `traps`: pagination traps (a pure helper the spider calls);
- `records`: a bound on the text of one record (an item pipeline).
"""
