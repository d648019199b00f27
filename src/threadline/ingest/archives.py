"""Expand zip and tar archives in memory, member by member, within the archive limits.

Nothing is written to disk: members come back as bytes under a virtual path
("<archive>!/<member>", chained for nested archives). Everything an archive can lie about
(names, sizes, compression ratio, member count, nesting) is checked against ``Limits`` while
decompressing. A bad member costs only that member; a damaged stream, the rest of its archive.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, cast

from threadline.config import Limits

ARCHIVE_SUFFIXES: tuple[str, ...] = (".zip", ".tar", ".tar.gz", ".tgz")

_CHUNK = 1024 * 1024
# Below this a member's compression ratio is not checked: small text compresses very well.
_RATIO_FLOOR = 1024 * 1024
# Pax and GNU long-name headers are read whole by tarfile, so their size is capped here.
_MAX_TAR_HEADER_BYTES = 4 * 1024 * 1024
# zipfile loads the whole central directory; legitimate entries take well under this each.
_MAX_ZIP_DIRECTORY_BYTES_PER_MEMBER = 1024
_TAR_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError)
_ZIP_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Member:
    path: str  # "<archive path>!/<member path>", nested: "a.zip!/x/b.tar.gz!/c.txt"
    data: bytes


@dataclass(frozen=True, slots=True)
class MemberError:
    path: str  # the member's virtual path, or the archive's when the archive itself is at fault
    reason: str  # short, for humans


def iter_archive(
    path: str, source: Path | bytes, limits: Limits, depth: int = 0
) -> Iterator[Member | MemberError]:
    """The regular-file members of the archive at ``path``, nested archives expanded, in archive order.

    ``source`` is the archive file (streamed from disk) or, for a nested archive, its bytes.
    Problems come back as MemberError and never as exceptions: a refused member is skipped, a
    damaged stream ends its archive, and crossing the total size or member limit ends the whole
    archive tree. Directories, hidden members ("." components) and "__MACOSX/" are skipped silently.
    Every entry, directories included, counts toward ``limits.max_archive_members``.
    """
    return _expand(path, source, limits, depth, _Budget(root=path))


@dataclass(slots=True)
class _Budget:
    """Counters shared by every level of one archive tree."""

    root: str
    members: int = 0
    unpacked: int = 0
    stopped: bool = False

    def stop(self, reason: str) -> MemberError:
        self.stopped = True
        return MemberError(self.root, reason)


class _Refused(Exception):
    """The member is skipped; the archive goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Exhausted(_Refused):
    """The member crossed the total size limit: the whole archive tree stops."""


def _expand(
    path: str, source: Path | bytes, limits: Limits, depth: int, budget: _Budget
) -> Iterator[Member | MemberError]:
    try:
        handle: BinaryIO = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    except OSError as exc:
        yield MemberError(path, f"cannot open ({exc.strerror or exc})")
        return
    with handle:
        if path.lower().endswith(".zip"):
            yield from _expand_zip(path, handle, limits, depth, budget)
        else:
            yield from _expand_tar(path, handle, limits, depth, budget)


def _member(
    vpath: str,
    size: int,
    packed: int | None,
    chunks: Iterable[bytes],
    limits: Limits,
    depth: int,
    budget: _Budget,
) -> Iterator[Member | MemberError]:
    """Read one member within the limits; yield it, or its own members when it is an archive.

    ``size`` and ``packed`` are the declared sizes (``packed`` is unknown for tar members);
    ``chunks`` is lazy, so a member refused on its declared size is never decompressed.
    """
    nested = is_archive(vpath)
    try:
        if nested and depth >= limits.max_archive_depth:
            raise _Refused(f"nested too deep (limit {limits.max_archive_depth})")
        _check_declared(size, packed, limits, budget)
        data = _collect(chunks, packed, limits, budget)
    except _Exhausted as exhausted:
        yield MemberError(vpath, exhausted.reason)
        yield budget.stop("rest of the archive skipped (total unpacked size limit reached)")
        return
    except _Refused as refused:
        yield MemberError(vpath, refused.reason)
        return
    if nested:
        yield from _expand(vpath, data, limits, depth + 1, budget)
    else:
        yield Member(vpath, data)


def _check_declared(size: int, packed: int | None, limits: Limits, budget: _Budget) -> None:
    if size > limits.max_file_bytes:
        raise _Refused(f"size {_size(size)} > limit {_size(limits.max_file_bytes)}")
    if packed is not None:
        _check_ratio(size, packed, limits)
    if budget.unpacked + size > limits.max_archive_bytes:
        raise _Exhausted(f"archive total would exceed limit {_size(limits.max_archive_bytes)}")


def _check_ratio(unpacked: int, packed: int, limits: Limits) -> None:
    if unpacked > _RATIO_FLOOR:
        ratio = unpacked / max(packed, 1)
        if ratio > limits.max_compression_ratio:
            raise _Refused(f"compression ratio {ratio:.0f} > limit {limits.max_compression_ratio:g}")


def _collect(chunks: Iterable[bytes], packed: int | None, limits: Limits, budget: _Budget) -> bytes:
    """The member's bytes, stopping at the first chunk that crosses a limit.

    Declared sizes can lie, so the limits are checked again on what actually comes out. Refused
    bytes count toward the total too: the total bounds decompression work, not just output.
    """
    parts: list[bytes] = []
    got = 0
    for chunk in chunks:
        got += len(chunk)
        budget.unpacked += len(chunk)
        if budget.unpacked > limits.max_archive_bytes:
            raise _Exhausted(f"archive total > limit {_size(limits.max_archive_bytes)}")
        if got > limits.max_file_bytes:
            raise _Refused(f"size > limit {_size(limits.max_file_bytes)}")
        if packed is not None:
            _check_ratio(got, packed, limits)
        parts.append(chunk)
    return b"".join(parts)


def _vpath(path: str, raw: str) -> str | MemberError | None:
    """The member's virtual path; a MemberError for a refused name; None for one skipped silently."""
    try:
        name = _member_name(raw)
    except _Refused as refused:
        return MemberError(_raw_vpath(path, raw), refused.reason)
    return None if _skipped_silently(name) else f"{path}!/{name}"


def _member_name(raw: str) -> str:
    """The normalised member path; _Refused when it is unsafe."""
    if "\x00" in raw:
        raise _Refused("unsafe name (NUL byte)")
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) >= 2 and name[1] == ":" and name[0].isalpha()):
        raise _Refused("unsafe name (absolute path)")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise _Refused("unsafe name (escapes the archive)")
            parts.pop()
        else:
            parts.append(part)
    if not parts:
        raise _Refused("unsafe name (empty)")
    return "/".join(parts)


def _skipped_silently(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))


def _raw_vpath(path: str, raw: str) -> str:
    """The virtual path of a member whose name was refused, shown as given."""
    return f"{path}!/" + raw.replace("\x00", "\\x00")


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "truncated"
    text = str(exc).strip()[:120] or type(exc).__name__
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _count_entry(limits: Limits, budget: _Budget) -> MemberError | None:
    budget.members += 1
    if budget.members > limits.max_archive_members:
        return budget.stop(f"more than {limits.max_archive_members} members; the rest was skipped")
    return None


# --- zip -------------------------------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _expand_zip(
    path: str, handle: BinaryIO, limits: Limits, depth: int, budget: _Budget
) -> Iterator[Member | MemberError]:
    archive: zipfile.ZipFile | None = None
    try:
        refusal = _zip_directory_refusal(handle, limits)
        archive = None if refusal else _open_zip(handle)
    except (zipfile.BadZipFile, *_ZIP_READ_ERRORS) as exc:
        refusal = f"unreadable zip ({_describe(exc)})"
    if archive is None:
        yield MemberError(path, refusal or "unreadable zip")
        return
    with archive:
        for info in archive.infolist():
            if budget.stopped:
                return
            if (stop := _count_entry(limits, budget)) is not None:
                yield stop
                return
            if info.is_dir():
                continue
            vpath = _vpath(path, info.filename)
            if vpath is None:
                continue
            if isinstance(vpath, MemberError):
                yield vpath
                continue
            if info.flag_bits & 0x1:
                yield MemberError(vpath, "encrypted")
                continue
            chunks = _zip_chunks(handle, info)
            yield from _member(vpath, info.file_size, info.compress_size, chunks, limits, depth, budget)


def _open_zip(handle: BinaryIO) -> zipfile.ZipFile:
    """zipfile's reader of the central directory, except that a member name flagged as UTF-8
    that is not UTF-8 (zippers flag cp437 names so) is read as cp437: the strict decoding made
    one such name cost the whole archive."""
    try:
        return zipfile.ZipFile(handle)
    except UnicodeDecodeError:
        where = _central_directory(handle)
        if where is None:
            raise
        offset, size = where
        handle.seek(offset)
        directory = _unflag_non_utf8_names(handle.read(size))
        handle.seek(0)
        return zipfile.ZipFile(cast(IO[bytes], _Overlay(handle, offset, directory)))


def _central_directory(handle: BinaryIO) -> tuple[int, int] | None:
    """(offset, size) of the central directory, counted back from the end record as zipfile does."""
    end = handle.seek(0, os.SEEK_END)
    start = max(0, end - _EOCD.size - 0xFFFF)
    handle.seek(start)
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    size = _EOCD.unpack_from(tail, at)[5]
    location = start + at
    record = at - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
    if record >= 0 and tail[record : record + 4] == b"PK\x06\x06":
        size = _ZIP64_EOCD.unpack_from(tail, record)[8]
        location = start + record
    return (location - size, size) if location >= size else None


_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_UTF8_NAME_FLAG = 0x800


def _unflag_non_utf8_names(directory: bytes) -> bytes:
    data = bytearray(directory)
    at = 0
    while at + _CENTRAL_HEADER.size <= len(data) and data[at : at + 4] == b"PK\x01\x02":
        fields = _CENTRAL_HEADER.unpack_from(data, at)
        flags, name_length, extra_length, comment_length = fields[5], fields[12], fields[13], fields[14]
        name = bytes(data[at + _CENTRAL_HEADER.size : at + _CENTRAL_HEADER.size + name_length])
        if flags & _UTF8_NAME_FLAG:
            try:
                name.decode("utf-8")
            except UnicodeDecodeError:
                struct.pack_into("<H", data, at + 8, flags & ~_UTF8_NAME_FLAG)
        at += _CENTRAL_HEADER.size + name_length + extra_length + comment_length
    return bytes(data)


class _Overlay(io.RawIOBase):
    """``handle`` read as if ``patch`` were written at ``offset`` (nothing is written to disk)."""

    def __init__(self, handle: BinaryIO, offset: int, patch: bytes) -> None:
        super().__init__()
        self._handle, self._offset, self._patch = handle, offset, patch

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def readinto(self, buffer: Any) -> int:
        at = self._handle.tell()
        data = bytearray(self._handle.read(len(buffer)))
        low, high = max(at, self._offset), min(at + len(data), self._offset + len(self._patch))
        if low < high:
            data[low - at : high - at] = self._patch[low - self._offset : high - self._offset]
        buffer[: len(data)] = data
        return len(data)


def _zip_directory_refusal(handle: BinaryIO, limits: Limits) -> str | None:
    """A reason to refuse the zip before zipfile loads its whole central directory into memory."""
    end = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, end - _EOCD.size - 0xFFFF))  # the record sits before a comment of <= 64 KiB
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None  # zipfile will say what is wrong
    entries, directory_bytes = _EOCD.unpack_from(tail, at)[4:6]
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        # zip64: the real counts are in the record just before its locator.
        record = at - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
        if record >= 0 and tail[record : record + 4] == b"PK\x06\x06":
            entries, directory_bytes = _ZIP64_EOCD.unpack_from(tail, record)[7:9]
    if entries > limits.max_archive_members:
        return f"{entries} entries > limit {limits.max_archive_members} members"
    if directory_bytes > limits.max_archive_members * _MAX_ZIP_DIRECTORY_BYTES_PER_MEMBER:
        return f"central directory of {_size(directory_bytes)} is implausibly large"
    return None


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes: ...


class _Stored:
    eof = False
    needs_input = True

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes:
        return data


class _Deflated:
    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self._inflate.eof

    @property
    def needs_input(self) -> bool:
        return not self._inflate.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1, /) -> bytes:
        return self._inflate.decompress(self._inflate.unconsumed_tail + data, max(max_length, 0))


def _zip_chunks(handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, at most _CHUNK at a time, from its raw compressed data.

    zipfile's own reader decompresses bzip2 and LZMA input without an output bound (a few
    hundred bytes of bzip2 can become gigabytes), so the decompression is done here.
    """
    produced = 0
    crc = 0
    try:
        handle.seek(info.header_offset)
        header = handle.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise _Refused("damaged (bad local header)")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        left = info.compress_size
        decompressor: _Decompressor
        if info.compress_type == zipfile.ZIP_STORED:
            decompressor = _Stored()
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            decompressor = _Deflated()
        elif info.compress_type == zipfile.ZIP_BZIP2:
            decompressor = bz2.BZ2Decompressor()
        elif info.compress_type == zipfile.ZIP_LZMA:
            decompressor, used = _zip_lzma(handle, info.file_size)
            left -= used
        else:
            raise _Refused(f"unsupported compression (method {info.compress_type})")
        while not decompressor.eof:
            data = b""
            if decompressor.needs_input and left > 0:
                data = handle.read(min(_CHUNK, left))
                if not data:
                    raise _Refused("damaged (truncated)")
                left -= len(data)
            out = decompressor.decompress(data, _CHUNK)
            if not out and not data:
                break  # input used up (a stored member, or LZMA without an end marker)
            produced += len(out)
            if produced > info.file_size:
                raise _Refused("damaged (more data than its header declares)")
            crc = zlib.crc32(out, crc)
            if out:
                yield out
    except _ZIP_READ_ERRORS as exc:
        raise _Refused(f"damaged ({_describe(exc)})") from None
    if produced != info.file_size:
        raise _Refused("damaged (shorter than its header declares)")
    if crc != info.CRC:
        raise _Refused("damaged (bad CRC)")


def _zip_lzma(handle: BinaryIO, size: int) -> tuple[lzma.LZMADecompressor, int]:
    """A raw LZMA1 decompressor set up from the zip LZMA header; also the header's length."""
    head = handle.read(4)
    if len(head) < 4:
        raise _Refused("damaged (truncated)")
    (properties_size,) = struct.unpack_from("<H", head, 2)
    properties = handle.read(properties_size)
    if properties_size < 5 or len(properties) < properties_size:
        raise _Refused("damaged (bad LZMA header)")
    (dict_size,) = struct.unpack_from("<L", properties, 1)
    # liblzma allocates the declared dictionary up front; more than the member's size is never needed.
    dict_size = max(4096, min(dict_size, size))
    pb, rest = divmod(properties[0], 45)
    lp, lc = divmod(rest, 9)
    lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter]), 4 + properties_size


# --- tar -------------------------------------------------------------------------------------


class _Stream(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def tell(self) -> int: ...
    def seek(self, pos: int, whence: int = os.SEEK_SET, /) -> int: ...
    def close(self) -> None: ...


class _TarStream:
    """The decompressed tar stream as tarfile sees it, with header reads capped.

    tarfile reads pax and GNU long-name headers (and old GNU sparse maps) whole, so a header
    declaring gigabytes would otherwise be read into memory before any member is seen.
    """

    def __init__(self, stream: _Stream) -> None:
        self._stream = stream
        self.header_allowance: int | None = _MAX_TAR_HEADER_BYTES
        self.last_read = b""

    def read(self, size: int = -1, /) -> bytes:
        if self.header_allowance is not None:
            if size < 0 or size > self.header_allowance:
                raise tarfile.ReadError(f"header larger than {_size(_MAX_TAR_HEADER_BYTES)}")
            self.header_allowance -= size
        self.last_read = self._stream.read(size)
        return self.last_read

    def write(self, data: bytes, /) -> int:
        raise io.UnsupportedOperation("read only")

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, pos: int, whence: int = os.SEEK_SET, /) -> int:
        return self._stream.seek(pos, whence)

    def close(self) -> None:
        self._stream.close()


def _decompressed(raw: BinaryIO) -> tuple[_Stream, bool]:
    """The tar stream inside ``raw`` (sniffed, not trusted to the suffix), and whether it is compressed."""
    magic = raw.read(6)
    raw.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb"), True
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(raw, "rb"), True
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw, "rb"), True
    return raw, False


def _expand_tar(
    path: str, raw: BinaryIO, limits: Limits, depth: int, budget: _Budget
) -> Iterator[Member | MemberError]:
    stream: _Stream = raw
    try:
        stream, compressed = _decompressed(raw)
        guarded = _TarStream(stream)
        archive = tarfile.TarFile(fileobj=guarded, mode="r", encoding="utf-8", errors="replace")
    except _TAR_READ_ERRORS as exc:
        stream.close()
        yield MemberError(path, f"not a tar archive ({_describe(exc)})")
        return
    with contextlib.closing(stream), archive:
        try:
            yield from _tar_members(path, archive, guarded, raw, compressed, limits, depth, budget)
        except _TAR_READ_ERRORS as exc:
            yield MemberError(path, f"damaged tar ({_describe(exc)}); the rest was skipped")


def _tar_members(
    path: str,
    archive: tarfile.TarFile,
    guarded: _TarStream,
    raw: BinaryIO,
    compressed: bool,
    limits: Limits,
    depth: int,
    budget: _Budget,
) -> Iterator[Member | MemberError]:
    first = True  # tarfile has already read the first header (and no data) when it opened
    while not budget.stopped:
        # Skipping unread member data decompresses it: that work counts toward the total.
        skip = archive.offset - guarded.tell()
        if compressed and skip > 0 and not first:
            budget.unpacked += skip
            if budget.unpacked > limits.max_archive_bytes:
                yield budget.stop("rest of the archive skipped (total unpacked size limit reached)")
                return
        first = False
        guarded.header_allowance = _MAX_TAR_HEADER_BYTES
        info = archive.next()
        guarded.header_allowance = None
        if info is None:
            _check_tar_end(archive, guarded)
            return
        if (stop := _count_entry(limits, budget)) is not None:
            yield stop
            return
        if info.isdir():
            continue
        vpath = _vpath(path, info.name)
        if vpath is None:
            continue
        if isinstance(vpath, MemberError):
            yield vpath
            continue
        if not info.isreg():
            yield MemberError(vpath, f"not a regular file ({_tar_kind(info)})")
            continue
        chunks = _tar_chunks(archive, info, raw, limits)
        yield from _member(vpath, info.size, None, chunks, limits, depth, budget)


def _check_tar_end(archive: tarfile.TarFile, guarded: _TarStream) -> None:
    """tarfile also ends quietly at an invalid or cut header: only a zero block or nothing is an end.

    The block tarfile gave up on is the last one read (seeking back would re-decompress the stream).
    """
    block = guarded.last_read
    if block and (len(block) < tarfile.BLOCKSIZE or block.strip(b"\0")):
        raise tarfile.ReadError(f"invalid or truncated header at offset {archive.offset}")


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    if info.ischr():
        return "character device"
    if info.isblk():
        return "block device"
    if info.isfifo():
        return "FIFO"
    return f"type {info.type!r}"


def _tar_chunks(
    archive: tarfile.TarFile, info: tarfile.TarInfo, raw: BinaryIO, limits: Limits
) -> Iterator[bytes]:
    """The member's bytes, at most _CHUNK at a time; its ratio is checked once it is read.

    A tar member's packed size is only known afterwards (from how far the compressed input
    moved), so the ratio is checked at the end; the size limits bound the work meanwhile.
    """
    start = raw.tell()
    member = archive.extractfile(info)
    if member is None:
        raise _Refused("not a regular file")
    got = 0
    with member:
        while chunk := member.read(_CHUNK):
            got += len(chunk)
            yield chunk
    _check_ratio(got, raw.tell() - start, limits)
