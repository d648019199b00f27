"""Printed email headers (threadline.ingest.printed): fictional emails in each layout mail programs
print, the readers that use them, printed senders as sources, and the CLI end to end."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from threadline.config import Limits
from threadline.ingest.base import first_line_title
from threadline.ingest.printed import (
    PrintedHeader,
    PrintedPerson,
    header_fields,
    normalise_address,
    printed_iso_date,
    read_printed_header,
)
from threadline.ingest.text import read_text
from threadline.link.sources import document_sources
from threadline.model import HeaderField, Span


def parse(text: str) -> PrintedHeader:
    header = read_printed_header(text)
    assert header is not None, text
    return header


def who(text: str, person: PrintedPerson | None) -> tuple[str, str | None, str | None, str] | None:
    """(field, name, address, text under the span) of a parsed person."""
    if person is None:
        return None
    return person.field, person.name, person.address, text[person.span.start : person.span.end]


def body(text: str, header: PrintedHeader) -> str:
    return text[header.end :].strip()


# --- inline layouts -------------------------------------------------------------------------------

OUTLOOK = (
    "From: Odile Farrant [odile@harbour.example]\n"
    "Sent: 3/7/2011 9:12:40 AM\n"
    "To: Corvin Ashdale; Mireille Tanaga [mailto:mireille@tanaga.example]\n"
    "Cc: 'Basil Okonjo' <Basil@Okonjo.example>\n"
    "Subject: Re: Harbour visit\n"
    "Importance: High\n"
    "Fine by me. Tell Lionel Brecht the berth is his.\n"
)


def test_inline_outlook_header() -> None:
    header = parse(OUTLOOK)
    assert who(OUTLOOK, header.sender) == ("from", "Odile Farrant", "odile@harbour.example", "Odile Farrant")
    assert [who(OUTLOOK, p) for p in header.recipients] == [
        ("to", "Corvin Ashdale", None, "Corvin Ashdale"),
        ("to", "Mireille Tanaga", "mireille@tanaga.example", "Mireille Tanaga"),
        ("cc", "Basil Okonjo", "basil@okonjo.example", "Basil Okonjo"),
    ]
    assert (header.date, header.subject, header.layout) == (
        "3/7/2011 9:12:40 AM",
        "Re: Harbour visit",
        "inline",
    )
    assert body(OUTLOOK, header).startswith("Fine by me.")
    assert OUTLOOK[: header.end].rstrip().endswith("Importance: High")


@pytest.mark.parametrize(
    ("value", "name", "address", "under_span"),
    [
        ("quill E. [quillvacation@mailbox.example]", "quill E.", "quillvacation@mailbox.example", "quill E."),
        ("Q <quillvacation@mailbox.example>", "Q", "quillvacation@mailbox.example", "Q"),
        (
            '"Farrant, Odile" <odile@harbour.example>',
            "Farrant, Odile",
            "odile@harbour.example",
            "Farrant, Odile",
        ),
        (
            "Odile Farrant [mailto:odile@harbour.example]",
            "Odile Farrant",
            "odile@harbour.example",
            "Odile Farrant",
        ),
        ("odile@harbour.example (Odile Farrant)", "Odile Farrant", "odile@harbour.example", "Odile Farrant"),
        ("odile@harbour.example", None, "odile@harbour.example", "odile@harbour.example"),
        ("Farrant, Odile", "Farrant, Odile", None, "Farrant, Odile"),  # stays as printed
        ("Odile Farrant____________________", "Odile Farrant", None, "Odile Farrant"),  # redaction bar
        ("Odile Farrant [", "Odile Farrant", None, "Odile Farrant"),  # the address was redacted
        ("Odile Farrant (Harbour Holdings LP)", "Odile Farrant", None, "Odile Farrant"),
        ("CN=Odile Farrant/O=HarbourBoard", "Odile Farrant", None, "Odile Farrant"),  # Lotus Notes
        ("quill E. <quillvacation©grnail.corn>", "quill E.", "quillvacation@gmail.com", "quill E."),  # OCR
    ],
)
def test_display_names_and_addresses(
    value: str, name: str | None, address: str | None, under_span: str
) -> None:
    text = f"From: {value}\nSent: 6/2/2016 10:21:17 AM\nTo: Corvin Ashdale\nSubject: Dock\n\nYes.\n"
    assert who(text, parse(text).sender) == ("from", name, address, under_span)


def test_apple_layout_date_subject_from_to() -> None:
    text = (
        "Date: Friday, September 19 2014 09:35 PM\n"
        "Subject: Re: Fwd:\n"
        "From: Corvin Ashdale\n"
        "To: quill E. <quillvacation@mailbox.example>;\n"
        "I will. The rent is more than the salary.\n"
    )
    header = parse(text)
    assert who(text, header.sender) == ("from", "Corvin Ashdale", None, "Corvin Ashdale")
    assert [p.name for p in header.recipients] == ["quill E."]  # the body line is no recipient
    assert header.date == "Friday, September 19 2014 09:35 PM"
    assert body(text, header).startswith("I will.")


def test_wrapped_values() -> None:
    text = (
        "From: Lionel Brecht\n"
        "Sent: 4/28/2016 4:47:41 PM\n"
        "To: Corvin Ashdale; Mireille Tanaga\n"
        "Subject: RE: A subject long enough that the printer\n"
        "wrapped it onto a second line\n"
        "; Basil Okonjo\n"
        "Attachments: berth.pdf; lease.docx;\n"
        "annex.xlsx\n"
        "Importance: High\n"
        "Privileged.\n"
    )
    header = parse(text)
    assert [p.name for p in header.recipients] == ["Corvin Ashdale", "Mireille Tanaga", "Basil Okonjo"]
    assert header.subject == "RE: A subject long enough that the printer wrapped it onto a second line"
    assert body(text, header) == "Privileged."


def test_empty_subject_label_with_its_value_below() -> None:
    text = "From: Lionel Brecht\nSent: 9/18/2015 4:08:16 PM\nTo: Corvin Ashdale\nSubject:\nRe: an article\nImportance: High\nYou can visit.\n"
    header = parse(text)
    assert header.subject == "Re: an article"
    assert [p.name for p in header.recipients] == ["Corvin Ashdale"]
    assert body(text, header) == "You can visit."


def test_on_behalf_of() -> None:
    text = "From: \non behalf of Mireille Tanaga\nSent: 1/5/2015 10:12:19 PM\nTo: Corvin Ashdale\nSubject: Fwd: x\n\nSee below.\n"
    assert parse(text).sender is not None
    assert parse(text).sender.name == "Mireille Tanaga"  # type: ignore[union-attr]


def test_french_labels() -> None:
    text = "De : Odile Farrant\nEnvoyé : mardi 3 mars 2015 10:02\nÀ : Corvin Ashdale\nObjet : Quai\n\nD'accord.\n"
    header = parse(text)
    assert (header.sender.name if header.sender else None, header.subject) == ("Odile Farrant", "Quai")
    assert [p.name for p in header.recipients] == ["Corvin Ashdale"]


# --- label blocks ---------------------------------------------------------------------------------

LABEL_BLOCK = (
    "From:\n"
    "Sent:\n"
    "To:\n"
    "Subject:\n"
    "Attachments:\n"
    "Weller, Tomas\n"
    "6/2/2016 10:21:17 AM\n"
    "quill E. [quillvacation@mailbox.example]\n"
    "Re: Dock lease\n"
    "lease.docx\n"
    "Importance: High\n"
    "Attached is the first draft.\n"
    "From: quill E. [mailto:quillvacation@mailbox.example]\n"
    "Sent: Thursday, June 02, 2016 9:41 AM\n"
    "To: Weller, Tomas\n"
    "Subject: Dock lease\n"
    "Send me the draft.\n"
)


def test_label_block_values_follow_their_labels() -> None:
    header = parse(LABEL_BLOCK)
    assert header.layout == "block"
    assert who(LABEL_BLOCK, header.sender) == ("from", "Weller, Tomas", None, "Weller, Tomas")
    assert [(p.name, p.address) for p in header.recipients] == [("quill E.", "quillvacation@mailbox.example")]
    assert (header.date, header.subject) == ("6/2/2016 10:21:17 AM", "Re: Dock lease")
    assert body(LABEL_BLOCK, header).startswith("Attached is the first draft.")


def test_label_block_with_a_redacted_sender_takes_no_other_sender() -> None:
    text = (
        "From:\nSent:\nTo:\n"
        "11/22/2016 5:55:37 PM\n"
        "Corvin [corvin@ashdale.example]\n"
        "Importance: High\n"
        "Shall I find out the details?\n"
        "From: Mireille Tanaga <mireille@tanaga.example>\n"
        "Sent: Tuesday, November 22, 2016 9:00 AM\n"
        "To: Corvin\n"
    )
    header = parse(text)
    assert header.sender is None  # blank in the print; the quoted sender below is not this message's
    assert [p.name for p in header.recipients] == ["Corvin"]
    assert header.date == "11/22/2016 5:55:37 PM"
    assert body(text, header).startswith("Shall I")


def test_label_block_with_inline_labels_among_the_empty_ones() -> None:
    text = (
        "From:\nSent:\nTo: Farrant, Odile\nSubject: Re:\n"
        "quill E. [quillvacation@mailbox.example]\n"
        "11/8/2017 1:49:52 PM\n"
        "Money. He needed money for his firm.\n"
    )
    header = parse(text)
    assert who(text, header.sender) == ("from", "quill E.", "quillvacation@mailbox.example", "quill E.")
    assert [p.name for p in header.recipients] == ["Farrant, Odile"]
    assert body(text, header).startswith("Money.")


def test_label_block_with_a_body_line_read_above_the_values() -> None:
    # OCR of a two-column print sometimes puts the message's first short line before the values.
    text = "From:\nSent:\nTo:\nSubject:\nAgreed\nquill E. [quillvacation@mailbox.example]\n3/24/2018 10:07:32 PM\nRe:\nThanks!\n"
    header = parse(text)
    assert who(text, header.sender) == ("from", "quill E.", "quillvacation@mailbox.example", "quill E.")
    assert (header.date, header.subject) == ("3/24/2018 10:07:32 PM", "Re:")


def test_lotus_label_block_with_a_blank_recipient() -> None:
    text = "From:\nTo:\nSubject:\nDate:\nLionel Brecht\nRe: Russian House\nMonday, May 04, 2009 5:23:18 PM\nHappy to help.\n"
    header = parse(text)
    assert header.sender is not None and header.sender.name == "Lionel Brecht"
    assert header.recipients == ()
    assert (header.subject, header.date) == ("Re: Russian House", "Monday, May 04, 2009 5:23:18 PM")


# --- OCR, page furniture and what is no header ------------------------------------------------------


def test_ocr_label_variants_and_page_furniture() -> None:
    text = (
        "HARBOUR_BOARD_000123\n"
        ">>\n"
        "\ufeffFron: Odile Farrant\n"
        "Sent : 6/27/2011 4:17:37 PM\n"
        "T o: Corvin Ashdale [corvin©ashdale.example]\n"
        "Bee: Basil Okonjo\n"
        "Subject; Budget\n"
        "Numbers attached.\n"
    )
    header = parse(text)
    assert header.sender is not None and header.sender.name == "Odile Farrant"
    assert [(p.field, p.name, p.address) for p in header.recipients] == [
        ("to", "Corvin Ashdale", "corvin@ashdale.example"),
        ("bcc", "Basil Okonjo", None),
    ]
    assert header.subject == "Budget"
    assert body(text, header) == "Numbers attached."


def test_bare_labels_in_a_label_run() -> None:
    text = "From:\nSent:\nTo:\nSubject\nOdile Farrant\n6/27/2011 4:17:37 PM\nCorvin Ashdale\nBudget\n\nNumbers attached.\n"
    header = parse(text)
    assert (header.sender.name if header.sender else None, header.subject) == ("Odile Farrant", "Budget")


@pytest.mark.parametrize(
    "text",
    [
        "Dear Odile,\nFrom: the harbour office\nTo: all berths\n",  # a letter: prose before the labels
        "From: Odile Farrant\nDate: November 14, 2015\nTerrorism and ports.\n",  # a memo, no To or Sent
        "Brexit statistics\nData retrieved: 23 June\nFrom: 12 AM TO: 11 PM\nTotal: 5\n",
        "-----Original Message-----\nFrom: Odile Farrant\nSent: Monday\nTo: Corvin Ashdale\n",
        "A: yes\nDe: la part de Corvin\n",
        "",
    ],
)
def test_not_a_printed_header(text: str) -> None:
    assert read_printed_header(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # A forwarded message under the message's own (blank) sender.
        "From:\nSent: 3/29/2015 2:22:23 PM\nTo: corvin@ashdale.example\nSubject: Fwd: Do you know him?\n"
        "Importance: High\n---------- Forwarded message ----------\nFrom: Mireille Tanaga\nDate: Sat, Mar 28, 2015\n",
        # "On ... wrote:" right under the header.
        "From:\nSent: 12/7/2016 5:31:19 PM\nTo: corvin@ashdale.example\nSubject: Re:\n"
        "On Wed, Dec 7, 2016 at 1:29 PM, Mireille Tanaga <mt@tanaga.example> wrote:\nOy\n",
        # A second From: after body text.
        "From:\nSent: 2/10/2011 3:02:14 PM\nTo: corvin@ashdale.example\nSubject: Re:\n"
        "I have heard some things.\nFrom: Mireille Tanaga\nSent: Thursday, February 10, 2011 9:00 AM\n",
    ],
)
def test_a_quoted_or_forwarded_sender_is_never_the_messages(text: str) -> None:
    header = parse(text)
    assert header.sender is None
    assert "Mireille" not in text[: header.end]


def test_forwarded_message_keeps_the_outer_sender() -> None:
    text = (
        "From: Lionel Brecht\nSent: 1/24/2017 4:21:55 PM\nTo: Corvin Ashdale\nSubject: Fwd: Press\n"
        "FYI\n\n-----Original Message-----\nFrom: Mireille Tanaga\nSent: Tuesday, January 24, 2017\nTo: Lionel Brecht\n"
    )
    header = parse(text)
    assert header.sender is not None and header.sender.name == "Lionel Brecht"
    assert body(text, header).startswith("FYI")


def test_chat_log_printed_with_to_subject_and_sent() -> None:
    text = "To: corvinash ; quillvacation ;\nSubject: corvinash -- 2017/07/11\nSent: 07/11/2017 11:42:34 PM\n\n\ncorvinash\nok\n"
    header = parse(text)
    assert header.sender is None
    assert header.subject == "corvinash -- 2017/07/11"


def test_hostile_input_stays_fast() -> None:
    import time

    texts = [
        "From: Jane" + " " * 20_000 + "x\nTo: y\n",
        "From: Jane " + " ." * 10_000 + "\nTo: y\n",
        "From: Jane " + "1" * 20_000 + "x\nTo: y\n",
        "From: " + "a@" * 10_000 + "\nTo: b\n",
        "From:\n" + "Sent:\n" * 500 + "x\n" * 20_000,
    ]
    start = time.perf_counter()
    for text in texts:
        read_printed_header(text)
    assert time.perf_counter() - start < 2


def test_header_soup_keeps_offsets_valid() -> None:
    # Random mixes of labels, values, brackets and quote markers: never an error, and every span
    # lies on one header line and names what it says.
    import random

    pieces = ["From:", "Sent:", "To:", "Cc:", "Subject:", "From: A B", "To: x@y.example;", "\n", "\n\n", " [",
              "<", ">", "]", ";", "6/2/2016 10:21 AM", "Re: x", "____", "mailto:", "©", "On Mon, X wrote:",
              "-----Original Message-----", "Importance: High", "a.pdf;", "\ufeff", "\xa0", "\x0c", "Dear A,"]  # fmt: skip
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(["", "\n", " "]) for _ in range(rng.randint(1, 25)))
        header = read_printed_header(text)
        if header is None:
            continue
        assert 0 <= header.start <= header.end <= len(text)
        for field in header_fields(header):
            under = text[field.span.start : field.span.end]
            assert field.span.end <= header.end and "\n" not in under
            assert under == field.name or field.name == field.address


def test_addresses_and_dates() -> None:
    assert normalise_address("Quill©Grnail.Corn") == "quill@gmail.com"
    assert normalise_address("mailto:odile@harbour.example") == "odile@harbour.example"
    assert printed_iso_date("6/27/2011 4:17:37 PM") == "2011-06-27T16:17:37"
    assert printed_iso_date("Friday, January 9, 2015 7:27 PM") == "2015-01-09T19:27:00"
    assert printed_iso_date("March 2011") is None  # no day printed: none is invented
    assert printed_iso_date("Monday") is None


# --- readers and sources --------------------------------------------------------------------------


def test_text_reader_makes_a_printed_email_look_like_a_real_one(tmp_path: Path) -> None:
    path = tmp_path / "mail.txt"
    path.write_text(OUTLOOK, encoding="utf-8")
    document = read_text(path, path.read_bytes(), Limits())
    assert document.title == "Re: Harbour visit"
    assert document.date == "2011-03-07T09:12:40"
    assert document.text[document.body_start :].startswith("Fine by me.")
    start = OUTLOOK.index("Odile")
    assert document.headers[0] == HeaderField(
        "from", "Odile Farrant", "odile@harbour.example", Span(start, start + len("Odile Farrant"))
    )
    assert [(h.field, h.name) for h in document.headers[1:]] == [
        ("to", "Corvin Ashdale"),
        ("to", "Mireille Tanaga"),
        ("cc", "Basil Okonjo"),
    ]
    for header in document.headers:
        assert document.text[header.span.start : header.span.end] == header.name
        assert header.span.end <= document.body_start


def test_pdf_reader_reads_a_printed_header(tmp_path: Path) -> None:
    from tests.pdf_fixtures import text_pdf
    from threadline.ingest.pdf import read_pdf

    path = text_pdf(
        tmp_path / "mail.pdf", [LABEL_BLOCK, "Second page."], title="Microsoft Outlook - Memo Style"
    )
    (document,) = read_pdf(path, path.read_bytes(), Limits()).documents
    assert (document.title, document.date) == ("Re: Dock lease", "2016-06-02T10:21:17")  # not the metadata's
    assert [(h.field, h.name) for h in document.headers] == [("from", "Weller, Tomas"), ("to", "quill E.")]
    assert document.text[document.body_start :].startswith("Attached is the first draft.")


def test_header_fields_name_a_bare_address_by_its_address() -> None:
    text = "From: odile©harbour.example\nSent: 3/7/2011\nTo: Corvin Ashdale\n\nFine.\n"
    fields = header_fields(parse(text))
    assert fields[0].name == fields[0].address == "odile@harbour.example"
    assert text[fields[0].span.start : fields[0].span.end] == "odile©harbour.example"


def test_first_line_title() -> None:
    assert first_line_title(LABEL_BLOCK) == "Re: Dock lease"
    assert first_line_title("From: Odile Farrant\nSent: 3/7/2011\nTo: Corvin\n\nFine.") is None  # no subject
    assert first_line_title("From: Odile Farrant\nDate: Monday\n\nFine.") is None  # a label says nothing
    assert first_line_title("Harbour report\n\nFrom: the board") == "Harbour report"


def test_printed_sender_is_the_outlet_of_a_label_block() -> None:
    info = document_sources(LABEL_BLOCK, None, None, {}, "text")
    assert (info.outlet, info.found_by) == ("Tomas Weller", "printed-from")
    redacted = "From:\nSent:\nTo:\n11/22/2016 5:55:37 PM\nCorvin\nHi.\nFrom: Mireille Tanaga\nSent: Monday\n"
    assert document_sources(redacted, None, None, {}, "text").found_by != "printed-from"


# --- end to end -----------------------------------------------------------------------------------


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def _json(db: Path, *args: str) -> Any:
    return json.loads(_run(db, *args, "--json").stdout)


@pytest.mark.slow
def test_cli_printed_emails_have_header_senders_and_subject_titles(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "inline.txt").write_text(
        "From: Farrant, Odile [odile@harbour.example]\n"
        "Sent: 3/7/2011 9:12:40 AM\n"
        "To: Corvin Ashdale\n"
        "Subject: Berth lease\n"
        "Importance: High\n"
        "Mireille Tanaga met Basil Okonjo in Port Verdant on Monday to sign the berth lease.\n",
        encoding="utf-8",
    )
    (folder / "block.txt").write_text(
        "From:\nSent:\nTo:\nSubject:\n"
        "Weller, Tomas\n"
        "6/2/2016 10:21:17 AM\n"
        "Corvin Ashdale\n"
        "Re: Dock draft\n"
        "Mireille Tanaga and Basil Okonjo will review the dock draft with the harbour board.\n"
        "From: Lionel Brecht [mailto:lionel@brecht.example]\n"
        "Sent: Thursday, June 02, 2016 9:41 AM\n"
        "To: Weller, Tomas\n",
        encoding="utf-8",
    )
    db = tmp_path / "mail.db"
    _run(db, "ingest", str(folder), "--no-progress")

    odile = _json(db, "show", "Odile Farrant")
    assert [(d["path"].rsplit("/", 1)[-1], d["title"]) for d in odile["documents"]] == [
        ("inline.txt", "Berth lease")
    ]
    tomas = _json(db, "show", "Tomas Weller")
    assert any(d["title"] == "Re: Dock draft" for d in tomas["documents"])

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT m.kind, s.end, d.body_start, d.path, d.date FROM mentions m"
            " JOIN sentences s ON s.id = m.sentence_id JOIN documents d ON d.id = m.document_id"
            " JOIN entities e ON e.id = m.entity_id WHERE e.name IN ('Odile Farrant', 'Tomas Weller')"
        ).fetchall()
        dates = dict(conn.execute("SELECT path, date FROM documents").fetchall())
    finally:
        conn.close()
    senders = {path.rsplit("/", 1)[-1] for kind, _, _, path, _ in rows if kind == "header"}
    assert senders == {"inline.txt", "block.txt"}
    for kind, end, body_start, _, _ in rows:  # header mentions sit on header lines, others in the body
        assert (end <= body_start) == (kind == "header")
    assert {p.rsplit("/", 1)[-1]: d for p, d in dates.items()} == {
        "inline.txt": "2011-03-07T09:12:40",
        "block.txt": "2016-06-02T10:21:17",
    }
    # The sender's header line links with no name of the body.
    for sender in ("Odile Farrant", "Tomas Weller"):
        for other in ("Mireille Tanaga", "Basil Okonjo"):
            assert _json(db, "links", sender, other)["direct"] == []
    # The body's names are still found and linked.
    assert _json(db, "links", "Mireille Tanaga", "Basil Okonjo")["direct"]
    # The quoted sender below the block is never taken for the message's sender.
    conn = sqlite3.connect(db)
    try:
        quoted = conn.execute("SELECT kind FROM mentions WHERE name = 'Lionel Brecht'").fetchall()
    finally:
        conn.close()
    assert ("header",) not in quoted
