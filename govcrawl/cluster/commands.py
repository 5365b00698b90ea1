"""`govcrawl enqueue` and `govcrawl worker`: argparse arguments and the commands.

The portal selection (`PORTAL…`, `--all`, `--province` …) belongs to the registry, so the
commands take it as a callable: `enqueue_command(args, select=…)` and
`worker_command(args, hosts_for=…)`. Both return an exit status and print `error: …` lines,
as the rest of the CLI does.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govcrawl.cluster.defaults import (
    DEFAULT_CLAIM_AFTER,
    DEFAULT_MAX_TRIES,
    DEFAULT_PREFIX,
    DEFAULT_URL,
)

if TYPE_CHECKING:  # the commands import redis-py when run, not when the parser is built
    from govcrawl.cluster.worker import HostsFor

EXIT_USAGE, EXIT_FAILED = 2, 1
# `govcrawl crawl` options a job carries to its crawl (argparse dest names).
CRAWL_OPTIONS = ("since", "max_pages", "replay", "replay_root", "log_level", "set")


def _add_redis_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis",
        default=os.environ.get("GOVCRAWL_REDIS_URL", DEFAULT_URL),
        metavar="URL",
        help="the cluster's Redis (default: $GOVCRAWL_REDIS_URL or %(default)s)",
    )
    parser.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help="key prefix in Redis (default: %(default)s)"
    )


def add_enqueue_arguments(parser: argparse.ArgumentParser) -> None:
    """Redis and the crawl arguments every job carries; the portal selectors are the
    registry's (added by the caller)."""
    _add_redis_arguments(parser)
    crawl = parser.add_argument_group("crawl arguments, passed to each job's crawl")
    crawl.add_argument("--since", help="skip articles listed before this date (YYYY-MM-DD)")
    crawl.add_argument("--max-pages", help="listing pages to follow per channel")
    crawl.add_argument("--replay", action="store_true", help="crawl the recorded replicas")
    crawl.add_argument("--replay-root", help="directory of recorded portals (on the workers)")
    crawl.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    crawl.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy or govcrawl setting for the crawls (repeatable)",
    )


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    _add_redis_arguments(parser)
    parser.add_argument(
        "--output",
        default="output",
        help="output root; this worker writes under <output>/<worker-id>/ (default: output)",
    )
    parser.add_argument(
        "--forever", action="store_true", help="wait for jobs instead of exiting when none is left"
    )
    parser.add_argument(
        "--claim-after",
        type=float,
        default=DEFAULT_CLAIM_AFTER,
        metavar="S",
        help="seconds without a heartbeat before a job is reclaimed (default: %(default)s)",
    )
    parser.add_argument(
        "--max-tries",
        type=int,
        default=DEFAULT_MAX_TRIES,
        help="failed runs before a job is dead-lettered (default: %(default)s)",
    )
    parser.add_argument(
        "--worker-id", help="stable name of this worker (default: <hostname>-<pid>)"
    )


def crawl_args_of(args: argparse.Namespace) -> dict[str, Any]:
    """The crawl options given on the command line (defaults left to the crawl)."""
    return {
        name: value
        for name in CRAWL_OPTIONS
        if (value := getattr(args, name, None)) not in (None, False, [])
    }


def _error(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def enqueue_command(
    args: argparse.Namespace, select: Callable[[argparse.Namespace], list[str]]
) -> int:
    """Queue one job per portal `select(args)` names, with the crawl arguments given."""
    from govcrawl.cluster.queue import enqueue
    from govcrawl.cluster.worker import REDIS_ERRORS
    from govcrawl.spiders.base import parse_max_pages, parse_since
    from govcrawl.stores.redis import connect

    try:  # a bad argument fails here once, not in every job
        parse_since(args.since)
        parse_max_pages(args.max_pages)
        portals = select(args)
    except ValueError as error:
        return _error(str(error), EXIT_USAGE)
    if not portals:
        return _error("no portal selected (name portals, or use the selectors)", EXIT_USAGE)
    client = connect(args.redis)
    try:
        count = enqueue(client, portals, crawl_args_of(args), prefix=args.prefix)
    except REDIS_ERRORS as error:
        return _error(f"cannot reach Redis at {args.redis}: {error}", EXIT_FAILED)
    finally:
        client.close()
    print(f"{count} jobs queued on {args.redis} ({args.prefix}:jobs)", file=sys.stderr)
    return 0


def worker_command(
    args: argparse.Namespace,
    hosts_for: HostsFor,
    command: Sequence[str] | None = None,
) -> int:
    """Run a worker; its crawls write under `<output>/<worker-id>/`. Exit status 1 when a
    job it ran was dead-lettered, so that a cron'd worker's failures are seen. `command`:
    the crawl's argv template (default `worker.DEFAULT_COMMAND`)."""
    from govcrawl.cluster.worker import (
        DEFAULT_COMMAND,
        REDIS_ERRORS,
        default_worker_id,
        run_worker,
    )
    from govcrawl.stores.redis import connect

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    worker_id = args.worker_id or default_worker_id()
    client = connect(args.redis)
    try:
        summary = run_worker(
            client,
            output_dir=Path(args.output) / worker_id,
            hosts_for=hosts_for,
            forever=args.forever,
            claim_after=args.claim_after,
            worker_id=worker_id,
            prefix=args.prefix,
            redis_url=args.redis,
            command=command or DEFAULT_COMMAND,
            max_tries=args.max_tries,
        )
    except ValueError as error:
        return _error(str(error), EXIT_USAGE)
    except REDIS_ERRORS as error:
        return _error(f"cannot reach Redis at {args.redis}: {error}", EXIT_FAILED)
    except RuntimeError as error:
        return _error(str(error), EXIT_FAILED)
    finally:
        client.close()
    print(
        f"worker {worker_id}: {summary.done} jobs done, {summary.failed} failed runs, "
        f"{summary.buried} dead-lettered, {summary.deferred} deferred, {summary.lost} lost",
        file=sys.stderr,
    )
    return EXIT_FAILED if summary.buried else 0
