"""`govcrawl`: list portals, crawl them (live or from the bundled replicas), extract pages.

Errors a user can cause (unknown portal, bad argument, unreadable file, no network) end
with one `error: …` line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govcrawl.registry import RegistryError
from govcrawl.replay import REPLICAS

if TYPE_CHECKING:
    from govcrawl.registry.portals import Portal
    from govcrawl.runs.portalrun import PortalRun

DEFAULT_REPLAY_ROOT = REPLICAS
EXIT_USAGE, EXIT_FAILED = 2, 1
# Finish reasons of a run stopped by a guard (RELIABILITY.md): the crawl exits 1.
STOPPED_REASONS = {
    "disk_full": "the disk refused a write; nothing half-written was kept: free space, run again",
    "output_locked": "another run is using the output directory",
}


class CliError(Exception):
    """A user-facing error: printed as one line, exit status attached."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govcrawl")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def _settings():  # -> scrapy.settings.Settings
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def _selectors(args: argparse.Namespace) -> dict[str, str | None]:
    return {
        "province": args.province,
        "region": args.region,
        "platform": args.platform,
        "status": args.status,
    }


def selected_names(args: argparse.Namespace, *, require: bool) -> list[str]:
    """The portals named on the command line, or chosen by `--all` and the selectors, by
    name (`govcrawl list` prints them without building every portal).

    With `require`, naming nothing is an error (a crawl must say what it crawls); a
    selection that matches no portal is always one.
    """
    from govcrawl.registry.portals import select_names

    chosen = {key: value for key, value in _selectors(args).items() if value}
    if require and not (args.portals or args.all or chosen):
        raise CliError(
            "name portals, or select them (--all, --province, --region, --platform, --status), "
            "or give a column --url (see `govcrawl list`)"
        )
    if args.portals and args.all:
        raise CliError("name portals or give --all, not both")
    try:
        names = select_names(args.portals, **chosen)
    except KeyError as unknown:
        raise CliError(f"unknown portal {unknown.args[0]} (see `govcrawl list`)") from None
    if not names:
        raise CliError("no portal matches the selection (see `govcrawl list`)")
    return names


def selected_portals(args: argparse.Namespace, *, require: bool) -> list[Portal]:
    """The portals of `selected_names`."""
    from govcrawl.registry.portals import registry

    every = registry()
    return [every[name] for name in selected_names(args, require=require)]


def cmd_list(args: argparse.Namespace) -> int:
    from govcrawl.registry.portals import registry

    names, every = selected_names(args, require=False), registry()
    if args.json:
        print(json.dumps([every[name].as_dict() for name in names], ensure_ascii=False, indent=2))
        return 0
    print("\n".join(every.value(name, "listing") for name in names))  # built by the index
    print(f"{len(names)} portals", file=sys.stderr)
    return 0


def _check_crawl_arguments(args: argparse.Namespace) -> list[Portal] | None:
    """The portals to crawl (None: one column in auto mode), or a CliError."""
    from govcrawl.spiders.auto import auto_portal
    from govcrawl.spiders.base import parse_max_pages, parse_since

    try:
        parse_since(args.since)
        parse_max_pages(args.max_pages)
        if args.url:
            auto_portal(args.url, args.platform, args.region_code)
    except ValueError as error:
        raise CliError(str(error)) from None
    if args.replay and not Path(args.replay_root).is_dir():
        raise CliError(f"no replicas at {args.replay_root} (use --replay-root)")
    if args.url:
        if args.all or args.portals or any(_selectors(args).values()):
            raise CliError("--url crawls one column in auto mode: name or select no portal")
        return None
    portals = selected_portals(args, require=True)
    return _with_replicas(portals, Path(args.replay_root)) if args.replay else portals


def _with_replicas(portals: list[Portal], root: Path) -> list[Portal]:
    """A replay crawl crawls the selected portals that have a replica under `root` (the
    others' hosts would all answer 502), saying how many it left out; none is an error."""
    have = [portal for portal in portals if (root / portal.name / "pages").is_dir()]
    if not have:
        raise CliError(f"none of the selected portals has a replica under {root}")
    if len(portals) - len(have):
        print(
            f"replay: {len(have)} of the {len(portals)} selected portals have a replica "
            f"under {root}; crawling those",
            file=sys.stderr,
        )
    return have


# Above this many portals the summary names only the portals with problems.
SUMMARY_EVERY_PORTAL_UP_TO = 20


def _outcome(run: PortalRun) -> dict[str, Any]:
    """What the summary needs of a closed `PortalRun` (kept small: one per portal)."""
    counters = run.counters
    return {
        "portal": run.portal,
        "finish_reason": run.finish_reason,
        "written": run.records_written,
        "output_file": run.output_file,
        "skipped": counters["requests_skipped/stored_before"],
        "revisited": counters["revisits/requested"],
        "new_versions": counters["new_versions"],
        "dropped": counters["dropped"] - counters["dropped/unchanged"],
        "lost": counters["pages_lost"],
        "seen_store_errors": counters["errors/seen_store"],
        "columns": counters["columns"],
        "responses": sum(n for key, n in counters.items() if key.startswith("responses/")),
        "errors": {
            key.rsplit("/", 1)[1]: n
            for key, n in counters.items()
            if key.startswith("request_errors/") and not key.endswith("/IgnoreRequest")
        },
        "health": run.health,
    }


def _problem(outcome: dict[str, Any]) -> str | None:
    """Why a portal's run failed (None: it did not): nothing fetched, pages lost, cut short."""
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(outcome["errors"].items()))
    if not outcome["columns"]:
        return None  # a registry row with no column yet: nothing to fetch, nothing lost
    if outcome["responses"] == 0:
        cause = errors or outcome["finish_reason"] or "unknown"
        return f"no page could be fetched ({cause}) — no network, or the portal is down?"
    if outcome["lost"]:
        return f"{outcome['lost']} pages lost ({errors or 'errors in the crawl'})"
    health = outcome["health"] or {}
    if health.get("verdict") == "red":
        reasons = "; ".join(health.get("reasons") or []) or "see its manifest"
        return f"{outcome['finish_reason']}: {reasons}"
    if outcome["finish_reason"] in STOPPED_REASONS:
        reason = outcome["finish_reason"]
        return f"stopped ({reason}): {STOPPED_REASONS[reason]}"
    if outcome["seen_store_errors"]:
        return "the seen-store could not be written; the next run reconciles the dump"
    if outcome["finish_reason"] != "finished":
        return f"run ended early ({outcome['finish_reason']})"
    return None


def _summarize(selected: list[str], outcomes: list[dict[str, Any]]) -> int:
    """Print the crawl's summary (stderr) and return the exit status.

    One line per portal for a small crawl; for a large one only the portals with problems,
    plus a total line. Fails when a portal could not be fetched at all, lost pages, or was
    never finished (the crawl was interrupted).
    """
    by_portal = {outcome["portal"]: outcome for outcome in outcomes}
    problems = {name: line for name, o in by_portal.items() if (line := _problem(o))}
    problems.update(
        {name: "not crawled (the crawl ended first)" for name in selected if name not in by_portal}
    )
    if len(selected) <= SUMMARY_EVERY_PORTAL_UP_TO:
        for outcome in outcomes:
            target = outcome["output_file"] if outcome["written"] else "no new records"
            print(
                f"{outcome['portal']}: {outcome['written']} new records ({target}); "
                f"{outcome['skipped']} articles stored before, not refetched; "
                f"{outcome['revisited']} re-visited, {outcome['new_versions']} edited; "
                f"{outcome['dropped']} dropped",
                file=sys.stderr,
            )
    print(
        f"{len(selected)} portals: {sum(o['written'] for o in outcomes)} new records, "
        f"{sum(o['skipped'] for o in outcomes)} articles stored before, "
        f"{sum(o['new_versions'] for o in outcomes)} edited, "
        f"{sum(o['dropped'] for o in outcomes)} dropped, "
        f"{sum(o['lost'] for o in outcomes)} pages lost; {len(problems)} with problems",
        file=sys.stderr,
    )
    for name, line in problems.items():
        print(f"error: {name}: {line}", file=sys.stderr)
    return EXIT_FAILED if problems else 0


OUTPUT_MODE_FILE = ".govcrawl-mode"  # `live` or `replay`: what an output directory holds


def _output_dir(args: argparse.Namespace) -> str:
    """The crawl's output directory: replay runs and live runs never share one (a demo's
    URLs would be "already seen" by the live crawl, its runs in the live status)."""
    mode = "replay" if args.replay else "live"
    output = Path(args.output or ("replay-output" if args.replay else "output"))
    marker = output / OUTPUT_MODE_FILE
    try:
        held = marker.read_text("utf-8").strip() if marker.is_file() else None
        if held is None and output.is_dir() and any(output.glob("*/*.jsonl")):
            held = "live"  # written before the marker existed: live crawls
        if held not in (None, mode):
            raise CliError(f"{output} holds {held} crawls: give this {mode} crawl another --output")
        output.mkdir(parents=True, exist_ok=True)
        if held is None:
            marker.write_text(mode + "\n", "utf-8")
    except OSError as error:
        raise CliError(
            f"cannot use {output} as the output directory: {error.strerror or error}"
        ) from None
    return str(output)


def cmd_crawl(args: argparse.Namespace) -> int:
    portals = _check_crawl_arguments(args)
    args.output = _output_dir(args)
    settings = _settings()
    from scrapy.crawler import CrawlerProcess

    from govcrawl.runs.output import hold_output
    from govcrawl.runs.portalrun import PORTAL_CLOSED
    from govcrawl.stores.lock import OutputLocked, new_run_id

    try:  # held until the process exits; its crawlers share it (OutputGuard)
        hold_output(Path(args.output))
    except OutputLocked as locked:
        raise CliError(str(locked), EXIT_FAILED) from None
    settings.set("GOVCRAWL_OUTPUT_DIR", args.output, priority="cmdline")
    settings.set("GOVCRAWL_RUN_ID", new_run_id(args.output), priority="cmdline")
    if args.log_level:
        settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    if args.attachments:
        settings.set("GOVCRAWL_ATTACHMENTS", True, priority="cmdline")
    for assignment in args.set:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            raise CliError(f"--set takes NAME=VALUE, got {assignment!r}")
        settings.set(name, value, priority="cmdline")
    server = None
    if args.replay:
        from govcrawl.replay.server import ReplayServer

        server = ReplayServer([Path(args.replay_root)])
        server.start()
        settings.set("GOVCRAWL_REPLAY_PROXY", server.proxy_url, priority="cmdline")
        # Loopback replay: no server to be polite to (at project priority, so that an
        # explicit --set still wins).
        settings.set("DOWNLOAD_DELAY", 0, priority="project")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="project")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority="project")
    outcomes: list[dict[str, Any]] = []
    try:
        # One crawler, one engine, for every portal selected (see spiders/base.py).
        process = CrawlerProcess(settings)
        if portals is None:
            crawler = process.create_crawler("auto")
            kwargs = {"url": args.url, "platform": args.platform, "region": args.region_code}
            selected = ["auto"]
        else:
            crawler = process.create_crawler("portals")
            kwargs = {"portals": portals}
            selected = [portal.name for portal in portals]
        crawler.signals.connect(
            lambda portal_run: outcomes.append(_outcome(portal_run)),
            signal=PORTAL_CLOSED,
            weak=False,
        )
        process.crawl(crawler, max_pages=args.max_pages, since=args.since, full=args.full, **kwargs)
        process.start()
    finally:
        if server is not None:
            server.stop()
    return _summarize(selected, outcomes)


def _read_page(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}", EXIT_FAILED) from None


def cmd_extract(args: argparse.Namespace) -> int:
    if args.url and len(args.files) > 1:
        raise CliError("--url names one page's address: give a single FILE with it")
    from govcrawl.extraction.saved import extract_article, extract_listing
    from govcrawl.record import schema_errors
    from pipelines import Rejected

    status = 0
    for path in args.files:
        body = _read_page(path)
        url = args.url or Path(path).resolve().as_uri()
        if args.listing:
            print(json.dumps(extract_listing(body, url), ensure_ascii=False))
            continue
        try:
            record = extract_article(body, url)
        except Rejected as rejected:
            print(f"error: {path}: not an article record ({rejected})", file=sys.stderr)
            status = EXIT_FAILED
            continue
        errors = schema_errors(record)
        if errors:
            print(f"error: {path}: invalid record: {'; '.join(errors)}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        print(json.dumps(record, ensure_ascii=False))
    return status


def cmd_detect(args: argparse.Namespace) -> int:
    from govcrawl.platforms.detect import detect_platform

    target = args.target
    if "://" in target and not target.startswith("file://"):
        body = _read_page(args.file) if args.file else None
        url = target
    else:
        path = target.removeprefix("file://")
        body, url = _read_page(path), args.url or Path(path).resolve().as_uri()
    detection = detect_platform(url, body)
    if args.json:
        print(json.dumps({"url": url, **detection.as_dict()}, ensure_ascii=False, indent=2))
        return 0
    print(f"{detection.platform} (confidence {detection.confidence:.2f})")
    for line in detection.evidence:
        print(f"  - {line}")
    if detection.region_code:
        print(f"  region code {detection.region_code} (meta SiteIDCode {detection.site_id_code})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from govcrawl.maintain.check import check_portal, format_report
    from govcrawl.registry.portals import registry

    if args.portal not in registry():
        raise CliError(f"unknown portal {args.portal} (see `govcrawl list`)")
    root = Path(args.replay_root)
    if not (root / args.portal).is_dir():
        raise CliError(f"no recorded pages of {args.portal} under {root}")
    report = check_portal(args.portal, root)
    print(format_report(report))
    return EXIT_FAILED if report.problems else 0


def cmd_record(args: argparse.Namespace) -> int:
    from govcrawl.maintain.record import record_fixture
    from govcrawl.registry.portals import registry
    from govcrawl.spiders.auto import auto_portal

    if bool(args.portal) == bool(args.url):
        raise CliError("record a registry PORTAL or a column --url (with --name), not both")
    if args.url:
        if not args.name:
            raise CliError("--url needs --name: the fixture's folder name")
        try:
            auto_portal(args.url)
        except ValueError as error:
            raise CliError(str(error)) from None
        name, crawl = args.name, ["--url", args.url]
    elif args.portal not in registry():
        raise CliError(f"unknown portal {args.portal} (see `govcrawl list`)")
    else:
        name, crawl = args.name or args.portal, [args.portal]
    if args.replay:
        crawl += ["--replay", "--replay-root", args.replay_root]
    fixture = Path(args.to) / name
    try:
        fixture.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot write {fixture}: {error.strerror or error}") from None
    status, records, stderr = record_fixture(
        fixture, crawl, articles=args.articles, max_pages=args.max_pages
    )
    pages = sum(1 for path in (fixture / "pages").rglob("*") if path.is_file())
    print(f"{name}: {pages} files and {len(records)} expected records in {fixture}")
    print("check expected.jsonl by eye before you trust it", file=sys.stderr)
    if status != 0:
        print(stderr[-2000:], file=sys.stderr)
        print(f"error: the recording crawl exited with status {status}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_enqueue(args: argparse.Namespace) -> int:
    from govcrawl.cluster.commands import enqueue_command

    def select(args: argparse.Namespace) -> list[str]:
        try:
            return selected_names(args, require=True)
        except CliError as error:
            raise ValueError(str(error)) from None

    return enqueue_command(args, select=select)


def cmd_worker(args: argparse.Namespace) -> int:
    from govcrawl.cluster.commands import worker_command
    from govcrawl.registry.portals import registry

    return worker_command(args, hosts_for=lambda name: list(registry()[name].domains))


def cmd_export(args: argparse.Namespace) -> int:
    from govcrawl.dataset.export import run_export

    return run_export(args)


def cmd_status(args: argparse.Namespace) -> int:
    from govcrawl.runs.status import status_command

    try:
        return status_command(
            Path(args.output),
            args.portals,
            province=args.province,
            since=args.since,
            include_never=args.all,
            as_json=args.json,
        )
    except ValueError as error:
        raise CliError(str(error)) from None


def _add_selectors(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="every portal of the registry")
    parser.add_argument("--province", help="portals of a province (云南省, or 云南)")
    parser.add_argument("--region", help="portals whose region code starts so (53, 5326 …)")
    parser.add_argument("--platform", help="portals with a column on this platform (or auto)")
    parser.add_argument("--status", choices=["tested", "declared"], help="registry status")


def _add_replay_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replay-root",
        default=str(DEFAULT_REPLAY_ROOT),
        help="directory of replicas, one folder per portal (default: the bundled replicas)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govcrawl", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="portals with region, platform and columns")
    listing.add_argument("portals", nargs="*", metavar="PORTAL")
    _add_selectors(listing)
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(run=cmd_list)

    crawl = commands.add_parser("crawl", help="crawl portals into JSONL")
    crawl.add_argument("portals", nargs="*", metavar="PORTAL")
    _add_selectors(crawl)
    crawl.add_argument(
        "--url",
        help="auto mode: crawl this column of any portal, platform detected from its page "
        "(--platform skips detection, --region-code sets the region)",
    )
    crawl.add_argument("--region-code", help="with --url: the 6-digit region code")
    crawl.add_argument(
        "--attachments", action="store_true", help="download and read attachments (PDF, Word…)"
    )
    crawl.add_argument("--since", help="skip articles listed before this date (YYYY-MM-DD)")
    crawl.add_argument("--max-pages", help="listing pages to follow per channel")
    crawl.add_argument(
        "--full",
        action="store_true",
        help="walk every listing page, even past a page that brings nothing new",
    )
    crawl.add_argument(
        "--output",
        help="dumps, seen-store and run history (default: output; with --replay: replay-output)",
    )
    crawl.add_argument(
        "--replay",
        action="store_true",
        help="crawl the recorded replicas on 127.0.0.1, not the live portals",
    )
    _add_replay_root(crawl)
    crawl.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    crawl.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy or govcrawl setting (repeatable)",
    )
    crawl.set_defaults(run=cmd_crawl)

    extract = commands.add_parser("extract", help="print the record of saved article pages")
    extract.add_argument("files", nargs="+", metavar="FILE")
    extract.add_argument("--url", help="the page's original address (one FILE only)")
    extract.add_argument(
        "--listing",
        action="store_true",
        help="FILE is a listing page: print its article links and pagination",
    )
    extract.set_defaults(run=cmd_extract)

    detect = commands.add_parser("detect", help="which platform a page runs on, and why")
    detect.add_argument("target", metavar="URL_OR_FILE", help="a page's address or saved file")
    detect.add_argument("--url", help="with a FILE: the page's original address")
    detect.add_argument("--file", help="with a URL: the saved page (no fetching is done)")
    detect.add_argument("--json", action="store_true", help="machine-readable output")
    detect.set_defaults(run=cmd_detect)

    record = commands.add_parser(
        "record", help="save what a crawl of a portal fetches as a replay fixture"
    )
    record.add_argument("portal", nargs="?", metavar="PORTAL", help="a registry portal")
    record.add_argument("--url", help="instead of a portal: one column, in auto mode")
    record.add_argument("--name", help="the fixture's folder name (default: the portal)")
    record.add_argument("--to", required=True, help="directory of fixtures to write into")
    record.add_argument("--articles", type=int, default=10, help="articles to save (10)")
    record.add_argument("--max-pages", type=int, default=2, help="listing pages per column (2)")
    record.add_argument(
        "--replay", action="store_true", help="record from the replay server, not the web"
    )
    _add_replay_root(record)
    record.set_defaults(run=cmd_record)

    from govcrawl.cluster.commands import add_enqueue_arguments, add_worker_arguments

    enqueue = commands.add_parser("enqueue", help="queue one crawl job per portal (cluster)")
    enqueue.add_argument("portals", nargs="*", metavar="PORTAL")
    _add_selectors(enqueue)
    add_enqueue_arguments(enqueue)
    enqueue.set_defaults(run=cmd_enqueue)

    worker = commands.add_parser("worker", help="run queued crawl jobs until none is left")
    add_worker_arguments(worker)
    worker.set_defaults(run=cmd_worker)

    export = commands.add_parser(
        "export", help="finished runs → one Parquet/DuckDB dataset (incremental)"
    )
    from govcrawl.dataset import add_export_arguments

    add_export_arguments(export)
    export.set_defaults(run=cmd_export)

    check = commands.add_parser("check", help="crawl a portal's recorded pages, show coverage")
    check.add_argument("portal", metavar="PORTAL")
    _add_replay_root(check)
    check.set_defaults(run=cmd_check)

    status = commands.add_parser("status", help="every portal's last run: green, amber, red")
    status.add_argument("portals", nargs="*", metavar="PORTAL")
    status.add_argument("--output", default="output", help="as given to crawl (default: output)")
    status.add_argument("--province", help="portals of a province (云南省, or 云南)")
    status.add_argument("--since", help="only runs finished on or after this date")
    status.add_argument("--all", action="store_true", help="also list portals never crawled")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(run=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.status
    except RegistryError as error:  # a bad row of an operator's $GOVCRAWL_REGISTRY
        print(f"error: registry: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `govcrawl list | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
