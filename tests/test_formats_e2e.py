"""Real archive formats end to end through the CLI: a scanned PDF, Office files, an Outlook
message and an email with attachments, nested archives and a zip bomb in one folder."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.msgfixture import MsgSpec, build_msg
from tests.pdf_fixtures import scanned_pdf, text_pdf
from tests.test_cli import run, run_json

pytestmark = pytest.mark.slow

ARTICLE_PAGE_1 = (
    "ASTANA, 12 May 2022. Former energy minister Daniyar Kassenov met the banker Aigerim Bekturova"
    " in Astana on Tuesday, according to two officials.\n"
    "Kassenov declined to comment on the meeting."
)
ARTICLE_PAGE_2 = (
    "Bekturova later said that Steppe Energy had paid 40 million tenge to a company controlled by"
    " Rustam Abenov. Abenov denied any wrongdoing."
)


def _docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("Memo for the board of Steppe Energy.")
    doc.add_paragraph("Madina Zhunusova approved the transfer after a call with Yerlan Sadykov.")
    doc.save(str(path))


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Position"])
    sheet.append(["Gulnara Ospanova", "Deputy Minister of Finance"])
    book.save(str(path))


def _eml_with_attachments(path: Path, pdf: bytes) -> None:
    message = EmailMessage()
    message["From"] = "Nurlan Amirov <nurlan@example.org>"
    message["To"] = "Saule Kenzhebayeva <saule@example.org>"
    message["Subject"] = "Documents for the audit"
    message["Date"] = "Mon, 3 May 2021 10:00:00 +0000"
    message.set_content("Saule, the audit papers are attached. Regards, Nurlan Amirov")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="audit.pdf")
    notes = io.BytesIO()
    with zipfile.ZipFile(notes, "w") as z:
        z.writestr("notes.txt", "Arman Tulegenov signed the audit letter in Geneva.")
    message.add_attachment(notes.getvalue(), maintype="application", subtype="zip", filename="notes.zip")
    path.write_bytes(bytes(message))


def _archives(folder: Path) -> None:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as t:
        payload = b"Timur Abenov flew to Riga with Madina Zhunusova."
        info = tarfile.TarInfo("trip/report.txt")
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    with zipfile.ZipFile(folder / "leak.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2021/inner.tar.gz", inner.getvalue())
        z.writestr("../../escape.txt", "Daniyar Kassenov escaped the archive.")
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", b"\0" * (64 * 1024 * 1024))


@pytest.fixture(scope="module")
def formats_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("formats")
    scanned_pdf(folder / "scan.pdf", [ARTICLE_PAGE_1, ARTICLE_PAGE_2])
    _docx(folder / "memo.docx")
    _xlsx(folder / "officials.xlsx")
    (folder / "payments.csv").write_text("payer;payee\nSteppe Energy;Yerlan Sadykov\n")
    audit = text_pdf(
        folder / "_audit.pdf", ["Audit of Altyn Bank.", "Signed by Arman Tulegenov."]
    ).read_bytes()
    (folder / "_audit.pdf").unlink()
    _eml_with_attachments(folder / "audit.eml", audit)
    spec = MsgSpec(
        subject="Visit",
        body="Dear Gulnara Ospanova, Nurlan Amirov will visit Vienna next week.",
        sender_name="Yerlan Sadykov",
        sender_email="yerlan@example.org",
        display_to="Gulnara Ospanova",
        sent=datetime(2021, 6, 1, 9, 30, tzinfo=UTC),
    )
    (folder / "visit.msg").write_bytes(build_msg(spec))
    _archives(folder)
    db = tmp_path_factory.mktemp("formats-db") / "formats.db"
    report = json.loads(run(db, "ingest", str(folder), "--json").stdout)
    assert report["files_seen"] == 8, report
    assert report["ocr_pages"] == 2
    return db, folder


def _entity(db: Path, name: str) -> dict[str, Any]:
    return run_json(db, "show", name)  # type: ignore[no-any-return]


def test_scanned_pdf_people_are_found_with_page_numbers(formats_db: tuple[Path, Path]) -> None:
    db, folder = formats_db
    kassenov = _entity(db, "Daniyar Kassenov")
    docs = {d["path"] for d in kassenov["documents"]}
    assert str(folder / "scan.pdf") in docs
    bekturova = next(c for c in kassenov["connections"] if c["name"] == "Aigerim Bekturova")
    (evidence,) = [e for e in bekturova["evidence"] if e["path"].endswith("scan.pdf")]
    assert evidence["page"] == 1
    abenov = _entity(db, "Rustam Abenov")
    pages = {
        e["page"] for c in abenov["connections"] for e in c["evidence"] if e["path"].endswith("scan.pdf")
    }
    assert pages == {2}
    # Offsets still slice the stored text exactly.
    conn = sqlite3.connect(db)
    (text,) = conn.execute("SELECT text FROM documents WHERE path = ?", (evidence["path"],)).fetchone()
    assert text[evidence["start"] : evidence["end"]] == evidence["sentence"]


def test_office_and_outlook_documents_are_read(formats_db: tuple[Path, Path]) -> None:
    db, folder = formats_db
    people = {p["name"]: p for p in run_json(db, "entities", "--type", "person", "--limit", "100")}
    assert {"Madina Zhunusova", "Gulnara Ospanova", "Yerlan Sadykov", "Nurlan Amirov"} <= set(people)
    sadykov = _entity(db, "Yerlan Sadykov")
    paths = {d["path"] for d in sadykov["documents"]}
    assert {str(folder / "memo.docx"), str(folder / "visit.msg")} <= paths


def test_attachments_are_child_documents(formats_db: tuple[Path, Path]) -> None:
    db, folder = formats_db
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("SELECT path, parent_path FROM documents WHERE parent_path IS NOT NULL"))
    parent = str(folder / "audit.eml")
    assert rows == {f"{parent}!/audit.pdf": parent, f"{parent}!/notes.zip!/notes.txt": parent}
    tulegenov = _entity(db, "Arman Tulegenov")
    assert {f"{parent}!/audit.pdf", f"{parent}!/notes.zip!/notes.txt"} <= {
        d["path"] for d in tulegenov["documents"]
    }


def test_archive_members_nested_paths_and_refusals(formats_db: tuple[Path, Path]) -> None:
    db, folder = formats_db
    member = f"{folder / 'leak.zip'}!/2021/inner.tar.gz!/trip/report.txt"
    timur = _entity(db, "Timur Abenov")
    assert member in {d["path"] for d in timur["documents"]}
    errors = {e["path"]: e["reason"] for e in run_json(db, "errors")}
    escape = [p for p in errors if p.startswith(f"{folder / 'leak.zip'}!/")]
    assert escape and "unsafe" in errors[escape[0]]
    bomb = [r for p, r in errors.items() if p.startswith(str(folder / "bomb.zip"))]
    assert bomb and any("ratio" in r for r in bomb), errors
    # Nothing of the escaping member was read.
    assert "escaped the archive" not in json.dumps(run_json(db, "search", "escaped"))
