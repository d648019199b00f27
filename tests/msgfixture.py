"""Build small Outlook .msg files for tests.

extract-msg only reads .msg files, but it ships an OLE compound-file writer (used to export
embedded messages); this lays out the MAPI streams and property tables of [MS-OXMSG] on it.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from extract_msg.ole_writer import OleWriter

PT_LONG = 0x0003
PT_SYSTIME = 0x0040
PT_UNICODE = 0x001F
PT_BINARY = 0x0102
PT_OBJECT = 0x000D
_FLAGS = 0x6  # readable | writable
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
ATTACH_BY_VALUE = 1
ATTACH_EMBEDDED_MSG = 5
RECIPIENT_TO, RECIPIENT_CC = 1, 2


@dataclass
class MsgSpec:
    """What goes into a fixture message; empty fields are left out of the file."""

    subject: str = ""
    body: str = ""
    html_body: bytes = b""
    sender_name: str = ""
    sender_email: str = ""
    display_to: str = ""
    recipients: list[tuple[int, str, str]] = field(default_factory=list)  # (kind, name, address)
    sent: datetime | None = None
    transport_headers: str = ""
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, data)
    embedded: list[MsgSpec] = field(default_factory=list)  # attached Outlook messages


def build_msg(spec: MsgSpec) -> bytes:
    writer = OleWriter()
    _add_message(writer, "", spec, embedded=False)
    # Named-property mapping: required by the format, empty since no named property is used.
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_message(writer: OleWriter, prefix: str, spec: MsgSpec, *, embedded: bool) -> None:
    props = _Properties(writer, prefix)
    props.string(0x001A, "IPM.Note")
    for prop_id, value in (
        (0x0037, spec.subject),
        (0x1000, spec.body),
        (0x0C1A, spec.sender_name),
        (0x5D01, spec.sender_email),
        (0x0E04, spec.display_to),
        (0x007D, spec.transport_headers),
    ):
        if value:
            props.string(prop_id, value)
    if spec.html_body:
        props.binary(0x1013, spec.html_body)
    if spec.sent is not None:
        props.fixed(0x0039, PT_SYSTIME, struct.pack("<Q", _filetime(spec.sent)))
    for number, (kind, name, address) in enumerate(spec.recipients):
        recipient = _Properties(writer, f"{prefix}__recip_version1.0_#{number:08X}/", storage=True)
        recipient.fixed(0x0C15, PT_LONG, struct.pack("<I4x", kind))
        recipient.string(0x3001, name)
        recipient.string(0x39FE, address)
        recipient.write(b"\0" * 8)
    attachments = 0
    for name, data in spec.attachments:
        attachment = _Properties(writer, f"{prefix}__attach_version1.0_#{attachments:08X}/", storage=True)
        attachment.fixed(0x3705, PT_LONG, struct.pack("<I4x", ATTACH_BY_VALUE))
        attachment.string(0x3707, name)
        attachment.binary(0x3701, data)
        attachment.write(b"\0" * 8)
        attachments += 1
    for inner in spec.embedded:
        path = f"{prefix}__attach_version1.0_#{attachments:08X}/"
        attachment = _Properties(writer, path, storage=True)
        attachment.fixed(0x3705, PT_LONG, struct.pack("<I4x", ATTACH_EMBEDDED_MSG))
        writer.addEntry(f"{path}__substg1.0_3701000D", storage=True)
        _add_message(writer, f"{path}__substg1.0_3701000D/", inner, embedded=True)
        attachment.write(b"\0" * 8)
        attachments += 1
    counts = (len(spec.recipients), attachments, len(spec.recipients), attachments)
    # Top-level header: reserved, next recipient id, next attachment id, counts, reserved;
    # an embedded message's header lacks the final reserved 8 bytes.
    header = struct.pack("<8xIIII", *counts) + (b"" if embedded else b"\0" * 8)
    props.write(header)


class _Properties:
    """Streams of one message, recipient or attachment object, and its property table."""

    def __init__(self, writer: OleWriter, prefix: str, *, storage: bool = False) -> None:
        self.writer = writer
        self.prefix = prefix
        self.entries: list[bytes] = []
        if storage:
            writer.addEntry(prefix.rstrip("/"), storage=True)

    def string(self, prop_id: int, value: str) -> None:
        data = value.encode("utf-16-le")
        self._stream(prop_id, PT_UNICODE, data, len(data) + 2)

    def binary(self, prop_id: int, data: bytes) -> None:
        self._stream(prop_id, PT_BINARY, data, len(data))

    def fixed(self, prop_id: int, prop_type: int, value: bytes) -> None:
        self.entries.append(struct.pack("<II", prop_id << 16 | prop_type, _FLAGS) + value)

    def write(self, header: bytes) -> None:
        self.writer.addEntry(f"{self.prefix}__properties_version1.0", header + b"".join(self.entries))

    def _stream(self, prop_id: int, prop_type: int, data: bytes, size: int) -> None:
        self.writer.addEntry(f"{self.prefix}__substg1.0_{prop_id:04X}{prop_type:04X}", data)
        self.fixed(prop_id, prop_type, struct.pack("<I4x", size))


def _filetime(moment: datetime) -> int:
    return int((moment - _FILETIME_EPOCH).total_seconds() * 10_000_000)
