"""The time commands of the command line: ``documents``, ``timeline`` and ``related``, and the
``--from``/``--to`` options other queries take. ``cli`` adds these parsers and hands these commands
over; the JSON shapes are in docs/cli.md."""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from threadline.query.dateranges import BadDate, DateRange
from threadline.query.timeline import undated_count

COMMANDS = ("documents", "timeline", "related")


def date_options() -> argparse.ArgumentParser:
    """``--from D`` and ``--to D`` (YYYY, YYYY-MM or YYYY-MM-DD), for a parser's ``parents``."""
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--from", dest="date_from", metavar="D", help="only documents dated on or after D")
    dated.add_argument("--to", dest="date_to", metavar="D", help="only documents dated on or before D")
    return dated


def add_parsers(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    dated = date_options()
    p = sub.add_parser(
        "documents", parents=[common, as_json, dated], help="every document: date, source, language, story"
    )
    p.add_argument("--limit", type=int, default=0, help="at most N rows (default 0: all)")
    p = sub.add_parser(
        "timeline",
        parents=[common, as_json, dated],
        help="what happened when: the corpus, one entity, or two (their connection)",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="none, one or two entity names or ids")
    p.add_argument("--limit", type=int, default=0, help="at most N events (default 0: all)")
    p = sub.add_parser(
        "related",
        parents=[common, as_json],
        help="related stories across languages: a suggestion, never counted (computes what is missing)",
    )
    p.add_argument("--limit", type=int, default=50, help="at most N pairs (default 50; 0: all)")
    p.add_argument("--min-score", type=float, default=None, help="closest pairs only (default 0.65)")


def date_range(args: argparse.Namespace, err: Console) -> DateRange | None:
    """The command's --from/--to, or None (after one line on stderr) when a bound is not a date."""
    try:
        return DateRange.parse(getattr(args, "date_from", None), getattr(args, "date_to", None))
    except BadDate as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        return None


def note_undated(conn: sqlite3.Connection, when: DateRange, err: Console) -> None:
    """A date range leaves out the undated documents: say so, never silently."""
    if when:
        left = undated_count(conn)
        if left:
            err.print(
                f"note: {left} undated document{'s' if left != 1 else ''} left out by --from/--to"
                " (`threadline documents` lists them)",
                markup=False,
                soft_wrap=True,
            )


def run(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    """``documents``, ``timeline`` or ``related``."""
    from threadline.store.db import connect

    if args.command == "related":
        return _related(args, db, out, err)
    when = date_range(args, err)
    if when is None:
        return 2
    conn = connect(db, readonly=True)
    if args.command == "documents":
        from threadline.query.timeline import documents

        rows = documents(conn, when=when, limit=args.limit or None)
        note_undated(conn, when, err)
        return _emit(args, rows, lambda: _documents(out, rows))
    if len(args.names) > 2:
        err.print("error: a timeline is of the corpus, one entity or two", markup=False)
        return 2
    from threadline.query.timeline import timeline

    data = timeline(conn, args.names, when=when, limit=args.limit or None)
    return _emit(args, data, lambda: _timeline(out, data))


def _emit(args: argparse.Namespace, data: Any, render: Any) -> int:
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        render()
    return 0


def _when(row: dict[str, Any]) -> str:
    date = row.get("date")
    return str(date)[:16].replace("T", " ") if date else "undated"


def _documents(out: Console, rows: list[dict[str, Any]]) -> None:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("date", "from", "source", "lang", "story", "path", "title"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            _when(r),
            r["date_source"] or "",
            escape(r["source"] or ""),
            r["language"] or "",
            str(r["story"] or ""),
            escape(r["path"]),
            escape(r["title"] or ""),
        )
    out.print(table)


def _timeline(out: Console, data: dict[str, Any]) -> None:
    named = " and ".join(e["name"] for e in data["entities"]) or "the corpus"
    out.print(f"[bold]Timeline of {escape(named)}[/]: {data['total']} dated events")
    for e in data["events"]:
        where = e["path"] + (f" p.{e['page']}" if e["page"] else "")
        if e["kind"] == "document":
            label = e["title"] or e["sentence"] or ""
            out.print(
                f"{_when(e):16}  [dim]document[/] {escape(' '.join(label.split())[:120])}  ({escape(where)})"
            )
        else:
            sentence = " ".join(e["sentence"].split())
            out.print(f"{_when(e):16}  {escape(sentence[:200])}  ({escape(where)})")
    undated = data["undated"]
    if undated["documents"] or undated["events"]:
        out.print(
            f"[yellow]Undated:[/] {len(undated['documents'])} documents, {undated['events']} dates in sentences"
            " that nothing anchors"
        )
        for d in undated["documents"]:
            out.print(f"  {escape(d['path'])}")


def _related(args: argparse.Namespace, db: Path, out: Console, err: Console) -> int:
    from threadline.query.related import related_pairs
    from threadline.store.db import connect
    from threadline.store.related import DEFAULT_MIN_SCORE, rebuild_related

    min_score = DEFAULT_MIN_SCORE if args.min_score is None else args.min_score
    conn = connect(db)
    with conn:
        report = rebuild_related(conn, min_score=min_score)
    if report.embedded:
        err.print(f"note: {report.embedded} documents read by the sentence encoder", markup=False)
    rows = related_pairs(conn, limit=args.limit or None)
    return _emit(args, rows, lambda: _related_table(out, rows))


def _related_table(out: Console, rows: list[dict[str, Any]]) -> None:
    out.print(
        "[bold]Related stories[/] (suggested by a multilingual sentence encoder; never counted as copies)"
    )
    for r in rows:
        a, b = r["a"], r["b"]
        out.print(
            f"{r['score']:.2f}  {escape(a['path'])} ({a['language'] or '?'}, {_when(a)})"
            f"  ~  {escape(b['path'])} ({b['language'] or '?'}, {_when(b)})"
        )
