"""Command line: a thin layer over threadline's library (pipeline, query, store)."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from threadline import cli_time, query
from threadline.config import Settings, default_db_path
from threadline.model import WatchlistPerson
from threadline.store import repository as repo
from threadline.store.db import StoreError, connect, damaged, is_damaged, writer_lock

ENTITY_TYPES = ("person", "organization", "location")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", type=Path, default=argparse.SUPPRESS, help="database (default ./threadline.db)"
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="machine-readable output (docs/cli.md)")

    parser = argparse.ArgumentParser(
        prog="threadline", description="Who appears in your documents, with whom, and where it says so."
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="database (default $THREADLINE_DB or ./threadline.db)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="read files and folders (recursively)")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--processes", type=int, default=2, help="NER worker processes (default 2)")
    p.add_argument("--parse-workers", type=int, default=2, help="file-parsing worker processes (default 2)")
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="parse and run NER on a Dask cluster: tcp://HOST:8786 (a running `dask scheduler`) or"
        " local:N (N worker processes here); files travel to its workers, so use only your own network",
    )
    p.add_argument(
        "--work",
        metavar="DIR",
        type=Path,
        help="with --cluster: a folder the workers share, where they keep what they extracted until"
        " it is stored, so a run stopped or killed mid-way does not extract it again",
    )
    p.add_argument("--no-ocr", action="store_true", help="do not OCR scanned pages and images")
    p.add_argument(
        "--ocr-languages", default="eng+rus", help="Tesseract languages, '+'-joined (default eng+rus)"
    )
    p.add_argument(
        "--max-file-size", type=float, default=200, metavar="MB", help="skip larger files (default 200)"
    )
    p.add_argument(
        "--parse-timeout",
        type=float,
        default=300,
        metavar="S",
        help="stop a parser that makes no progress for S seconds (default 300)",
    )
    p.add_argument(
        "--parse-memory",
        type=float,
        default=2048,
        metavar="MB",
        help="memory limit per parser (default 2048)",
    )
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--json", action="store_true", help="print the run report as JSON")

    dated = cli_time.date_options()
    p = sub.add_parser("entities", parents=[common, as_json, dated], help="people, organisations, places")
    p.add_argument("--type", choices=ENTITY_TYPES)
    p.add_argument("--limit", type=int, default=50)

    p = sub.add_parser("show", parents=[common, as_json], help="one entity: aliases, documents, connections")
    p.add_argument("name")

    p = sub.add_parser("links", parents=[common, as_json, dated], help="how A is connected to B")
    p.add_argument("a")
    p.add_argument("b")

    p = sub.add_parser("search", parents=[common, as_json, dated], help="full-text search")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    cli_time.add_parsers(sub, common, as_json)  # documents, timeline, related

    sub.add_parser("errors", parents=[common, as_json], help="files that could not be read, with reasons")
    sub.add_parser("summary", parents=[common, as_json], help="corpus figures, top people, strongest links")
    p = sub.add_parser("duplicates", parents=[common, as_json], help="near-duplicate documents and rewrites")
    p.add_argument("--limit", type=int, default=None)
    sub.add_parser("sources", parents=[common, as_json], help="outlets and authors, and whom they cite")
    _export_parser(sub, common, as_json)
    p = sub.add_parser("resolve", parents=[common], help="re-run entity resolution and links")
    p.add_argument(
        "--display-script",
        choices=["latin", "cyrillic", "any"],
        help="script of display names when a person is spelled in several (kept for later runs; default latin)",
    )

    _curation_parsers(sub, common, as_json)

    p = sub.add_parser(
        "xref", parents=[common, as_json], help="cross-reference a watchlist against the documents"
    )
    p.add_argument(
        "watchlist_file", nargs="?", type=Path, help="CSV or FtM JSON lines (default: stored watchlist)"
    )
    p.add_argument("--csv", action="store_true", help="CSV output")
    p.add_argument("--report", type=Path, help="also write a Markdown report an analyst can hand over")

    p = sub.add_parser("serve", parents=[common], help="read-only web app (http://127.0.0.1:8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--token",
        default=None,
        help="require this access token (default $THREADLINE_TOKEN); needed off the loopback address",
    )
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (repeatable); loopback names and --host always",
    )
    p.add_argument(
        "--query-timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="stop a request's database queries after S seconds (default 15)",
    )
    p.add_argument(
        "--edit",
        action="store_true",
        help="let the browser curate: merge, split, not-same and reject on entity and suggestions pages",
    )

    w = sub.add_parser("watchlist", parents=[common], help="persons of interest").add_subparsers(
        dest="action", required=True
    )
    p = w.add_parser("add", parents=[common], help="add a person")
    p.add_argument("name")
    p.add_argument("--alias", action="append", default=[])
    p = w.add_parser(
        "import", parents=[common], help="import CSV (name,aliases) or FollowTheMoney JSON lines"
    )
    p.add_argument("file", type=Path)
    w.add_parser("list", parents=[common, as_json], help="list the watchlist")
    return parser


def _export_parser(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    from threadline.export import FORMATS

    p = sub.add_parser(
        "export",
        parents=[common, as_json],
        help="write the findings for other tools: FollowTheMoney, GEXF, GraphML, CSV, Neo4j",
    )
    p.add_argument("format", choices=FORMATS)
    p.add_argument("out", help="file (ftm, gexf, graphml; '-' for ftm on stdout) or folder (csv, neo4j)")
    p.add_argument(
        "--type", action="append", choices=ENTITY_TYPES, default=[], help="only these types (repeatable)"
    )
    p.add_argument(
        "--min-sentences", type=int, default=1, metavar="N", help="only links with N sentences or more"
    )
    p.add_argument(
        "--entity", metavar="NAME", help="only this entity and what lies within --hops links of it"
    )
    p.add_argument(
        "--hops", type=int, default=1, metavar="K", help="with --entity: links to follow (default 1)"
    )


def _curation_parsers(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    """Commands that record a person's judgement; each re-resolves at once (docs/cli.md, Curation)."""
    judged = argparse.ArgumentParser(add_help=False)
    judged.add_argument("--note", help="why: kept with the judgement and shown with the merge")
    judged.add_argument("--user", help="who decides (default: your login name)")
    p = sub.add_parser("merge", parents=[common, judged], help="two entities are one")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("split", parents=[common, judged], help="take aliases out of an entity")
    p.add_argument("entity")
    p.add_argument("aliases", nargs="+", metavar="alias")
    p = sub.add_parser("not-same", parents=[common, judged], help="two entities are different: never merge")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("reject", parents=[common, judged], help="not a person (or organisation, place)")
    p.add_argument("entity")
    p.add_argument("--as", dest="as_type", choices=ENTITY_TYPES, help="it is of this type instead")
    p = sub.add_parser(
        "judgements", parents=[common, as_json], help="list, export or import people's judgements"
    )
    p.add_argument("action", nargs="?", choices=["list", "export", "import"], default="list")
    p.add_argument("file", nargs="?", type=Path, help="export: write here (default stdout); import: read")
    p = sub.add_parser("suggestions", parents=[common, as_json], help="probable merges left to you")
    p.add_argument("--limit", type=int, default=50)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = args.db or default_db_path()
    out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
    err = Console(stderr=True, highlight=False)
    try:
        with _writing(args, db, err):
            return _run(args, db, out, err)
    except StoreError as exc:
        err.print(f"[red]error:[/] {escape(_one_line(str(exc)))}", soft_wrap=True)
        return 2
    except query.NotFound as exc:
        err.print(f"[red]not found:[/] {exc.args[0]}")
        return 1
    except query.Ambiguous as exc:
        if getattr(args, "json", False):
            print(
                json.dumps({"error": "ambiguous", "query": exc.query, "candidates": exc.candidates}, indent=2)
            )
        else:
            err.print(f"[yellow]{exc.query!r} fits several entities; use an id:[/]")
            _entity_table(out, exc.candidates)
        return 3
    except KeyboardInterrupt:
        err.print("interrupted", markup=False, soft_wrap=True)
        return 130
    except BrokenPipeError:
        raise  # the reader (`| head`) has gone: entry() ends quietly
    except Exception as exc:
        return _failed(args.command, db, err, exc)


PIPED_WIDTH = 1_000  # tables piped into a file or another program keep whole cells on one line


def _width(stream: Any) -> int | None:
    """The console width: the terminal's (rich finds it), else PIPED_WIDTH for a pipe or a file, where
    rich would take $COLUMNS or 80 columns (a width that says nothing about a file) and cut every table."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return None if interactive else PIPED_WIDTH


def _writing(args: argparse.Namespace, db: Path, err: Console) -> AbstractContextManager[None]:
    """The writer lock for commands that write (one at a time, readers never wait), else nothing."""
    writes = args.command in ("ingest", "resolve", "merge", "split", "not-same", "reject", "related")
    writes = writes or (args.command == "judgements" and args.action == "import")
    if writes or (args.command == "watchlist" and args.action != "list"):
        return writer_lock(
            db, on_wait=lambda message: err.print(f"note: {message}", markup=False, soft_wrap=True)
        )
    return nullcontext()


def _failed(command: str, db: Path, err: Console, exc: Exception) -> int:
    """Any other error ends the command with one line on stderr, never a traceback (set
    THREADLINE_DEBUG=1 to see it): exit 2 for a database file that is damaged or not a database,
    4 for the rest (disk full, I/O errors, bugs)."""
    if os.environ.get("THREADLINE_DEBUG"):
        raise exc
    if isinstance(exc, sqlite3.DatabaseError) and is_damaged(exc):
        err.print(f"error: {_one_line(damaged(db, exc))}", markup=False, soft_wrap=True)
        return 2
    message = f"error: {_one_line(f'{type(exc).__name__}: {exc}')}"
    if command == "ingest":
        message += "; what was stored before it is kept: run the same command again to go on"
    err.print(message, markup=False, soft_wrap=True)
    return 4


_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """``text`` with control characters as escapes (``\\n``, ``\\t``, ``\\x1b``): a file name
    with a newline or a tab must not forge lines or fields in line-based output."""
    return _CONTROL_CHARACTERS.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _run(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    command = args.command
    if command == "ingest":
        return _ingest(args, db, out, err)
    if command == "watchlist":
        return _watchlist(args, db, out, err)
    if command == "serve":
        return _serve(args, db, out, err)
    if command in ("merge", "split", "not-same", "reject", "judgements", "suggestions"):
        return _curate(args, db, out, err)
    if command == "resolve":
        from threadline.pipeline import DISPLAY_SCRIPT, resolve_all
        from threadline.store.repository import set_state

        conn = connect(db)
        with conn:
            if args.display_script:
                set_state(conn, DISPLAY_SCRIPT, args.display_script)
            resolve_all(conn)
        out.print("entities and links rebuilt")
        return 0

    if command in cli_time.COMMANDS:
        return cli_time.run(args, db, out, err)
    when = cli_time.date_range(args, err)
    if when is None:
        return 2
    conn = connect(db, readonly=True)
    cli_time.note_undated(conn, when, err)
    if command == "entities":
        rows = query.entities(conn, type=args.type, limit=args.limit, when=when)
        return _emit(args, out, rows, lambda: _entity_table(out, rows))
    if command == "show":
        data = query.show(conn, args.name)
        return _emit(args, out, data, lambda: _show(out, data))
    if command == "links":
        data = query.links(conn, args.a, args.b, when=when)
        return _emit(args, out, data, lambda: _links(out, data))
    if command == "search":
        try:
            rows = query.search(conn, args.query, limit=args.limit, when=when)
        except query.QueryTooLong as exc:
            err.print(f"search refused: {exc}", markup=False, soft_wrap=True)
            return 2
        return _emit(args, out, rows, lambda: _search(out, rows))
    if command == "errors":
        rows = query.errors(conn)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            for r in rows:
                print(f"{_one_line(r['path'])}\t{_one_line(r['reason'])}")
        return 0
    if command == "duplicates":
        from threadline.query.duplicates import duplicates

        rows = duplicates(conn, limit=args.limit)
        return _emit(args, out, rows, lambda: _duplicates(out, rows))
    if command == "sources":
        from threadline.query.duplicates import sources

        rows = sources(conn)
        return _emit(args, out, rows, lambda: _sources(out, rows))
    if command == "xref":
        return _xref(args, conn, out, err)
    if command == "export":
        return _export(args, conn, out, err)
    if command == "summary":
        data = query.summary(conn)
        return _emit(args, out, data, lambda: _summary(out, data))
    raise AssertionError(command)


def _emit(args: argparse.Namespace, out: Console, data: Any, render: Any) -> int:
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        render()
    return 0


def _ingest(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        err.print(f"[red]no such file or folder:[/] {', '.join(map(str, missing))}")
        return 2
    base = Settings(db_path=db)
    limits = replace(
        base.limits,
        max_file_bytes=int(args.max_file_size * 1024 * 1024),
        parse_seconds=args.parse_timeout,
        parse_memory_bytes=int(args.parse_memory * 1024 * 1024),
    )
    settings = replace(
        base,
        processes=max(1, args.processes),
        parse_workers=max(1, args.parse_workers),
        ocr=not args.no_ocr,
        ocr_languages=args.ocr_languages,
        limits=limits,
        work_dir=args.work.resolve() if args.work else None,
    )
    if args.work and not args.cluster:
        err.print("[red]error:[/] --work keeps a cluster's extractions: give --cluster too")
        return 2
    if not args.cluster:
        return _ingest_with(args, db, settings, None, out, err)
    from threadline.cluster import ClusterError, ClusterSpec, dashboard_link, open_cluster, worker_count

    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(open_cluster(ClusterSpec.parse(args.cluster)))
        except ClusterError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
            return 2
        link, workers = dashboard_link(client), worker_count(client)
        err.print(
            f"cluster: {workers} worker{'' if workers == 1 else 's'}"
            + (f", dashboard {link}" if link else ""),
            markup=False,
            soft_wrap=True,
        )
        try:
            return _ingest_with(args, db, settings, client, out, err)
        except ClusterError as exc:
            err.print(
                f"[red]error:[/] {escape(str(exc))}; what was stored is kept: run the same command"
                " again to finish",
                soft_wrap=True,
            )
            return 2


def _ingest_with(
    args: argparse.Namespace, db: Path, settings: Settings, client: Any, out: Console, err: Console
) -> int:
    from threadline.pipeline import IngestStopped, RunProgress, ingest

    conn = connect(db)
    started = time.monotonic()
    show_progress = not args.no_progress and not args.json and sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]ingesting"),
        BarColumn(),
        TextColumn("{task.fields[files]} files"),
        TextColumn("{task.fields[docs]} docs"),
        TextColumn("{task.fields[ocr]}"),
        TimeRemainingColumn(),
        console=err,
        disable=not show_progress,
        transient=True,
    ) as bar:
        # The bar advances by bytes of input, so the time estimate weighs a 300-page PDF properly.
        task = bar.add_task("ingest", total=None, files="0/?", docs=0, ocr="")

        def progress(p: RunProgress) -> None:
            ocr = f"OCR {p.ocr_pages} pages, {p.ocr_pages_per_second:.2f} pages/s" if p.ocr_pages else ""
            bar.update(
                task,
                completed=p.bytes_done,
                total=max(p.bytes_total, 1),
                files=f"{p.files_done}/{p.files_total}",
                docs=p.documents,
                ocr=ocr,
            )

        stop, stopped = threading.Event(), False
        with _stop_on_signals(stop) as received:
            try:
                report = ingest(conn, args.paths, settings, progress=progress, stop=stop, cluster=client)
            except IngestStopped as exc:
                report, stopped = exc.report, True
    if stopped:
        name = signal.Signals(received[0]).name if received else "request"
        err.print(
            f"ingest stopped ({name}): {report.documents_added} documents stored;"
            " run the same command again to finish",
            markup=False,
            soft_wrap=True,
        )
        return 128 + (received[0] if received else signal.SIGTERM)
    for notice in report.notices:
        err.print(f"[yellow]note:[/] {notice}")
    elapsed = time.monotonic() - started
    data = {
        "files_seen": report.files_seen,
        "files_skipped": report.files_skipped,
        "files_failed": report.files_failed,
        "archive_members_failed": report.members_failed,
        "documents_added": report.documents_added,
        "documents_duplicate": report.documents_duplicate,
        "words": report.words,
        "ocr_pages": report.ocr_pages,
        "extractions_from_parts": report.extractions_from_parts,
        "seconds": round(elapsed, 2),
        "errors": [{"path": p, "reason": r} for p, r in report.errors],
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        out.print(
            f"{report.documents_added} documents added ({report.words:,} words) from {report.files_seen} files"
            f" in {elapsed:.1f}s; {report.files_skipped} unchanged, {report.documents_duplicate} duplicates,"
            f" {report.files_failed + report.members_failed} failed"
            + (f", {report.ocr_pages} pages OCR'd" if report.ocr_pages else "")
            + (
                f", {report.extractions_from_parts} extractions from {args.work}"
                if report.extractions_from_parts
                else ""
            )
            + (" (see `threadline errors`)" if report.files_failed + report.members_failed else "")
        )
    readable = report.files_seen - report.files_failed
    return 1 if report.files_seen and readable == 0 else 0


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[list[int]]:
    """While active, SIGINT and SIGTERM set ``stop``: the ingest stores what is in flight, commits
    and ends (the signals received are listed in the value). A second one ends the process at once,
    its workers killed: nothing committed is lost either way."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received  # signal handlers can only be set from the main thread
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if stop.is_set():
            for child in multiprocessing.active_children():
                child.kill()
            os._exit(128 + signum)
        stop.set()
        # os.write, not print: a handler may run in the middle of another write to stderr.
        os.write(2, b"stopping: storing the documents in flight (signal again to stop at once)\n")

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _curate(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    from threadline import curation
    from threadline.query.curation import suggestions

    command = args.command
    try:
        if command == "suggestions":
            with contextlib.closing(connect(db, readonly=True)) as reader:
                rows = suggestions(reader, limit=args.limit)
            return _emit(args, out, rows, lambda: _suggestions(out, rows))
        if command == "judgements":
            return _judgements(args, db, out, err)
        with contextlib.closing(connect(db)) as conn:
            return _judge(args, conn, out)
    except curation.CurationError as exc:
        err.print(f"error: {_one_line(str(exc))}", markup=False, soft_wrap=True)
        return 2


def _judge(args: argparse.Namespace, conn: sqlite3.Connection, out: Console) -> int:
    from threadline import curation

    judge = {"user": args.user, "note": args.note}
    if args.command == "merge":
        key = curation.merge(conn, args.a, args.b, **judge)
        out.print(f"merged: {args.a} + {args.b} -> id {key}", markup=False)
    elif args.command == "not-same":
        curation.not_same(conn, args.a, args.b, **judge)
        out.print(f"kept apart: {args.a} / {args.b}", markup=False)
    elif args.command == "split":
        key = curation.split(conn, args.entity, args.aliases, **judge)
        out.print(f"split {', '.join(args.aliases)} out of {args.entity} -> id {key}", markup=False)
    else:
        curation.reject(conn, args.entity, as_type=args.as_type, **judge)
        what = f"now a {args.as_type}" if args.as_type else "no longer counted"
        out.print(f"rejected {args.entity}: {what}", markup=False)
    return 0


def _judgements(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    from threadline import curation

    if args.action == "import":
        if args.file is None:
            raise curation.CurationError("judgements import needs a FILE")
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise curation.CurationError(f"cannot read {args.file}: {exc}") from None
        with contextlib.closing(connect(db)) as writer:
            count = curation.import_lines(writer, text.splitlines())
        out.print(f"{count} judgements imported; entities rebuilt", markup=False)
        return 0
    with contextlib.closing(connect(db, readonly=True)) as conn:
        return _judgements_out(args, conn, out)


def _judgements_out(args: argparse.Namespace, conn: sqlite3.Connection, out: Console) -> int:
    from threadline import curation

    if args.action == "export":
        lines = "".join(line + "\n" for line in curation.export_lines(conn))
        if args.file is None:
            sys.stdout.write(lines)
        else:
            args.file.write_text(lines, encoding="utf-8")
        return 0
    rows = curation.judgements(conn)
    return _emit(args, out, rows, lambda: _judgement_table(out, rows))


def _judgement_table(out: Console, rows: list[dict[str, Any]]) -> None:
    table = Table("judgement", "target", "source", "now", "user", "when", "note")
    for r in rows:
        now = [e["name"] for e in (r["target_entity"], r["source_entity"]) if e]
        cells = [
            r["judgement"],
            r["target"],
            r["source"],
            " / ".join(now),
            r["user"],
            r["created_at"],
            r["note"],
        ]
        table.add_row(*(escape(c or "") for c in cells))  # notes and names are text, not markup
    out.print(table)


def _suggestions(out: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("no suggestions")
    table = Table("entity", "mentions", "probably the same as", "mentions", "why")
    for r in rows:
        a, b = r["entity"], r["candidate"]
        cells = [a["name"], str(a["mentions"]), b["name"], str(b["mentions"]), r["reason"]]
        table.add_row(*map(escape, cells))
    out.print(table)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _duplicates(out: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("no near-duplicate documents")
    for r in rows:
        out.print(f"[bold]{len(r['documents'])} documents[/], similarity ≥ {r['similarity']:.2f}")
        for path in r["documents"]:
            out.print(f"  {path}")


def _sources(out: Console, rows: list[dict[str, Any]]) -> None:
    table = Table("source", "documents", "cites", "cited by", "named in")
    for r in rows:
        table.add_row(
            r["name"],
            str(len(r["documents"])),
            ", ".join(r["cites"][:5]),
            ", ".join(r["cited_by"][:5]),
            f"{len(r['cited_in'])} docs" if r["cited_in"] else "",
        )
    out.print(table)


def _export(args: argparse.Namespace, conn: sqlite3.Connection, out: Console, err: Console) -> int:
    from threadline.export import FOLDER_FORMATS, MissingFollowTheMoney, Selection, export

    if args.min_sentences < 1 or args.hops < 0:
        err.print("error: --min-sentences must be 1 or more and --hops 0 or more", markup=False)
        return 2
    if args.out == "-" and args.format != "ftm":
        err.print(f"error: export {args.format} writes files; give a path", markup=False)
        return 2
    target = None if args.out == "-" else Path(args.out)
    if target is not None and args.format in FOLDER_FORMATS and target.exists() and not target.is_dir():
        err.print(f"error: {target} is a file; export {args.format} writes a folder", markup=False)
        return 2
    if target is not None and args.format not in FOLDER_FORMATS and target.is_dir():
        err.print(f"error: {target} is a folder; export {args.format} writes one file", markup=False)
        return 2
    selection = Selection(
        types=tuple(dict.fromkeys(args.type)),
        min_sentences=args.min_sentences,
        entity=args.entity,
        hops=args.hops,
    )
    started = time.monotonic()
    try:
        report = export(conn, args.format, target, selection)
    except MissingFollowTheMoney as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        return 2
    seconds = round(time.monotonic() - started, 2)
    if args.json:
        summary = {
            "format": report.format,
            "out": report.out,
            "entities": report.entities,
            "links": report.links,
            "documents": report.documents,
            "written": report.written,
            "seconds": seconds,
        }
        # ftm on stdout is the data itself: the report goes to stderr then.
        (sys.stderr if target is None else sys.stdout).write(json.dumps(summary, indent=2) + "\n")
    else:
        line = (
            f"exported {_count(report.entities, 'entity', 'entities')}, {_count(report.links, 'link')}"
            f" and {_count(report.documents, 'document')} as {report.format} to {report.out} in {seconds} s"
        )
        (err if target is None else out).print(line, markup=False, soft_wrap=True)
    return 0


def _count(n: int, word: str, words: str = "") -> str:
    """``1 document``, ``2 documents``, ``1 story``, ``3 stories``."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


def _xref(args: argparse.Namespace, conn: sqlite3.Connection, out: Console, err: Console) -> int:
    from threadline.ingest.base import UnreadableFile
    from threadline.ingest.watchlist import read_watchlist
    from threadline.query.xref import xref, xref_csv, xref_markdown

    people = None
    if args.watchlist_file:
        try:
            people = read_watchlist(args.watchlist_file)
        except UnreadableFile as exc:
            err.print(f"cannot read {args.watchlist_file}: {exc.reason}", markup=False, soft_wrap=True)
            return 2
    rows = xref(conn, people)
    if args.report:
        args.report.write_text(xref_markdown(rows), encoding="utf-8")
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.csv:
        sys.stdout.write(xref_csv(rows))
    else:
        table = Table(
            "watchlist person",
            "found",
            "mentions",
            "docs",
            "stories",
            "sources",
            "spellings",
            "best evidence",
        )
        for r in rows:
            ev = r["evidence"][0] if r["evidence"] else None
            table.add_row(
                r["name"],
                "yes" if r["found"] else "no",
                str(r["mentions"]),
                str(r["documents"]),
                str(r["stories"]),
                str(r["sources"]),
                ", ".join(r["spellings"][:5]),
                _quote(ev, 100) if ev else "",
            )
        out.print(table)
        if args.report:
            out.print(f"report written to {args.report}")
    return 0


def _serve(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    token = args.token or os.environ.get("THREADLINE_TOKEN") or None
    if not _is_loopback(args.host) and not token:
        err.print(
            f"[red]error:[/] refusing to serve on {args.host} without an access token: anyone who can reach"
            " that address could read the whole database. Pass --token T or set THREADLINE_TOKEN,"
            " or serve on 127.0.0.1 (the default)."
        )
        return 2
    if args.query_timeout <= 0:
        err.print("[red]error:[/] --query-timeout must be a positive number of seconds")
        return 2
    if args.host in ("0.0.0.0", "::") and not args.allowed_host:
        err.print(
            f"note: requests must name this machine as {args.host} or a loopback name; pass"
            " --allowed-host NAME for each name or address clients use to reach it",
            markup=False,
            soft_wrap=True,
        )
    import uvicorn

    from threadline.web import create_app

    app = create_app(
        db,
        token=token,
        allowed_hosts=[args.host, *args.allowed_host],
        query_seconds=args.query_timeout,
        edit=args.edit,
    )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    mode = "for reading and curation (--edit)" if args.edit else "read-only"
    out.print(
        f"threadline: serving {db} {mode} on http://{shown}:{args.port}/"
        + (" (token required)" if token else "")
        + "; Ctrl-C to stop",
        markup=False,
    )
    out.file.flush()  # shown now even when stdout is a file or a pipe
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0


def _watchlist(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    # Readers pull in HTML and mail parsing: imported only by the commands that read files.
    from threadline.ingest.base import UnreadableFile
    from threadline.ingest.watchlist import person_id, read_watchlist

    if args.action == "list":
        conn = connect(db, readonly=True)
        people = repo.load_watchlist(conn)
        if args.json:
            print(
                json.dumps(
                    [{"id": p.id, "name": p.name, "aliases": list(p.aliases)} for p in people], indent=2
                )
            )
        else:
            for p in people:
                out.print(f"{p.name}" + (f"  (aliases: {', '.join(p.aliases)})" if p.aliases else ""))
        return 0
    conn = connect(db)
    if args.action == "add":
        people = [
            WatchlistPerson(person_id(args.name), args.name.strip(), tuple(a.strip() for a in args.alias))
        ]
    else:
        try:
            people = read_watchlist(args.file)
        except UnreadableFile as exc:
            err.print(f"cannot import {args.file}: {exc.reason}", markup=False, soft_wrap=True)
            return 2
    from threadline.pipeline import apply_watchlist

    with conn:
        repo.save_watchlist(conn, people)
    changed = apply_watchlist(conn)
    out.print(f"{len(people)} watchlist people saved; {changed} stored documents gained or lost matches")
    return 0


# --- readable output -------------------------------------------------------------------------------------


def _entity_table(out: Console, rows: list[dict[str, Any]], *, compact: bool = False) -> None:
    columns = ["name", "mentions", "docs", "stories", "sources", "id"]
    if not compact:
        columns[1:1] = ["type"]
        columns.append("aliases")
    table = Table(*columns)
    for r in rows:
        aliases = [a for a in r["aliases"] if a != r["name"]]
        counts = [str(r[k]) for k in ("mentions", "documents", "stories", "sources")]
        cells = [r["name"], *counts, r["id"]]
        if not compact:
            cells[1:1] = [r["type"]]
            cells.append(", ".join(aliases[:5]))
        table.add_row(*cells)
    out.print(table)


def _show(out: Console, data: dict[str, Any]) -> None:
    out.print(f"[bold]{data['name']}[/] ({data['type']}, id {data['id']})")
    out.print(
        f"{_count(data['mentions'], 'mention')} in {_count(len(data['documents']), 'document')}"
        f" ({_count(data['stories'], 'distinct story', 'distinct stories')},"
        f" {_count(data['sources'], 'independent source')})"
    )
    if data["roles"]:
        out.print("roles: " + "; ".join(data["roles"]))
    merges = Table("alias", "mentions", "why merged", title="aliases")
    for m in data["merges"]:
        probable = f" [probable: {m['probable']} of {m['mentions']}]" if m.get("probable") else ""
        merges.add_row(m["alias"], str(m["mentions"]), m["reason"] + probable)
    out.print(merges)
    docs = Table("document", "title", "mentions", title="documents")
    for d in data["documents"][:20]:
        docs.add_row(d["path"], d["title"] or "", str(d["mentions"]))
    out.print(docs)
    conns = Table("connected to", "type", "sentences", "docs", "stories", "evidence", title="connections")
    for c in data["connections"]:
        ev = c["evidence"][0] if c["evidence"] else None
        counts = [str(c[k]) for k in ("sentences", "documents", "stories")]
        conns.add_row(c["name"], c["type"], *counts, _quote(ev) if ev else "")
    out.print(conns)


def _quote(ev: dict[str, Any], width: int = 160) -> str:
    sentence = " ".join(ev["sentence"].split())
    if len(sentence) > width:
        sentence = sentence[: width - 1] + "…"
    page = f" p. {ev['page']}" if ev.get("page") else ""
    copies = f" (also in {ev['copies']} cop{'y' if ev['copies'] == 1 else 'ies'})" if ev.get("copies") else ""
    return f"“{sentence}” — {ev['path']}{page} [{ev['start']}:{ev['end']}]{copies}"


def _links(out: Console, data: dict[str, Any]) -> None:
    a, b = data["from"]["name"], data["to"]["name"]
    c = data["counts"]
    names = "names" if c["sentences"] == 1 else "name"
    out.print(
        f"[bold]{a}[/] ↔ [bold]{b}[/]: {_count(c['sentences'], 'sentence')} {names} both, in"
        f" {_count(c['documents'], 'document')} ({_count(c['stories'], 'story', 'stories')},"
        f" {_count(c['sources'], 'source')})"
    )
    for ev in data["direct"][:10]:
        out.print("  " + _quote(ev))
    if data["paths"]:
        out.print("[bold]paths[/]")
    for path in data["paths"]:
        out.print("  " + " → ".join(path["entities"]))
        for ev in path["evidence"]:
            out.print("    " + _quote(ev))


def _search(out: Console, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        out.print(f"[bold]{r['title'] or r['path']}[/]  ({r['path']}, score {r['score']})")
        out.print("  " + " ".join(r["snippet"].split()))


def _summary(out: Console, data: dict[str, Any]) -> None:
    out.print(
        f"{data['documents']} documents, {data['people']} people, {data['organizations']} organisations,"
        f" {data['locations']} places, {data['links']} links, {data['failed_files']} failed files"
    )
    out.print("[bold]Top people[/]")
    _entity_table(out, data["top_people"], compact=True)
    out.print("[bold]Strongest connections[/]")
    for c in data["strongest_connections"]:
        out.print(
            f"  {c['a']['name']} — {c['b']['name']}: {_count(c['sentences'], 'sentence')} in"
            f" {_count(c['documents'], 'doc')}, {_count(c['stories'], 'story', 'stories')},"
            f" {_count(c['sources'], 'source')}"
        )
        if c["evidence"]:
            out.print("    " + _quote(c["evidence"][0]))


def entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    entry()
