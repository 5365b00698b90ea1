"""`python -m govcrawl.cluster enqueue|worker`: the cluster without the portal registry.

Until `govcrawl enqueue` / `govcrawl worker` select portals and their hosts from the registry,
this entry point takes them explicitly: portals by name, hosts from a JSON file
(`{"gd_zijin": ["www.zijin.gov.cn"]}`). `--crawl-command` replaces the crawl's argv template
(a JSON list; the tests run a fake crawl with it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from govcrawl.cluster.commands import (
    add_enqueue_arguments,
    add_worker_arguments,
    enqueue_command,
    worker_command,
)


def hosts_from_file(path: str) -> dict[str, list[str]]:
    table = json.loads(Path(path).read_text("utf-8"))
    if not isinstance(table, dict):
        raise ValueError(f"{path}: a JSON object of portal → hosts expected")
    return {str(portal): [str(host) for host in hosts] for portal, hosts in table.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govcrawl.cluster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    queue = commands.add_parser("enqueue", help="queue one crawl job per portal")
    queue.add_argument("portals", nargs="+", metavar="PORTAL")
    add_enqueue_arguments(queue)
    work = commands.add_parser("worker", help="run queued jobs")
    add_worker_arguments(work)
    work.add_argument("--hosts", required=True, metavar="FILE", help="JSON: portal → hosts")
    work.add_argument("--crawl-command", metavar="JSON", help="argv template of a crawl")
    args = parser.parse_args(argv)
    if args.command == "enqueue":
        return enqueue_command(args, select=lambda args: list(args.portals))
    hosts = hosts_from_file(args.hosts)
    command = json.loads(args.crawl_command) if args.crawl_command else None
    return worker_command(args, hosts_for=hosts.__getitem__, command=command)


if __name__ == "__main__":
    sys.exit(main())
