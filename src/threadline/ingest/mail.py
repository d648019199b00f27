"""Email: single .eml messages and .mbox mailboxes, rendered as a header block plus body.

The rendered header block is part of ``Document.text`` so that people named in From/To/Cc
have evidence offsets like any other mention.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import (
    Attachment,
    ReadResult,
    UnreadableFile,
    clip_text,
    container_result,
    normalise_newlines,
    sha256_hex,
)
from threadline.ingest.decode import codec_name, decode_bytes
from threadline.ingest.html import html_to_text
from threadline.model import Document, HeaderField, Span

# (header name, HeaderField.field / meta key)
_PEOPLE_HEADERS = (("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc"))
_MESSAGE_HEADERS = frozenset({"from", "to", "subject", "date"})
# Undecoded 8-bit header bytes come back from the parser as lone surrogates.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
_FOLDING = re.compile(r"\s*\n\s*")
_NEEDS_QUOTES = re.compile(r'[,;:<>@"()\[\]]')
# An mbox "From " separator carries an envelope sender and a time ("From - Tue Mar  3 10:00:00 2020");
# requiring the time keeps an unescaped "From here on..." body line from splitting a message.
_MBOX_SEPARATOR = re.compile(rb"^From \S+ [^\n]*\d{1,2}:\d{2}[^\n]*$", re.MULTILINE)
_MBOX_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
MAX_ATTACHMENTS = 100  # per message; the rest are skipped with an error


def read_eml(path: Path, data: bytes, limits: Limits) -> ReadResult:
    return parse_message(data, str(path), limits)


def read_mbox(path: Path, data: bytes, limits: Limits) -> ReadResult:
    result = ReadResult()
    for number, raw in enumerate(split_mbox(data), start=1):
        if number > limits.max_records_per_file:
            result.errors.append(f"more than {limits.max_records_per_file} messages; the rest were skipped")
            break
        try:
            message = parse_message(raw, f"{path}#{number}", limits)
        except UnreadableFile as exc:
            result.errors.append(f"message {number}: {exc.reason}")
            continue
        result.documents.extend(message.documents)
        result.attachments.extend(message.attachments)
        result.errors.extend(f"message {number}: {error}" for error in message.errors)
    return container_result(result, "messages")


def split_mbox(data: bytes) -> Iterator[bytes]:
    """Each message's bytes, without the separator line, unescaped, as it would be saved as .eml."""
    separators = list(_MBOX_SEPARATOR.finditer(data))
    if not separators:
        yield data  # a single message saved with the wrong suffix
        return
    preamble = data[: separators[0].start()]
    if preamble.strip():
        yield preamble
    for index, separator in enumerate(separators):
        start = separator.end() + 1
        end = separators[index + 1].start() if index + 1 < len(separators) else len(data)
        message = _MBOX_ESCAPED_FROM.sub(rb"\1", data[start:end])
        # The blank line before the next separator belongs to the mbox, not to the message.
        if message.endswith(b"\r\n\r\n"):
            message = message[:-2]
        elif message.endswith(b"\n\n"):
            message = message[:-1]
        yield message


def parse_message(raw: bytes, doc_path: str, limits: Limits) -> ReadResult:
    """One RFC 5322 message: its document, attachments and attachment errors.

    UnreadableFile when it has no headers, or neither a text body nor an attachment.
    """
    if not raw.strip():
        raise UnreadableFile("empty message")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = _first_headers(message)
    if not _MESSAGE_HEADERS & headers.keys():
        raise UnreadableFile("no message headers")
    body, body_parts = _body(message)
    result = ReadResult()
    result.attachments = _attachments(message, body_parts, doc_path, result.errors)
    if body is None and not result.attachments:
        raise UnreadableFile("no readable body")
    document = message_document(doc_path, sha256_hex(raw), message_headers(headers), body or "", limits)
    result.documents.append(document)
    return result


@dataclass(slots=True)
class MessageHeaders:
    """A message's header values, decoded and unfolded: what .eml and Outlook .msg have in common."""

    # "from" | "to" | "cc" | "bcc" -> (display name, address) pairs; either may be "".
    people: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # The address header as written, shown instead when no person could be taken from it
    # ("undisclosed-recipients:;").
    raw_people: dict[str, str] = field(default_factory=dict)
    date: str = ""  # as written
    iso_date: str | None = None
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""


def message_headers(headers: dict[str, str]) -> MessageHeaders:
    """Parse raw header values (lower-cased name -> first value) into MessageHeaders."""
    parsed = MessageHeaders(
        date=_unfold(headers.get("date", "")),
        iso_date=_iso_date(headers.get("date")),
        subject=_decode_encoded_words(headers.get("subject", "")),
        message_id=_unfold(headers.get("message-id", "")),
        in_reply_to=_unfold(headers.get("in-reply-to", "")),
    )
    for label, key in _PEOPLE_HEADERS:
        value = _unfold(headers.get(key, ""))
        if value:
            parsed.people[key] = _addresses(label, value)
            parsed.raw_people[key] = value
    return parsed


def headers_from_text(text: str) -> MessageHeaders:
    """MessageHeaders from a block of RFC 5322 header lines (an Outlook message's transport headers)."""
    return message_headers(_first_headers(HeaderParser(policy=policy.default).parsestr(text)))


def message_document(
    doc_path: str, sha256: str, headers: MessageHeaders, body: str, limits: Limits
) -> Document:
    """The email Document: the rendered header block, a blank line, then the body."""
    body = normalise_newlines(body).strip()
    rendered = _render_headers(headers)
    if not rendered.text and not body:
        raise UnreadableFile("no text")
    body_start = len(rendered.text) + 1
    meta = rendered.meta
    text = clip_text(f"{rendered.text}\n{body}", limits, meta)
    return Document(
        path=doc_path,
        sha256=sha256,
        text=text,
        title=headers.subject or None,
        date=headers.iso_date,
        source=rendered.sender_domain,
        format="email",
        body_start=min(body_start, len(text)),
        meta=meta,
        headers=[person for person in rendered.people if person.span.end <= len(text)],
    )


def _first_headers(message: EmailMessage) -> dict[str, str]:
    """Lower-cased header name -> its first value, with raw 8-bit bytes decoded."""
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in headers:
            headers[key] = _decode_escaped_bytes(str(value))
    return headers


def _decode_escaped_bytes(value: str) -> str:
    """Undo the parser's surrogate escaping of raw 8-bit header bytes (UTF-8, else windows-1252)."""

    def decode(run: re.Match[str]) -> str:
        raw = bytes(ord(char) - 0xDC00 for char in run.group())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", "replace")

    return _ESCAPED_BYTES.sub(decode, value)


@dataclass(slots=True)
class _RenderedHeaders:
    text: str = ""
    people: list[HeaderField] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    sender_domain: str | None = None


def _render_headers(headers: MessageHeaders) -> _RenderedHeaders:
    """The header lines ("From: Name <addr>", ...), recording where each person's name lands."""
    rendered = _RenderedHeaders()
    lines: list[str] = []
    offset = 0
    for label, key in _PEOPLE_HEADERS:
        addresses = headers.people.get(key, [])
        raw = headers.raw_people.get(key, "")
        if not addresses and not raw:
            continue
        line, people = _render_people(label, key, addresses, raw, offset)
        lines.append(line)
        rendered.people.extend(people)
        rendered.meta[key] = line[len(label) + 2 :]
        if key == "from" and people and people[0].address and "@" in people[0].address:
            rendered.sender_domain = people[0].address.rsplit("@", 1)[1].lower() or None
        offset += len(line) + 1
    if headers.date:
        lines.append(f"Date: {headers.date}")
    if headers.subject:
        lines.append(f"Subject: {headers.subject}")
        rendered.meta["subject"] = headers.subject
    if headers.message_id:
        rendered.meta["message_id"] = headers.message_id
    if headers.in_reply_to:
        rendered.meta["in_reply_to"] = headers.in_reply_to
    rendered.text = "".join(f"{line}\n" for line in lines)
    return rendered


def _render_people(
    label: str, key: str, addresses: list[tuple[str, str]], raw: str, offset: int
) -> tuple[str, list[HeaderField]]:
    """One address header line starting at ``offset`` in the text, and a HeaderField per person."""
    line = f"{label}: "
    people: list[HeaderField] = []
    for display_name, address in addresses:
        name = _unfold(display_name) or address
        if not name:
            continue
        if people:
            line += ", "
        quoted = bool(display_name) and _NEEDS_QUOTES.search(name) is not None
        if quoted:
            line += '"'
        start = offset + len(line)
        line += name
        people.append(
            HeaderField(field=key, name=name, address=address or None, span=Span(start, start + len(name)))
        )
        if quoted:
            line += '"'
        if display_name and address:
            line += f" <{address}>"
    if not people:  # "undisclosed-recipients:;" or unparseable: keep what was there
        line += _unfold(raw)
    return line, people


def _addresses(label: str, value: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; empty when the header cannot be parsed as addresses."""
    try:
        header = policy.default.header_factory(label, _unfold(value))
    except Exception:  # the stdlib header parser raises assorted errors on hostile input
        return []
    if not isinstance(header, AddressHeader):
        return []
    return [(address.display_name, address.addr_spec.strip("<>")) for address in header.addresses]


def _decode_encoded_words(value: str) -> str:
    """Decode RFC 2047 encoded words ("=?utf-8?q?...?=") in a free-text header."""
    if not value:
        return ""
    try:
        return _unfold(str(policy.default.header_factory("subject", _unfold(value))))
    except Exception:  # the stdlib header parser raises assorted errors on hostile input
        return _unfold(value)


def _unfold(value: str) -> str:
    return _FOLDING.sub(" ", value).strip()


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(_unfold(value)).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _body(message: EmailMessage) -> tuple[str | None, list[EmailMessage]]:
    """The text/plain body, else the text/html one as text, and the parts considered as body.

    None when the message has no text body part at all; "" for an empty one.
    """
    try:
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
    except Exception:  # malformed MIME trees can trip the stdlib walker
        plain = html = None
    parts = [part for part in (plain, html) if isinstance(part, EmailMessage)]
    if not parts:
        return None, []
    text = _part_text(plain) if isinstance(plain, EmailMessage) else ""
    if not text.strip() and isinstance(html, EmailMessage):
        text = html_to_text(_part_text(html))
    return text, parts


def _part_text(part: EmailMessage) -> str:
    """A MIME part's text; declared charsets are often wrong, so decoding falls back to guessing."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: nothing usable in this part
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    text = decode_bytes(payload, charset)
    if text is None:
        text = payload.decode(codec_name(charset) or "utf-8", "replace")
    return text


def _attachments(
    message: EmailMessage, body_parts: list[EmailMessage], parent: str, errors: list[str]
) -> list[Attachment]:
    """Attached files: parts marked as attachments or carrying a file name, and attached messages.

    Parts read as the body are left out so their text is not read twice.
    """
    found: list[Attachment] = []
    for number, part in enumerate(_leaf_parts(message), start=1):
        if any(part is body for body in body_parts):
            continue
        try:
            is_message = part.get_content_type() == "message/rfc822"
            disposition = part.get_content_disposition()
        except Exception:  # the stdlib header parser raises assorted errors on hostile input
            continue
        filename = _filename(part)
        if not (is_message or filename or disposition == "attachment"):
            continue
        name = filename or f"attachment-{number}{'.eml' if is_message else _extension(part)}"
        if len(found) == MAX_ATTACHMENTS:
            errors.append(f"more than {MAX_ATTACHMENTS} attachments; the rest were skipped")
            break
        data = _attached_message_bytes(part) if is_message else _attachment_bytes(part)
        if data is None:
            errors.append(f"attachment {name}: payload could not be decoded")
            continue
        found.append(Attachment(parent=parent, name=name, data=data))
    return found


def _leaf_parts(message: EmailMessage) -> Iterator[EmailMessage]:
    """Non-multipart parts in document order; an attached message is one part, not descended into."""
    stack = [message]
    while stack:
        part = stack.pop()
        if part.is_multipart() and (part is message or part.get_content_type() != "message/rfc822"):
            try:
                children = list(part.iter_parts())
            except Exception:  # a hostile MIME tree
                continue
            stack.extend(child for child in reversed(children) if isinstance(child, EmailMessage))
        else:
            yield part


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # the stdlib parameter parser raises assorted errors on hostile input
        return None
    if not isinstance(name, str):
        return None
    return _unfold(_decode_escaped_bytes(name)) or None


def _extension(part: EmailMessage) -> str:
    return mimetypes.guess_extension(part.get_content_type()) or ""


def _attachment_bytes(part: EmailMessage) -> bytes | None:
    """The decoded payload; None when it cannot be decoded (the parser then returns the raw text)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding
        return None
    if not isinstance(payload, bytes):
        return None
    if any(isinstance(defect, email_errors.InvalidBase64LengthDefect) for defect in part.defects):
        return None  # truncated base64: the parser hands back the undecoded text
    return payload


def _attached_message_bytes(part: EmailMessage) -> bytes | None:
    try:
        attached = part.get_payload(0)
        return attached.as_bytes() if isinstance(attached, EmailMessage) else None
    except Exception:  # re-serialising a malformed message can fail in the stdlib generator
        return None
