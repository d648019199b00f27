"""Office readers (.docx, .xlsx, .csv), Outlook .msg, and email attachments.

All fixtures are fictional and built here; the .msg ones by tests/msgfixture.py.
"""

from __future__ import annotations

import hashlib
import io
import random
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import docx
import extract_msg
import openpyxl
import pytest

from tests.msgfixture import RECIPIENT_CC, RECIPIENT_TO, MsgSpec, build_msg
from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.mail import MAX_ATTACHMENTS, read_eml, read_mbox
from threadline.ingest.office import read_csv, read_docx, read_msg, read_xlsx, render_row
from threadline.model import Document

LIMITS = Limits()
Reader = Callable[[Path, bytes, Limits], ReadResult]


def only(result: ReadResult) -> Document:
    assert result.errors == []
    assert len(result.documents) == 1
    return result.documents[0]


# --- docx -------------------------------------------------------------------------------


def make_docx(*, title: str | None = "Harbour board minutes") -> bytes:
    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.core_properties.author = "Ilse Brandvold"
    document.core_properties.created = datetime(2019, 5, 17, 8, 0, 0)
    document.sections[0].header.paragraphs[0].text = "CONFIDENTIAL header text"
    document.sections[0].footer.paragraphs[0].text = "Page footer text"
    document.add_heading("Minutes of the harbour board", level=1)
    document.add_paragraph("Daniyar Kassenov opened the meeting.\nThe quorum was met.")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [
            ("Name", "Role", "Present"),
            ("Aigerim Zhunusova", "Treasurer", "yes"),
            ("Tomasz Wierzbicki", "", "no"),
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = document.add_table(rows=2, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Merged across two columns"
    merged.cell(0, 2).merge(merged.cell(1, 2)).text = "Merged down"
    merged.cell(1, 0).text = "Below"
    document.add_paragraph("The meeting closed at noon.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    data = make_docx()
    doc = only(read_docx(tmp_path / "minutes.docx", data, LIMITS))
    assert doc.text == (
        "Minutes of the harbour board\n\n"
        "Daniyar Kassenov opened the meeting.\nThe quorum was met.\n\n"
        "Name | Role | Present\nAigerim Zhunusova | Treasurer | yes\nTomasz Wierzbicki |  | no\n\n"
        "Merged across two columns | Merged down\nBelow\n\n"
        "The meeting closed at noon."
    )
    assert doc.format == "docx"
    assert doc.path == str(tmp_path / "minutes.docx")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.title == "Harbour board minutes"
    assert doc.date == "2019-05-17T08:00:00+00:00"
    assert doc.meta == {"author": "Ilse Brandvold"}


def test_docx_title_falls_back_to_first_line(tmp_path: Path) -> None:
    doc = only(read_docx(tmp_path / "minutes.docx", make_docx(title=None), LIMITS))
    assert doc.title == "Minutes of the harbour board"


def test_docx_without_text_is_unreadable(tmp_path: Path) -> None:
    out = io.BytesIO()
    docx.Document().save(out)
    with pytest.raises(UnreadableFile, match="no text"):
        read_docx(tmp_path / "blank.docx", out.getvalue(), LIMITS)


# --- xlsx -------------------------------------------------------------------------------


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    people = workbook.active
    assert people is not None
    people.title = "People"
    people.append([])  # a blank first row: the header is the first non-empty one
    people.append(["Name", "Position", None, "Year"])
    people.append(["Bolat Yessengeldin", "Minister", None, 2011])
    people.append(["Saule Abenova", None, "acting", 2013.0])
    people.append([None, None, None, None])
    people.append(["Rune Haldorsen", "Adviser", None, datetime(2015, 3, 1)])
    workbook.create_sheet("Empty")
    notes = workbook.create_sheet("Notes")
    notes.append(["Only a header naming Yerlan Dosmagambetov"])
    workbook.properties.title = "Appointments"
    workbook.properties.creator = "Nadia Ferreira-Lund"
    workbook.properties.created = datetime(2020, 1, 2, 3, 4, 5)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_rows_as_column_value_lines(tmp_path: Path) -> None:
    data = make_xlsx()
    doc = only(read_xlsx(tmp_path / "people.xlsx", data, LIMITS))
    assert doc.text == (
        "Sheet: People\n"
        "Name: Bolat Yessengeldin; Position: Minister; Year: 2011\n"
        "Name: Saule Abenova; Column C: acting; Year: 2013\n"
        "Name: Rune Haldorsen; Position: Adviser; Year: 2015-03-01\n\n"
        "Sheet: Notes\n"
        "Only a header naming Yerlan Dosmagambetov"
    )
    assert doc.format == "xlsx"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.title == "Appointments"
    assert doc.meta == {"author": "Nadia Ferreira-Lund"}
    assert doc.date == "2020-01-02T03:04:05+00:00"


def test_xlsx_row_limit_is_noted(tmp_path: Path) -> None:
    doc = only(read_xlsx(tmp_path / "people.xlsx", make_xlsx(), Limits(max_records_per_file=3)))
    assert doc.text == "Sheet: People\nName: Bolat Yessengeldin; Position: Minister; Year: 2011"
    assert doc.meta["truncated_after_rows"] == "3 (row limit)"


def test_xlsx_text_limit_stops_adding_rows(tmp_path: Path) -> None:
    doc = only(read_xlsx(tmp_path / "people.xlsx", make_xlsx(), Limits(max_text_chars=100)))
    assert doc.text == "Sheet: People\nName: Bolat Yessengeldin; Position: Minister; Year: 2011"
    assert doc.meta["truncated_after_rows"].endswith("(text limit)")


# --- csv --------------------------------------------------------------------------------


def test_render_row_names_unlabelled_columns_by_letter() -> None:
    assert render_row(["Name", "", "Year"], ["Ada", "x", ""]) == "Name: Ada; Column B: x"
    assert render_row(["Name"], ["Ada", "", "", "late"]) == "Name: Ada; Column D: late"


def test_csv_comma(tmp_path: Path) -> None:
    data = b'Name,Position,Year\n"Yessengeldin, Bolat",Minister,2011\n\nSaule Abenova,,2013\n'
    doc = only(read_csv(tmp_path / "people.csv", data, LIMITS))
    assert doc.text == (
        "Name: Yessengeldin, Bolat; Position: Minister; Year: 2011\nName: Saule Abenova; Year: 2013"
    )
    assert doc.format == "csv"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_csv_semicolons(tmp_path: Path) -> None:
    data = b"Name;Position;Year\r\nBolat Yessengeldin;Minister;2011\r\nSaule Abenova;Deputy;2013\r\n"
    doc = only(read_csv(tmp_path / "people.csv", data, LIMITS))
    assert doc.text == (
        "Name: Bolat Yessengeldin; Position: Minister; Year: 2011\n"
        "Name: Saule Abenova; Position: Deputy; Year: 2013"
    )


def test_csv_cp1251_cyrillic(tmp_path: Path) -> None:
    text = (
        "ФИО;Должность;Год\n"
        "Есенгельдин Болат Ержанович;министр финансов;2011\n"
        "Абенова Сауле Маратовна;заместитель министра;2013\n"
    )
    doc = only(read_csv(tmp_path / "people.csv", text.encode("cp1251"), LIMITS))
    assert doc.text == (
        "ФИО: Есенгельдин Болат Ержанович; Должность: министр финансов; Год: 2011\n"
        "ФИО: Абенова Сауле Маратовна; Должность: заместитель министра; Год: 2013"
    )


def test_csv_single_column_and_header_only(tmp_path: Path) -> None:
    single = b"names\nMireille Sauvage\nLionel Fairbairn\n"
    assert only(read_csv(tmp_path / "a.csv", single, LIMITS)).text == (
        "names: Mireille Sauvage\nnames: Lionel Fairbairn"
    )
    header_only = b"Mireille Sauvage,Lionel Fairbairn\n"
    assert (
        only(read_csv(tmp_path / "b.csv", header_only, LIMITS)).text == "Mireille Sauvage | Lionel Fairbairn"
    )


def test_csv_without_rows_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no rows"):
        read_csv(tmp_path / "empty.csv", b"\n , \n,,\n", LIMITS)


# --- email attachments ------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def eml_with_attachments(body: str = "Ilse,\n\nThe figures from Daniyar Kassenov are attached.\n") -> bytes:
    return (
        b"From: Ilse Brandvold <ilse@harrowgate.example>\n"
        b"To: Rune Haldorsen <rune@harrowgate.example>\n"
        b"Subject: Figures\n"
        b"Date: Tue, 14 Jun 2022 09:30:00 +0200\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="outer"\n\n'
        b"--outer\n"
        b'Content-Type: multipart/alternative; boundary="inner"\n\n'
        b"--inner\nContent-Type: text/plain; charset=utf-8\n\n" + body.encode() + b"\n"
        b"--inner\nContent-Type: text/html; charset=utf-8\n\n<p>HTML version</p>\n"
        b"--inner--\n"
        b"--outer\n"
        b'Content-Type: text/plain; charset=utf-8; name="notes.txt"\n'
        b'Content-Disposition: attachment; filename="notes.txt"\n\n'
        b"Attached notes about Saule Abenova.\n"
        b"--outer\n"
        b"Content-Type: application/pdf\n"
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: inline; filename="report.pdf"\n\n' + b64encode(PDF_BYTES) + b"\n"
        b"--outer--\n"
    )


def test_eml_attachments_are_returned_not_read_into_the_body(tmp_path: Path) -> None:
    path = tmp_path / "figures.eml"
    result = read_eml(path, eml_with_attachments(), LIMITS)
    doc = only(result)
    assert doc.text[doc.body_start :] == "Ilse,\n\nThe figures from Daniyar Kassenov are attached."
    assert [(a.parent, a.name) for a in result.attachments] == [
        (str(path), "notes.txt"),
        (str(path), "report.pdf"),
    ]
    # the line break before a MIME boundary belongs to the boundary
    assert result.attachments[0].data == b"Attached notes about Saule Abenova."
    assert result.attachments[1].data == PDF_BYTES


def test_mbox_attachments_belong_to_their_message(tmp_path: Path) -> None:
    plain = b"From: Ada <ada@a.example>\nTo: Bo <bo@b.example>\nSubject: one\n\nNothing attached.\n"
    data = b"From a Tue Jun 14 09:30:00 2022\n" + plain + b"\nFrom b Tue Jun 14 09:31:00 2022\n"
    data += eml_with_attachments() + b"\n"
    path = tmp_path / "box.mbox"
    result = read_mbox(path, data, LIMITS)
    assert result.errors == []
    assert len(result.documents) == 2
    assert {a.parent for a in result.attachments} == {f"{path}#2"}
    assert [a.name for a in result.attachments] == ["notes.txt", "report.pdf"]


def test_eml_attachment_edge_cases(tmp_path: Path) -> None:
    parts = [
        # undecodable base64 (a length no base64 text can have): skipped with an error
        b'Content-Type: application/pdf\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="cut.pdf"\n\nJVBERi0xLjQKa\n',
        # an attached message is one attachment, not descended into
        b"Content-Type: message/rfc822\n\nFrom: Cy <cy@c.example>\nSubject: inner\n\nForwarded text.\n",
        # an attachment without a file name gets one from its type
        b"Content-Type: application/pdf\nContent-Disposition: attachment\n\n%PDF-1.4\n",
        # an inline image without a name is part of the layout, not an attachment
        b"Content-Type: image/png\nContent-Disposition: inline\n\n\x89PNG\n",
    ]
    message = (
        b"From: Ada <ada@a.example>\nSubject: odd parts\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nSee attached.\n"
        + b"".join(b"--b\n" + part for part in parts)
        + b"--b--\n"
    )
    result = read_eml(tmp_path / "odd.eml", message, LIMITS)
    assert result.errors == ["attachment cut.pdf: payload could not be decoded"]
    assert [a.name for a in result.attachments] == ["attachment-3.eml", "attachment-4.pdf"]
    assert result.attachments[0].data.startswith(b"From: Cy <cy@c.example>")
    assert result.documents[0].text.endswith("\n\nSee attached.")


def test_eml_with_only_an_attachment_keeps_the_headers(tmp_path: Path) -> None:
    message = (
        b"From: Ada <ada@a.example>\nSubject: scan\n"
        b'Content-Type: application/pdf\nContent-Disposition: attachment; filename="scan.pdf"\n\n%PDF-1.4\n'
    )
    result = read_eml(tmp_path / "scan.eml", message, LIMITS)
    assert only(result).text == "From: Ada <ada@a.example>\nSubject: scan\n\n"
    assert [a.name for a in result.attachments] == ["scan.pdf"]


def test_eml_attachments_are_capped(tmp_path: Path) -> None:
    part = b'--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="x.bin"\n\nx\n'
    message = (
        b'From: a@example.org\nSubject: many\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nbody\n" + part * (MAX_ATTACHMENTS + 5) + b"--b--\n"
    )
    result = read_eml(tmp_path / "many.eml", message, LIMITS)
    assert len(result.attachments) == MAX_ATTACHMENTS
    assert result.errors == [f"more than {MAX_ATTACHMENTS} attachments; the rest were skipped"]


# --- msg --------------------------------------------------------------------------------

NOTES = b"Notes by Daniyar Kassenov.\n"


def ledger_msg() -> bytes:
    minutes = MsgSpec(
        subject="Minutes", body="Olzhas Nurlanov took the minutes.", sender_name="Olzhas Nurlanov"
    )
    return build_msg(
        MsgSpec(
            subject="Ledger for the audit",
            body="Dear Aigerim,\r\n\r\nDaniyar Kassenov will bring the ledger.\r\n\r\nRoswitha\r\n",
            sender_name="Roswitha Pelletier",
            sender_email="r.pelletier@kestrelmoor.example",
            display_to="Aigerim Zhunusova; Whitcombe, Ada",
            sent=datetime(2021, 3, 4, 10, 30, tzinfo=UTC),
            attachments=[("notes.txt", NOTES), ("report.pdf", PDF_BYTES)],
            embedded=[minutes],
        )
    )


def test_msg_fixture_is_a_real_outlook_message() -> None:
    message = extract_msg.openMsg(ledger_msg())
    try:
        assert message.classType == "IPM.Note"
        assert message.subject == "Ledger for the audit"
        assert message.sender == "Roswitha Pelletier <r.pelletier@kestrelmoor.example>"
        assert [a.longFilename for a in message.attachments[:2]] == ["notes.txt", "report.pdf"]
    finally:
        message.close()


def test_msg_renders_like_an_email(tmp_path: Path) -> None:
    data = ledger_msg()
    path = tmp_path / "ledger.msg"
    result = read_msg(path, data, LIMITS)
    doc = only(result)
    assert doc.text == (
        "From: Roswitha Pelletier <r.pelletier@kestrelmoor.example>\n"
        'To: Aigerim Zhunusova, "Whitcombe, Ada"\n'
        "Date: Thu, 04 Mar 2021 10:30:00 +0000\n"
        "Subject: Ledger for the audit\n\n"
        "Dear Aigerim,\n\nDaniyar Kassenov will bring the ledger.\n\nRoswitha"
    )
    assert doc.format == "email"
    assert doc.title == "Ledger for the audit"
    assert doc.date == "2021-03-04T10:30:00+00:00"
    assert doc.source == "kestrelmoor.example"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.text[doc.body_start :].startswith("Dear Aigerim,")
    people = [(h.field, h.name, h.address) for h in doc.headers]
    assert people == [
        ("from", "Roswitha Pelletier", "r.pelletier@kestrelmoor.example"),
        ("to", "Aigerim Zhunusova", None),
        ("to", "Whitcombe, Ada", None),
    ]
    for header in doc.headers:
        assert doc.text[header.span.start : header.span.end] == header.name
    assert [(a.parent, a.name) for a in result.attachments] == [
        (str(path), "notes.txt"),
        (str(path), "report.pdf"),
        (str(path), "Minutes.msg"),
    ]
    assert result.attachments[0].data == NOTES
    # the attached message comes out as a .msg file of its own
    inner = only(read_msg(tmp_path / "Minutes.msg", result.attachments[2].data, LIMITS))
    assert inner.text == "From: Olzhas Nurlanov\nSubject: Minutes\n\nOlzhas Nurlanov took the minutes."


def test_msg_recipients_html_body_and_transport_headers(tmp_path: Path) -> None:
    with_recipients = MsgSpec(
        subject="Site visit",
        body="Confirmed.",
        recipients=[
            (RECIPIENT_TO, "Lionel Fairbairn", "lionel@fairbairn.example"),
            (RECIPIENT_CC, "Mireille Sauvage", "m.sauvage@harrowgate.example"),
        ],
    )
    doc = only(read_msg(tmp_path / "a.msg", build_msg(with_recipients), LIMITS))
    assert doc.text.startswith(
        "To: Lionel Fairbairn <lionel@fairbairn.example>\nCc: Mireille Sauvage <m.sauvage@harrowgate.example>\n"
    )
    html_only = MsgSpec(
        html_body=b"<html><body><p>Hello <b>Bo</b>,</p><p>see you at the caf\xc3\xa9.</p></body></html>",
        transport_headers=(
            'From: "Whitcombe, Ada" <ada@harrowgate.example>\r\nTo: Bo Lindqvist <bo@example.org>\r\n'
            "Subject: =?utf-8?q?Caf=C3=A9?=\r\nDate: Tue, 14 Jun 2022 09:30:00 +0200\r\n\r\n"
        ),
    )
    doc = only(read_msg(tmp_path / "b.msg", build_msg(html_only), LIMITS))
    assert doc.text == (
        'From: "Whitcombe, Ada" <ada@harrowgate.example>\nTo: Bo Lindqvist <bo@example.org>\n'
        "Date: Tue, 14 Jun 2022 09:30:00 +0200\nSubject: Café\n\n"
        "Hello Bo,\n\nsee you at the café."
    )
    assert doc.date == "2022-06-14T09:30:00+02:00"
    assert [h.name for h in doc.headers] == ["Whitcombe, Ada", "Bo Lindqvist"]


def test_msg_without_any_text_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no text"):
        read_msg(tmp_path / "blank.msg", build_msg(MsgSpec()), LIMITS)


# --- garbage ----------------------------------------------------------------------------


def _valid(reader: Reader) -> bytes:
    makers: dict[Reader, Callable[[], bytes]] = {
        read_docx: make_docx,
        read_xlsx: make_xlsx,
        read_msg: ledger_msg,
        read_csv: lambda: b"Name;Year\nBolat Yessengeldin;2011\n",
    }
    return makers[reader]()


@pytest.mark.parametrize("reader", [read_docx, read_xlsx, read_csv, read_msg], ids=lambda r: r.__name__)
def test_garbage_is_unreadable(tmp_path: Path, reader: Reader) -> None:
    rng = random.Random(7)
    valid = _valid(reader)
    samples = [
        b"",
        bytes(rng.randrange(256) for _ in range(4096)),
        b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(4096)),  # looks like a zip
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(4096)),  # an OLE header
    ]
    if reader is not read_csv:  # a cut CSV is still a CSV
        samples += [valid[: len(valid) // 2], valid[:600]]
    for sample in samples:
        with pytest.raises(UnreadableFile):
            reader(tmp_path / "bad", sample, LIMITS)


def test_msg_reader_refuses_other_ole_files(tmp_path: Path) -> None:
    from extract_msg.ole_writer import OleWriter

    writer = OleWriter()
    writer.addEntry("WordDocument", b"\0" * 4096)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UnreadableFile, match="not an Outlook message"):
        read_msg(tmp_path / "old.msg", out.getvalue(), LIMITS)
