"""Scrapy settings of govcrawl. Operators override any of them with `-s NAME=VALUE`.

Politeness first: government portals are small servers, often behind WAFs that ban
aggressive clients, so robots.txt is obeyed, concurrency per site is low and AutoThrottle
adapts the delay to the server's latency.
"""

import os

BOT_NAME = "govcrawl"
# One spider per registry row (govcrawl/registry/portals.csv) plus `auto`.
SPIDER_LOADER_CLASS = "govcrawl.registry.spiderloader.RegistrySpiderLoader"
# Our `scrapy crawl` exits non-zero when a portal's run failed (govcrawl/commands/crawl.py).
COMMANDS_MODULE = "govcrawl.commands"

USER_AGENT = "Mozilla/5.0 (compatible; govcrawl/0.1; +https://github.com/govcrawl/govcrawl)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy (2.13+) starts CONCURRENT_ITEMS worker tasks for every response. A page here yields
# one article or ~20 requests and no item pipeline waits on I/O, so the default 100 only
# costs CPU: ~1-3 ms a page in benchmarks/throughput.py.
CONCURRENT_ITEMS = 8
# Scrapy re-reads a callback's source (inspect + ast) to warn about `return value` in
# generators, and its cache is keyed by bound-method objects that die with each request:
# ~5% of a crawl's CPU. Our callbacks are covered by the end-to-end tests instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOAD_DELAY = 1.0
# ±50% of the delay, at random (replaces the deprecated RANDOMIZE_DOWNLOAD_DELAY).
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# 412/521/468: WAF challenges (瑞数, 创宇云 …) — retrying at once only gets the IP banned.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# No control port on a cron or Scrapyd host: stats go to the log and the run manifest.
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "govcrawl.runs.logformatter.GovcrawlLogFormatter"

DOWNLOADER_MIDDLEWARES = {
    # Off-site decided per portal (a set of hosts, not one regex of 2,900), and heard by
    # the spider when it drops a request at scheduling time.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "govcrawl.middlewares.PortalOffsiteMiddleware": 50,
    # Route every request to the loopback replay proxy when GOVCRAWL_REPLAY_PROXY is set.
    "govcrawl.replay.server.ReplayProxyMiddleware": 740,
    # `govcrawl record`: save responses as a fixture (after decompression, at 580).
    "govcrawl.maintain.record.RecordResponses": 580,
    **{  # Guards (govcrawl/guards, RELIABILITY.md): bounds, hosts, charsets, WAF redirects.
        "govcrawl.guards.requests.StayInBoundsMiddleware": 40,  # before the offsite check
        "govcrawl.guards.requests.ListingPagesMiddleware": 56,
        "govcrawl.guards.requests.RequestBudgetMiddleware": 560,
        "govcrawl.guards.responses.RedirectGuardMiddleware": 650,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "govcrawl.guards.responses.BoundedDecompressionMiddleware": 590,
        "govcrawl.guards.responses.ResponseBoundsMiddleware": 587,
        "govcrawl.guards.responses.CharsetMiddleware": 585,
    },
}
SPIDER_MIDDLEWARES = {
    # Closest to the engine: what each portal has in flight, so that a portal is closed
    # (manifest, dump) as soon as it is done and the next one starts.
    "govcrawl.middlewares.PortalAccountingMiddleware": 10,
    # Closest to the spider: a page whose callback raises fails alone, counted by reason.
    "govcrawl.guards.pages.PageIsolationMiddleware": 950,
    # Per-response work nobody reads: no DEPTH_LIMIT, and depth is not a column's walk
    # (max_pages is). Measured with the downloader stats below: -4% CPU per page.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
# Keep-alive connections idle for 15 s are closed (Twisted keeps them 240 s): a crawl of
# thousands of sites would otherwise hold the sockets of every site done in the last minutes.
DOWNLOAD_HANDLERS = {
    "http": "govcrawl.downloader.ShortIdleHTTPDownloadHandler",
    "https": "govcrawl.downloader.ShortIdleHTTPDownloadHandler",
}
GOVCRAWL_IDLE_CONNECTION_SECONDS = 15
# The downloader's byte and status counters rebuild each request's HTTP form to measure it;
# each portal's run counts responses by status and errors by type instead.
DOWNLOADER_STATS = False
# Many portals in one engine (Scrapy's broad-crawl advice): the scheduler hands out
# requests round-robin over download slots (one per site), so one slow portal does not
# fill the downloader while the others wait.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
ITEM_PIPELINES = {
    # Attachments (off unless GOVCRAWL_ATTACHMENTS): downloaded and read before clean, so a
    # page whose substance is its attachment keeps the attachment's text.
    "govcrawl.attachments.pipeline.AttachmentsPipeline": 50,
    "pipelines.clean.CleanPipeline": 100,
    "govcrawl.guards.records.TextBoundPipeline": 150,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.jsonl.JsonLinesPipeline": 800,
}
EXTENSIONS = {
    # One run per output directory; dumps of runs that died reconciled into the seen-store.
    "govcrawl.runs.output.OutputGuard": 100,
    "govcrawl.runs.manifest.RunManifest": 500,
    "govcrawl.runs.logformatter.QuietNetworkErrors": 0,
    # On PORTAL_CLOSED, in this order: health verdict and finish reason (before the manifest
    # is written), then the run history, then alerts. Lower numbers listen first.
    "govcrawl.runs.health.HealthCheck": 400,
    "govcrawl.runs.history.RunHistoryRecorder": 600,
    "govcrawl.runs.alerts.Alerts": 610,
    # Per-portal progress: in place on a terminal, one line per portal every interval off it.
    "govcrawl.runs.progress.Progress": 620,
    # Scrapy's settings and components dumps at DEBUG, not INFO.
    "govcrawl.runs.logformatter.QuietStartup": 0,
}

# --- govcrawl's own settings ---------------------------------------------------------
# Directory of the JSONL dumps (<dir>/<portal>/<run-id>.jsonl), their manifests and the
# default seen-store.
GOVCRAWL_OUTPUT_DIR = "output"
# Seen-store backend (a class with from_crawler); empty: no memory across runs.
GOVCRAWL_SEEN_STORE = "govcrawl.stores.seen.SQLiteSeenStore"
# SQLite file of the seen-store; empty: <GOVCRAWL_OUTPUT_DIR>/seen.sqlite3.
GOVCRAWL_SEEN_STORE_PATH = ""
# Days after an article's published date (its crawl, when it shows none) during which
# later runs fetch it again, conditionally, and write a new version if it changed
# (`govcrawl.runs.revisit`); 0: never re-visit.
GOVCRAWL_REVISIT_DAYS = 14
# Run id naming this run's files; empty: the UTC start time, e.g. 20261122T131500Z.
GOVCRAWL_RUN_ID = ""
# Portals crawled at the same time by one crawl (started lazily, the next when one is
# done): memory and descriptors follow this, not the number of portals selected.
GOVCRAWL_ACTIVE_PORTALS = 64
# Loopback replay proxy (set by `govcrawl crawl --replay`); empty: crawl the live portals.
GOVCRAWL_REPLAY_PROXY = ""
# `govcrawl record`: the fixture folder responses are saved into (empty: not recording), and
# how many articles a recording fetches.
GOVCRAWL_RECORD_DIR = ""
GOVCRAWL_RECORD_ARTICLES = 10

# --- bounds and guards (govcrawl/guards; RELIABILITY.md says which fault each one meets) ---
# Government pages are 20 KB-2 MB of HTML (a few reach 10 MB with inline base64 images;
# attachments have their own bound, GOVCRAWL_ATTACHMENT_MAXSIZE). The bound applies after
# decompression too (a gzip bomb), and a 26 MB page of `<br>` never reaches the parser.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A real chain is 1-3 redirects; a loop is cut at 5 instead of Scrapy's 20.
REDIRECT_MAX_TIMES = 5
# Every connection's resolved address is checked: no loopback, private, link-local, CGNAT,
# multicast or metadata address (the replay proxy excepted).
TWISTED_DNS_RESOLVER = "govcrawl.guards.addresses.GuardedResolver"
# Scrapy's cookie middleware asks tldextract for the public-suffix list, which fetches it
# from publicsuffix.org on first use: a request no guard sees, to a host that is no portal.
# Empty: tldextract's bundled list. Set here, before Scrapy imports its cookie middleware.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# Networks a crawl may reach although they are not public (say, an egress proxy).
GOVCRAWL_ALLOWED_NETWORKS: list[str] = []
# Tags one page may hold: more are refused before parsing (bounded memory).
GOVCRAWL_MAX_PAGE_TAGS = 250_000
# Characters of text one record may hold: a longer one is dropped, counted.
GOVCRAWL_MAX_TEXT_CHARS = 1_000_000
# Listing pages per column (the default bound behind --max-pages; 0: none).
GOVCRAWL_MAX_LISTING_PAGES = 500
# Requests per portal and run, retries and redirects included (0: none).
GOVCRAWL_MAX_REQUESTS_PER_PORTAL = 200_000
# Attachments: download and read them (`govcrawl crawl --attachments`), each up to
# GOVCRAWL_ATTACHMENT_MAXSIZE bytes and GOVCRAWL_ATTACHMENT_MAXCHARS characters of text,
# stored by content hash in FILES_STORE (empty: <GOVCRAWL_OUTPUT_DIR>/attachments).
GOVCRAWL_ATTACHMENTS = False
GOVCRAWL_ATTACHMENT_MAXSIZE = 20 * 1024 * 1024
GOVCRAWL_ATTACHMENT_MAXCHARS = 100_000
FILES_STORE = ""
# Run history: every portal run's manifest in SQLite, read by the health checks and
# `govcrawl status` (docs/operations.md). False: keep none (health then judges runs alone).
GOVCRAWL_RUN_HISTORY = True
# Its file; empty: <GOVCRAWL_OUTPUT_DIR>/runs.sqlite3, beside the seen-store.
GOVCRAWL_RUN_HISTORY_PATH = ""
# Alerts on a red run (an ERROR log line always): POST the alert JSON to this URL, and/or run
# this command with the alert JSON on stdin (shell syntax, killed after the timeout).
GOVCRAWL_ALERT_WEBHOOK = ""
GOVCRAWL_ALERT_COMMAND = ""
GOVCRAWL_ALERT_TIMEOUT = 10.0
# Also alert on amber runs (partial trouble), not only red ones.
GOVCRAWL_ALERT_AMBER = False
# Progress: "auto" (in place on a terminal, lines off it), "live", "lines" or "off"; seconds
# between updates of the terminal view and between summary lines off a terminal.
GOVCRAWL_PROGRESS = "auto"
GOVCRAWL_PROGRESS_INTERVAL = 30.0
# Each JSONL line is flushed to the disk (fdatasync) before its URL hash is remembered, so
# not even a power cut leaves a remembered article whose line is lost (RELIABILITY.md). Off:
# faster on slow disks, with that window open until the portal's run closes.
GOVCRAWL_DURABLE_LINES = True
# Lines are committed (flushed, then their hashes remembered) in groups: every this many
# lines, and at least every this many seconds. One flush and one seen-store batch a group
# instead of a line (~0.4 ms of CPU a record, BENCHMARKS.md); a line killed before its
# commit is remembered by the next run's reconciliation, never written twice by this machine.
GOVCRAWL_COMMIT_LINES = 50
GOVCRAWL_COMMIT_INTERVAL = 1.0
