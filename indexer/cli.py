"""The `wrans` command: thin sub-commands over the indexer library.

Library errors become one line on stderr and exit status 1; logs go to stderr,
results to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import logging
import re
import sys

from .errors import BadParameter, IndexBusy, WransError
from .settings import load_settings

log = logging.getLogger("wrans")
MARK_OPEN = re.compile(r"<mark\b[^>]*>")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if is_quiet(args) else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    settings = None
    try:
        settings = load_settings()
        return args.run(args, settings) or 0
    except WransError as exc:
        print(f"wrans: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("wrans: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        from .damage import corrupt_index_error

        corrupt = corrupt_index_error(exc, settings.index_dir) if settings else None
        if corrupt is None:
            raise
        print(f"wrans: {corrupt}", file=sys.stderr)  # damaged files a query read: rebuild
        return 1


def is_quiet(args) -> bool:
    """Log warnings only with -q, and for `wrans update` under cron (no terminal) unless -v."""
    if args.quiet:
        return True
    return args.command == "update" and not args.verbose and not sys.stderr.isatty()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wrans", description="Search over UK Parliament written answers.")
    parser.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="index the records stored since the last run")
    mode = index.add_mutually_exclusive_group()
    mode.add_argument("--rebuild", action="store_true", help="build a fresh index and switch to it")
    mode.add_argument("--check", action="store_true",
                      help="sweep the whole data dir: index every record changed since the last "
                           "check, drop ids whose record is gone (weekly, from cron)")
    index.set_defaults(run=cmd_index)

    search = commands.add_parser("search", help="search the index from the command line")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10, help="results to show (default 10)")
    search.add_argument("--format", choices=("text", "json", "csv"), default="text",
                        help="text (default), json like /api/search, or csv like /search.csv")
    search.add_argument("--json", dest="format", action="store_const", const="json",
                        help="same as --format json")
    search.set_defaults(run=cmd_search)

    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", help="address to listen on (default WRANS_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PORT or 5000)")
    serve.add_argument("--workers", type=int, default=0,
                       help="run N gunicorn sync workers (0: Flask's development server)")
    serve.set_defaults(run=cmd_serve)

    scrape = commands.add_parser(
        "scrape", help="fetch questions answered, corrected, or tabled and unanswered, in a date range")
    scrape.add_argument("--since", type=_day, required=True, metavar="YYYY-MM-DD",
                        help="first day of the range (inclusive)")
    scrape.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last day (default: today)")
    scrape.add_argument("--house", choices=("Commons", "Lords"), help="one House only (default: all)")
    scrape.add_argument("--refetch", action="store_true",
                        help="fetch every listed detail, even when the stored copy looks current")
    scrape.set_defaults(run=cmd_scrape)

    update = commands.add_parser(
        "update", help="fetch what is new or corrected since the last update and index it (for cron)",
        description="Scrape from the last successful update minus the lookback (the first run from "
                    "WRANS_UPDATE_FIRST_DATE) to today, re-check holding answers and questions awaiting "
                    "one, and upsert what changed. Prints one summary line; logs only warnings "
                    "without a terminal.")
    update.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                        help="list from this day instead of the last successful update minus the lookback")
    update.add_argument("-v", "--verbose", action="store_true",
                        help="log progress even without a terminal (under cron)")
    update.set_defaults(run=cmd_update)

    alerts = commands.add_parser("alerts", help="email alerts: `wrans alerts send` sends the due digests")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    send = alert_commands.add_parser(
        "send", help="email each address what its confirmed alerts matched since the last digest",
        description="One digest per address of the answers each alert matched since its watermark. "
                    "Prints one summary line; says so and exits 0 when mail is not configured.")
    send.set_defaults(run=cmd_alerts_send)

    stats = commands.add_parser("stats", help="print index statistics as JSON")
    stats.add_argument("--references", action="store_true",
                       help="also count cross-references in answer texts, resolved and unresolved (reads "
                            "every citing answer)")
    stats.set_defaults(run=cmd_stats)
    return parser


def cmd_index(args, settings) -> int:
    from .index import rebuild_index, update_index
    from .lock import run_lock

    with run_lock(settings.state_dir, "wrans index"):
        if args.rebuild:
            report = rebuild_index(settings.data_dir, settings.index_dir)
        else:
            report = update_index(settings.data_dir, settings.index_dir, check=args.check)
    log.info("%s", report.summary())
    return 0


def cmd_search(args, settings) -> int:
    from .search import SearchIndex, SearchRequest
    from .serialize import results_to_dict

    index = SearchIndex(settings.index_dir, settings.search_time_limit)
    if args.format == "csv":
        return print_csv(index, SearchRequest(q=args.query), args.limit)
    results = index.search(SearchRequest(q=args.query, page_size=max(1, min(args.limit, 500))))
    if args.format == "json":
        print(json.dumps(results_to_dict(results), ensure_ascii=False, indent=1))
        return 0
    print(f"{results.total} results for {args.query!r}")
    for hit in results.hits:
        a = hit.answer
        print(f"\n{a.id}  {a.heading or '(no heading)'}  [{a.department or '?'}, {a.date_answered or '?'}]")
        for snippet in hit.snippets:
            print("   " + html.unescape(MARK_OPEN.sub("[", snippet).replace("</mark>", "]")))
    return 0


def print_csv(index, request, limit: int) -> int:
    """Write up to `limit` rows (at most the export cap) as /search.csv would."""
    from .export import export_answers
    from .serialize import csv_lines

    export = export_answers(index, request, max(1, limit))
    for chunk in csv_lines(export.answers):
        sys.stdout.write(chunk)
    if export.truncated:
        log.info("wrote %d of %d matching answers (raise --limit, at most 10,000)", export.rows, export.total)
    return 0


def cmd_serve(args, settings) -> int:
    from .alerts.tokens import secret_key

    secret_key(settings)  # WRANS_SECRET_KEY unset: generate it into var/ now, before any worker starts
    host = args.host or settings.host
    port = args.port or settings.port
    if args.workers > 0:
        from .serve import run_gunicorn

        return run_gunicorn(host, port, args.workers)
    from webapp import create_app

    create_app().run(host=host, port=port, threaded=True)
    return 0


def cmd_scrape(args, settings) -> int:
    from .scrape import scrape

    until = args.until or dt.date.today()
    if until < args.since:
        raise BadParameter(f"--until {until} is before --since {args.since}")
    summary = scrape(settings, args.since, until, args.house, args.refetch)
    print(summary.line())
    for failure in summary.failures:
        log.warning("failed: %s", failure)
    return 1 if summary.failed else 0


def cmd_update(args, settings) -> int:
    from .update import update

    report = update(settings, since=args.since)
    log.info("%s", report.index.summary())
    print(report.line())
    for failure in report.scrape.failures:
        log.warning("not fetched (tried again next run): %s", failure)
    if settings.sends_after_update:  # the crontab line stays one line (WRANS_ALERTS_AFTER_UPDATE)
        from .alerts.send import send_alerts

        try:
            print(send_alerts(settings).line())
        except IndexBusy as exc:  # the last run's send is still going: it will send these too
            log.warning("%s; this update sends no alerts", exc)
    return 0


def cmd_alerts_send(args, settings) -> int:
    if not settings.mail_configured:
        print("alerts: mail is not configured (set WRANS_SMTP_HOST); nothing sent")
        return 0
    from .alerts.send import send_alerts

    print(send_alerts(settings).line())
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_stats(args, settings) -> int:
    from .search import SearchIndex

    with SearchIndex(settings.index_dir) as index:
        stats = index.stats()
        if args.references:
            stats["references"] = index.reference_counts()
        print(json.dumps(stats, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
