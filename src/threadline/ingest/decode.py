"""Bytes to text: BOMs, declared charsets, UTF-8, then a statistical guess; and binary detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# UTF-32 LE's BOM starts with UTF-16 LE's, so it must be tested first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WIDE_CODECS = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Browsers and mail clients read these labels as windows-1252 (WHATWG encoding spec): text
# labelled latin-1 is usually cp1252, with curly quotes in 0x80-0x9F.
_CP1252_ALIASES = frozenset({"ascii", "latin-1", "iso8859-1"})

# C0 controls other than tab/newline/vertical tab/form feed/carriage return, and DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
# The same in decoded text, plus C1 controls and the replacement character: a decoder that
# produced many of these was fed something that is not text.
_GARBAGE_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_SAMPLE = 65536
_MAX_GARBAGE_SHARE = 0.05
# Close enough to the best guess to count as a tie (charset-normalizer's own scales, 0..1).
_TIE = 0.01
# With fewer non-ASCII bytes than this, charset-normalizer's language coherence is noise
# (one "é" made it pick mac_latin2 over cp1252).
_THIN_EVIDENCE_BYTES = 32
_ASCII = bytes(range(0x80))


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
        b"x".decode(name, "ignore")  # rejects "base64", "rot13" and other non-text codecs
    except (LookupError, ValueError):
        return None
    return "cp1252" if name in _CP1252_ALIASES else name


def looks_binary(data: bytes) -> bool:
    """True when the leading bytes hold too many control bytes to be text in an 8-bit or UTF-8 encoding."""
    if bom_encoding(data) in ("utf-16", "utf-32"):
        return False  # NULs are expected there; the decoded text is checked instead
    sample = data[:_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _MAX_GARBAGE_SHARE * len(sample)


def looks_garbled(text: str) -> bool:
    """True when too much of the decoded text is control or replacement characters."""
    sample = text[:_SAMPLE]
    if not sample:
        return False
    return len(_GARBAGE_CHARS.findall(sample)) > _MAX_GARBAGE_SHARE * len(sample)


def decode_bytes(data: bytes, declared: str | None = None) -> str | None:
    """Decode ``data`` as well as can be told; None when no encoding makes it look like text.

    Order: BOM, a declared UTF-16/32, UTF-8 (valid multi-byte UTF-8 is almost never an
    accident), the declared charset, then charset-normalizer's guess.
    """
    bom = bom_encoding(data)
    if bom is not None:
        try:
            return data.decode(bom)
        except UnicodeDecodeError:
            pass
    codec = codec_name(declared)
    if codec in _WIDE_CODECS:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None and codec not in _WIDE_CODECS:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            if codec == "cp1252":
                return data.decode("latin-1")  # the five bytes cp1252 leaves undefined
    return guess_decode(data)


def guess_decode(data: bytes) -> str | None:
    """charset-normalizer's best guess, preferring windows-1252 among equally good candidates.

    On short Western European text charset-normalizer often ties several code pages and picks
    cp1250 or even cp1006, turning "Hélène" into "Hélčne"; cp1252 is by far the likeliest.
    """
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    thin_evidence = len(data.translate(None, _ASCII)) < _THIN_EVIDENCE_BYTES
    for match in matches:
        if (
            "cp1252" in match.could_be_from_charset
            and match.chaos <= best.chaos + _TIE
            and (thin_evidence or match.coherence >= best.coherence - _TIE)
        ):
            return data.decode("cp1252")
    return str(best)
