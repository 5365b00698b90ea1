"""Defaults of the cluster's commands and worker, importable without redis-py: `govcrawl`
builds its argument parser from them, and `govcrawl list` should not pay for Redis."""

from govcrawl.stores.redis import DEFAULT_PREFIX, DEFAULT_URL

# Seconds a job may go without a heartbeat before another worker takes it over; also how
# long a dead worker's host locks last.
DEFAULT_CLAIM_AFTER = 300.0
# Failed runs of a job before it goes to the dead-letter stream.
DEFAULT_MAX_TRIES = 3

__all__ = ["DEFAULT_CLAIM_AFTER", "DEFAULT_MAX_TRIES", "DEFAULT_PREFIX", "DEFAULT_URL"]
