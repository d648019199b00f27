"""Office files (Word .docx, Excel .xlsx, .csv) and Outlook .msg messages.

Spreadsheet and CSV rows become one line each, "Column: value; Column: value", so a name keeps
the column that says what it is ("Position: Minister") in the same sentence.

The parsing libraries are imported inside the readers: together they take about a second to
import, which a run without such files should not pay.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from threadline.config import Limits
from threadline.ingest.base import (
    Attachment,
    ReadResult,
    UnreadableFile,
    clip_text,
    first_line_title,
    normalise_newlines,
    sha256_hex,
)
from threadline.ingest.dates import normalise_date
from threadline.ingest.html import decode_html, html_to_text
from threadline.ingest.mail import MAX_ATTACHMENTS, MessageHeaders, headers_from_text, message_document
from threadline.ingest.text import decode_text_file
from threadline.model import Document

_CORE_PROPERTIES = "docProps/core.xml"
_MAX_CORE_PROPERTIES_BYTES = 1024 * 1024
_CORE_NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
_WORD_NAMESPACE = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPH = f"{_WORD_NAMESPACE}p"
_TABLE = f"{_WORD_NAMESPACE}tbl"
_CONTENT_CONTROL = f"{_WORD_NAMESPACE}sdt"
_CONTENT_CONTROL_BODY = f"{_WORD_NAMESPACE}sdtContent"
# Spreadsheet cells read per workbook: openpyxl pads every row to the sheet's declared width, so
# a sheet claiming 16384 columns costs that per row even when empty.
_MAX_CELLS = 10_000_000
_CSV_SNIFF_CHARS = 64 * 1024
_CSV_DELIMITERS = ",;\t|"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MIN_OLE_BYTES = 1536  # header plus one FAT and one directory sector
# Names of MAPI string properties (extract-msg adds the type suffix itself).
_SENDER_NAMES = ("__substg1.0_0C1A", "__substg1.0_0042")  # sender, sent-representing
_SENDER_ADDRESSES = ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_5D02", "__substg1.0_0065")
# Display-only recipient lists ("Ada Whitcombe; Lionel Fairbairn"), used when there are no
# recipient objects.
_DISPLAY_RECIPIENTS = {"to": "__substg1.0_0E04", "cc": "__substg1.0_0E03", "bcc": "__substg1.0_0E02"}
_RECIPIENT_KINDS = {1: "to", 2: "cc", 3: "bcc"}  # extract_msg.enums.RecipientType values
_LAST_PLAUSIBLE_YEAR = 2200  # MAPI writes 4500-12-31 for "no date"


# --- Word -------------------------------------------------------------------------------


def read_docx(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """Body paragraphs and tables in document order; headers, footers and images are skipped."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    archive = _open_zip(data, "a Word document", limits)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for element in _body_blocks(document.element.body):
            if element.tag == _PARAGRAPH:
                text = Paragraph(element, document).text.strip()
            else:
                text = _table_text(Table(element, document))
            if text:
                blocks.append(text)
    except Exception as exc:  # python-docx and lxml raise assorted errors on malformed files
        raise UnreadableFile(f"not a Word document: {_short(exc)}") from None
    text = normalise_newlines("\n\n".join(blocks))
    if not text.strip():
        raise UnreadableFile("no text")
    properties = _core_properties(archive)
    meta = {"author": properties.author} if properties.author else {}
    return ReadResult(
        [
            Document(
                path=str(path),
                sha256=sha256_hex(data),
                text=clip_text(text, limits, meta),
                title=properties.title or first_line_title(text),
                date=properties.created,
                format="docx",
                meta=meta,
            )
        ]
    )


def _body_blocks(body: Any) -> Iterator[Any]:
    """Paragraph and table elements of the body in order, including those in content controls."""
    for child in body.iterchildren():
        if child.tag in (_PARAGRAPH, _TABLE):
            yield child
        elif child.tag == _CONTENT_CONTROL:
            for content in child.iterchildren(_CONTENT_CONTROL_BODY):
                yield from _body_blocks(content)


def _table_text(table: Any) -> str:
    """One line per row, cells joined by " | "; a merged cell's text is written once."""
    # python-docx repeats a merged cell for every grid column and row it spans: a repeat within
    # a row is dropped, one in a later row left empty so the columns stay aligned. Holding the
    # cell elements keeps lxml handing back the same objects, so identity comparisons hold.
    earlier_rows: set[Any] = set()
    lines = []
    for row in table.rows:
        cells: list[str] = []
        this_row: list[Any] = []
        for cell in row.cells:
            element = cell._tc
            if this_row and element is this_row[-1]:
                continue
            this_row.append(element)
            cells.append("" if element in earlier_rows else _clean_cell(cell.text))
        earlier_rows.update(this_row)
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append(" | ".join(cells))
    return "\n".join(lines)


# --- Excel and CSV ----------------------------------------------------------------------


def read_xlsx(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """One document per workbook: a "Sheet: <name>" line, then one line per row."""
    import openpyxl

    archive = _open_zip(data, "an Excel workbook", limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises assorted errors on malformed files
        raise UnreadableFile(f"not an Excel workbook: {_short(exc)}") from None
    result = ReadResult()
    budget = _Budget(chars=limits.max_text_chars, rows=limits.max_records_per_file, cells=_MAX_CELLS)
    sheets: list[str] = []
    try:
        for sheet in workbook.worksheets:
            if budget.exhausted:
                break
            name = str(sheet.title)
            try:
                lines = _table_lines(_sheet_rows(sheet.iter_rows(values_only=True), budget), budget)
            except Exception as exc:  # a malformed sheet; the others may still be fine
                result.errors.append(f"sheet {name}: {_short(exc)}")
                continue
            if lines:
                sheets.append("\n".join([f"Sheet: {name}", *lines]))
    finally:
        workbook.close()
    text = "\n\n".join(sheets)
    if not text:
        raise UnreadableFile(f"no text ({result.errors[0]})" if result.errors else "no text")
    properties = _core_properties(archive)
    meta = {"author": properties.author} if properties.author else {}
    budget.note(meta)
    result.documents.append(
        Document(
            path=str(path),
            sha256=sha256_hex(data),
            text=clip_text(text, limits, meta),
            title=properties.title,
            date=properties.created,
            format="xlsx",
            meta=meta,
        )
    )
    return result


def read_csv(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """One document per file: the first non-empty row names the columns, then one line per row."""
    text = decode_text_file(data)
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(text[:_CSV_SNIFF_CHARS], delimiters=_CSV_DELIMITERS)
    except csv.Error:  # one column, or nothing regular enough to tell
        dialect = csv.excel
    result = ReadResult()
    budget = _Budget(chars=limits.max_text_chars, rows=limits.max_records_per_file, cells=_MAX_CELLS)
    rows = _csv_rows(csv.reader(io.StringIO(text), dialect), result.errors)
    lines = _table_lines(_cleaned_rows(rows, budget), budget)
    if not lines:
        raise UnreadableFile("no rows")
    meta: dict[str, str] = {}
    budget.note(meta)
    result.documents.append(
        Document(
            path=str(path),
            sha256=sha256_hex(data),
            text=clip_text("\n".join(lines), limits, meta),
            format="csv",
            meta=meta,
        )
    )
    return result


def render_row(columns: Sequence[str], values: Sequence[str]) -> str:
    """One row as "Name: Bolat Yessengeldin; Position: Minister", from its non-empty cells.

    A cell under an empty header is named by its spreadsheet column ("Column C").
    """
    parts = []
    for index, value in enumerate(values):
        if not value:
            continue
        column = columns[index] if index < len(columns) and columns[index] else f"Column {_letter(index)}"
        parts.append(f"{column}: {value}")
    return "; ".join(parts)


@dataclass(slots=True)
class _Budget:
    """What is left of the limits while reading rows; ``stopped`` says which one ran out."""

    chars: int
    rows: int
    cells: int
    stopped: str | None = None
    rows_read: int = 0

    @property
    def exhausted(self) -> bool:
        return self.stopped is not None

    def note(self, meta: dict[str, str]) -> None:
        if self.stopped is not None:
            meta["truncated_after_rows"] = f"{self.rows_read} ({self.stopped} limit)"


def _table_lines(rows: Iterable[list[str]], budget: _Budget) -> list[str]:
    """Rendered rows of one table (sheet or CSV) within the budget; the first non-empty row is the header."""
    columns: list[str] | None = None
    lines: list[str] = []
    for row in rows:
        if not any(row):
            continue
        if columns is None:
            columns = row
            continue
        line = render_row(columns, row)
        if len(line) + 1 > budget.chars:
            budget.stopped = "text"
            break
        budget.chars -= len(line) + 1
        lines.append(line)
    if columns is not None and not lines and not budget.exhausted:
        # Only a header row: its text is all there is, and may still name people.
        lines.append(" | ".join(cell for cell in columns if cell))
        budget.chars -= len(lines[0]) + 1
    return lines


def _sheet_rows(rows: Iterable[Sequence[object]], budget: _Budget) -> Iterator[list[str]]:
    return _cleaned_rows(([_value_text(value) for value in row] for row in rows), budget)


def _cleaned_rows(rows: Iterable[list[str]], budget: _Budget) -> Iterator[list[str]]:
    """Rows with whitespace-collapsed cells, trailing empty cells dropped, until the row or cell limit."""
    for row in rows:
        if budget.exhausted:
            return
        if budget.rows <= 0:
            budget.stopped = "row"
            return
        budget.cells -= len(row)
        if budget.cells < 0:
            budget.stopped = "cell"
            return
        budget.rows -= 1
        budget.rows_read += 1
        cleaned = [_clean_cell(cell) for cell in row]
        while cleaned and not cleaned[-1]:
            cleaned.pop()
        yield cleaned


def _csv_rows(reader: Iterator[list[str]], errors: list[str]) -> Iterator[list[str]]:
    """The reader's rows, stopping (with an error) at the first one it cannot parse."""
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # an oversized field or a NUL; the rows before it stand
            errors.append(f"row {count + 1}: {_short(exc)}; the rest of the file was skipped")
            return
        count += 1
        yield row


def _value_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # "2011", not "2011.0"
    return str(value)


def _clean_cell(text: str) -> str:
    return " ".join(text.split())


def _letter(index: int) -> str:
    """Spreadsheet column letters for a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --- Office metadata --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CoreProperties:
    title: str | None = None
    author: str | None = None
    created: str | None = None


def _open_zip(data: bytes, what: str, limits: Limits) -> zipfile.ZipFile:
    """The Office file's zip container, refused when it would unpack to more than the archive limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises assorted errors on garbage
        raise UnreadableFile(f"not {what}: {_short(exc)}") from None
    if unpacked > limits.max_archive_bytes:
        raise UnreadableFile(f"not read: unpacks to {unpacked} bytes")
    return archive


def _core_properties(archive: zipfile.ZipFile) -> _CoreProperties:
    """Title, author and creation date from docProps/core.xml.

    Read directly because python-docx and openpyxl invent values when the part or a field is
    missing (title "Word Document", creator "openpyxl", created "now").
    """
    try:
        info = archive.getinfo(_CORE_PROPERTIES)
        if info.file_size > _MAX_CORE_PROPERTIES_BYTES:
            return _CoreProperties()
        root = ElementTree.fromstring(archive.read(info))
    except Exception:  # missing or malformed metadata is not worth losing the document over
        return _CoreProperties()

    def field(name: str) -> str | None:
        element = root.find(name, _CORE_NAMESPACES)
        value = _clean_cell(element.text or "") if element is not None else ""
        return value or None

    created = field("dcterms:created")
    return _CoreProperties(
        title=field("dc:title"),
        author=field("dc:creator"),
        created=normalise_date(created) if created else None,
    )


# --- Outlook ----------------------------------------------------------------------------


def read_msg(path: Path, data: bytes, limits: Limits) -> ReadResult:
    """An Outlook message rendered like an .eml (header block, then body), with its attachments."""
    import extract_msg
    from extract_msg.enums import ErrorBehavior
    from extract_msg.msg_classes import MessageBase

    if len(data) < _MIN_OLE_BYTES or not data.startswith(_OLE_MAGIC):
        raise UnreadableFile("not an Outlook message: not an OLE compound file")
    # Tolerate broken attachments, RTF and minor standard violations rather than losing the message.
    tolerant = (
        ErrorBehavior.ATTACH_SUPPRESS_ALL
        | ErrorBehavior.RTFDE
        | ErrorBehavior.STANDARDS_VIOLATION
        | ErrorBehavior.NAMED_NAME_STREAM
    )
    try:
        # Bytes this long are taken as file content by olefile, never as a file name.
        msg = extract_msg.openMsg(data, delayAttachments=True, errorBehavior=tolerant)
    except Exception as exc:  # extract-msg and olefile raise assorted errors on malformed files
        raise UnreadableFile(f"not an Outlook message: {_short(exc)}") from None
    try:
        if not isinstance(msg, MessageBase):
            raise UnreadableFile(f"not an Outlook message: item of class {msg.classType}")
        result = ReadResult()
        headers = _msg_headers(msg)
        document = message_document(str(path), sha256_hex(data), headers, _msg_body(msg), limits)
        result.documents.append(document)
        result.attachments = _msg_attachments(msg, document.path, result.errors)
        return result
    except UnreadableFile:
        raise
    except Exception as exc:  # a property stream extract-msg cannot make sense of
        raise UnreadableFile(f"not an Outlook message: {_short(exc)}") from None
    finally:
        msg.close()  # releases the OLE file


def _msg_headers(msg: Any) -> MessageHeaders:
    """Transport headers when the message kept them; MAPI properties fill whatever they lack."""
    transport = _string(msg, "__substg1.0_007D")
    headers = headers_from_text(transport) if transport else MessageHeaders()
    if "from" not in headers.raw_people:
        sender = _msg_sender(msg)
        if sender is not None:
            headers.people["from"] = [sender]
            headers.raw_people["from"] = sender[0] or sender[1]
    recipients = _msg_recipients(msg)
    for kind in ("to", "cc", "bcc"):
        if kind in headers.raw_people:
            continue
        people = recipients.get(kind) or [
            (name.strip(), "") for name in (_string(msg, _DISPLAY_RECIPIENTS[kind]) or "").split(";")
        ]
        people = [person for person in people if person[0] or person[1]]
        if people:
            headers.people[kind] = people
            headers.raw_people[kind] = ", ".join(name or address for name, address in people)
    if not headers.subject:
        headers.subject = _clean_cell(_string(msg, "__substg1.0_0037") or "")
    if not headers.date:
        sent = _msg_date(msg)
        if sent is not None:
            headers.date = format_datetime(sent)
            headers.iso_date = sent.isoformat()
    headers.message_id = headers.message_id or (_string(msg, "__substg1.0_1035") or "").strip()
    headers.in_reply_to = headers.in_reply_to or (_string(msg, "__substg1.0_1042") or "").strip()
    return headers


def _msg_sender(msg: Any) -> tuple[str, str] | None:
    name = next((value for key in _SENDER_NAMES if (value := _string(msg, key))), "")
    # Exchange senders often carry an X.500 path ("/O=EXCHANGELABS/...") instead of an address.
    address = next((value for key in _SENDER_ADDRESSES if "@" in (value := _string(msg, key) or "")), "")
    name, address = _clean_cell(name), address.strip()
    return (name, address) if name or address else None


def _msg_recipients(msg: Any) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for recipient in msg.recipients:
        kind = _RECIPIENT_KINDS.get(int(recipient.type))
        if kind is None:
            continue
        address = recipient.email if isinstance(recipient.email, str) and "@" in recipient.email else ""
        name = _clean_cell(recipient.name) if isinstance(recipient.name, str) else ""
        found.setdefault(kind, []).append((name, address.strip()))
    return found


def _msg_date(msg: Any) -> datetime | None:
    """When it was sent, else when it was received."""
    for value in (msg.date, msg.receivedTime):
        if isinstance(value, datetime) and value.year < _LAST_PLAUSIBLE_YEAR:
            return value
    return None


def _msg_body(msg: Any) -> str:
    """The plain-text body, else the HTML body as text; "" when neither can be had."""
    try:
        body = msg.body
    except Exception:  # a broken RTF body that extract-msg tried to convert
        body = None
    if isinstance(body, str) and body.strip():
        return body
    try:
        markup = msg.htmlBody
    except Exception:  # as above
        return ""
    if isinstance(markup, str):
        return html_to_text(markup)
    if isinstance(markup, bytes) and markup.strip():
        try:
            return html_to_text(decode_html(markup))
        except UnreadableFile:
            return ""
    return ""


def _msg_attachments(msg: Any, parent: str, errors: list[str]) -> list[Attachment]:
    from extract_msg.enums import AttachmentType
    from extract_msg.msg_classes import MSGFile

    try:
        attachments = list(msg.attachments)
    except Exception as exc:  # a broken attachment table: the message itself is still read
        errors.append(f"attachments not read: {_short(exc)}")
        return []
    found: list[Attachment] = []
    for number, attachment in enumerate(attachments, start=1):
        if len(found) == MAX_ATTACHMENTS:
            errors.append(f"more than {MAX_ATTACHMENTS} attachments; the rest were skipped")
            break
        try:
            data = attachment.data
            if isinstance(data, bytes):
                name = attachment.longFilename or attachment.shortFilename or attachment.displayName
                found.append(Attachment(parent, _attachment_name(attachment, name, number), data))
            elif isinstance(data, MSGFile):
                # An attached Outlook message: written back out as a .msg of its own so the
                # dispatcher reads it like any other attachment.
                name = attachment.displayName or _string(data, "__substg1.0_0037") or f"message-{number}"
                name = name if name.lower().endswith(".msg") else f"{name}.msg"
                found.append(Attachment(parent, name, data.exportBytes(allowBadEmbed=True)))
            elif attachment.type != AttachmentType.WEB:  # a link to a web resource has nothing to read
                errors.append(f"attachment {number}: unsupported kind of attachment ({attachment.type.name})")
        except Exception as exc:  # a broken attachment costs itself, not the message
            errors.append(f"attachment {number}: {_short(exc)}")
    return found


def _attachment_name(attachment: Any, name: str | None, number: int) -> str:
    """The sender's file name, given an extension from the MIME type when it has none."""
    name = (name or "").strip() or f"attachment-{number}"
    if "." not in name:
        mime_type = _string(attachment, "__substg1.0_370E")
        name += (mimetypes.guess_extension(mime_type.strip()) or "") if mime_type else ""
    return name


def _string(item: Any, stream: str) -> str | None:
    """A MAPI string property of a message or attachment; None when absent or unreadable."""
    try:
        value = item.getStringStream(stream)
    except Exception:  # an undecodable stream
        return None
    return value.replace("\x00", "") if isinstance(value, str) else None


def _short(exc: BaseException) -> str:
    """A one-line reason for an exception from a parsing library."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
