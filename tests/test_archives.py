"""Archive expansion: nesting, hostile names, bombs and damage. Fixtures are fictional and built here."""

from __future__ import annotations

import dataclasses
import io
import random
import struct
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from threadline.config import Limits
from threadline.ingest.archives import Member, MemberError, is_archive, iter_archive

LIMITS = Limits()
MiB = 1024 * 1024


def limits(**changes: Any) -> Limits:
    return dataclasses.replace(Limits(), **changes)


def zip_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: list[tuple[str, bytes]], mode: str = "w:gz", fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=fmt) as archive:  # type: ignore[call-overload]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def expand(tmp_path: Path, name: str, data: bytes, limits: Limits = LIMITS) -> list[Member | MemberError]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(iter_archive(name, path, limits))


def members(items: list[Member | MemberError]) -> dict[str, bytes]:
    return {item.path: item.data for item in items if isinstance(item, Member)}


def errors(items: list[Member | MemberError]) -> list[tuple[str, str]]:
    return [(item.path, item.reason) for item in items if isinstance(item, MemberError)]


def noise(size: int, seed: int = 7) -> bytes:
    """Incompressible bytes."""
    return random.Random(seed).randbytes(size)


def test_is_archive() -> None:
    assert is_archive("a.zip") and is_archive("B.ZIP") and is_archive("x/y.tar")
    assert is_archive("y.tar.gz") and is_archive("y.TGZ")
    assert not is_archive("y.gz") and not is_archive("notes.txt") and not is_archive("zip")


def test_plain_zip(tmp_path: Path) -> None:
    data = zip_bytes(
        [
            ("memo.txt", b"Meeting with Ada Brennan on Tuesday."),
            ("folder/", b""),
            ("folder/./letter.txt", b"Dear Colm Varga,"),
            (".hidden.txt", b"skip me"),
            ("folder/.git/config", b"skip me"),
            ("__MACOSX/folder/._letter.txt", b"skip me"),
        ]
    )
    items = expand(tmp_path, "drop.zip", data)
    assert items == [
        Member("drop.zip!/memo.txt", b"Meeting with Ada Brennan on Tuesday."),
        Member("drop.zip!/folder/letter.txt", b"Dear Colm Varga,"),
    ]
    assert list(iter_archive("drop.zip", tmp_path / "drop.zip", LIMITS)) == items  # deterministic


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_zip_compression_methods(tmp_path: Path, compression: int) -> None:
    big = noise(3 * MiB + 17) + b"\0" * MiB  # several read chunks
    data = zip_bytes([("small.txt", b"Ines Okafor\n" * 50), ("big.bin", big)], compression)
    items = expand(tmp_path, "m.zip", data)
    assert errors(items) == []
    assert members(items) == {"m.zip!/small.txt": b"Ines Okafor\n" * 50, "m.zip!/big.bin": big}


def test_nested_zip_in_tgz_in_zip(tmp_path: Path) -> None:
    inner = zip_bytes([("c.txt", b"Payment to Pell Holdings"), ("sub/d.txt", b"Signed, R. Ostrander")])
    middle = tar_bytes([("readme.txt", b"middle layer"), ("deep/inner.zip", inner)])
    outer = zip_bytes([("first.txt", b"outer layer"), ("x/b.tar.gz", middle), ("last.txt", b"the end")])
    items = expand(tmp_path, "a.zip", outer)
    assert [item.path for item in items] == [
        "a.zip!/first.txt",
        "a.zip!/x/b.tar.gz!/readme.txt",
        "a.zip!/x/b.tar.gz!/deep/inner.zip!/c.txt",
        "a.zip!/x/b.tar.gz!/deep/inner.zip!/sub/d.txt",
        "a.zip!/last.txt",
    ]
    assert members(items)["a.zip!/x/b.tar.gz!/deep/inner.zip!/c.txt"] == b"Payment to Pell Holdings"


@pytest.mark.parametrize(
    ("name", "mode"), [("t.tgz", "w:gz"), ("t.tar.gz", "w:gz"), ("t.tar", "w"), ("t.tar", "w:bz2")]
)
def test_tar_variants(tmp_path: Path, name: str, mode: str) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        folder = tarfile.TarInfo("docs")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for member_name, text in [("docs/one.txt", b"Lena Sorel"), ("./docs/two.txt", b"Marek Duda")]:
            info = tarfile.TarInfo(member_name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    items = expand(tmp_path, name, buffer.getvalue())
    assert items == [
        Member(f"{name}!/docs/one.txt", b"Lena Sorel"),
        Member(f"{name}!/docs/two.txt", b"Marek Duda"),
    ]


def test_zip_bomb_refused_by_ratio(tmp_path: Path) -> None:
    bomb = zip_bytes(
        [("before.txt", b"fine"), ("zeros.bin", b"\0" * (50 * MiB)), ("after.txt", b"also fine")]
    )
    assert len(bomb) < 100_000
    items = expand(tmp_path, "bomb.zip", bomb)
    assert members(items) == {"bomb.zip!/before.txt": b"fine", "bomb.zip!/after.txt": b"also fine"}
    [(path, reason)] = errors(items)
    assert path == "bomb.zip!/zeros.bin"
    assert reason.startswith("compression ratio ") and reason.endswith("> limit 200")


def test_zip_bomb_refused_by_total_size(tmp_path: Path) -> None:
    bomb = zip_bytes([(f"zeros{i}.bin", b"\0" * (20 * MiB)) for i in range(5)])
    low = limits(max_compression_ratio=1e9, max_archive_bytes=50 * MiB)
    items = expand(tmp_path, "bomb.zip", bomb, low)
    assert sorted(members(items)) == ["bomb.zip!/zeros0.bin", "bomb.zip!/zeros1.bin"]
    assert [path for path, _ in errors(items)] == ["bomb.zip!/zeros2.bin", "bomb.zip"]
    assert "rest of the archive skipped" in errors(items)[1][1]


def test_member_over_size_limit(tmp_path: Path) -> None:
    data = zip_bytes([("big.bin", noise(2 * MiB)), ("ok.txt", b"fine")])
    items = expand(tmp_path, "s.zip", data, limits(max_file_bytes=MiB))
    assert members(items) == {"s.zip!/ok.txt": b"fine"}
    assert errors(items) == [("s.zip!/big.bin", "size 2 MiB > limit 1 MiB")]


def _patch_declared_size(data: bytes, name: bytes, size: int) -> bytes:
    """Make both the local and the central header of ``name`` lie about its unpacked size."""
    patched = bytearray(data)
    at = patched.find(b"PK\x03\x04")
    while at >= 0:
        if patched[at + 30 : at + 30 + len(name)] == name:
            struct.pack_into("<L", patched, at + 22, size)
        at = patched.find(b"PK\x03\x04", at + 4)
    at = patched.find(b"PK\x01\x02")
    while at >= 0:
        if patched[at + 46 : at + 46 + len(name)] == name:
            struct.pack_into("<L", patched, at + 24, size)
        at = patched.find(b"PK\x01\x02", at + 4)
    return bytes(patched)


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_zip_bomb_with_lying_sizes(tmp_path: Path, compression: int) -> None:
    # Declared sizes pass every check; only what actually comes out can catch it.
    bomb = _patch_declared_size(
        zip_bytes([("zeros.bin", b"\0" * (64 * MiB))], compression), b"zeros.bin", 1000
    )
    low = limits(max_file_bytes=8 * MiB)
    items = expand(tmp_path, "liar.zip", bomb, low)
    assert all(len(item.data) <= low.max_file_bytes for item in items if isinstance(item, Member))
    assert errors(items) == [("liar.zip!/zeros.bin", "damaged (more data than its header declares)")]


def test_tgz_bomb_refused_by_ratio_and_size(tmp_path: Path) -> None:
    bomb = tar_bytes([("a.txt", b"fine"), ("zeros.bin", b"\0" * (30 * MiB)), ("z.txt", b"still read")])
    items = expand(tmp_path, "bomb.tgz", bomb)
    assert members(items) == {"bomb.tgz!/a.txt": b"fine", "bomb.tgz!/z.txt": b"still read"}
    [(path, reason)] = errors(items)
    assert path == "bomb.tgz!/zeros.bin" and reason.startswith("compression ratio ")

    items = expand(tmp_path, "bomb.tgz", bomb, limits(max_file_bytes=10 * MiB))
    assert errors(items) == [("bomb.tgz!/zeros.bin", "size 30 MiB > limit 10 MiB")]
    assert all(len(item.data) <= 10 * MiB for item in items if isinstance(item, Member))


def test_tgz_skipped_data_counts_toward_total(tmp_path: Path) -> None:
    # Refused members are still decompressed to skip past them, so they use up the total.
    bomb = tar_bytes([(f"zeros{i}.bin", b"\0" * (20 * MiB)) for i in range(5)] + [("end.txt", b"x")])
    items = expand(tmp_path, "skip.tgz", bomb, limits(max_file_bytes=MiB, max_archive_bytes=50 * MiB))
    assert members(items) == {}
    assert [path for path, _ in errors(items)] == [f"skip.tgz!/zeros{i}.bin" for i in range(3)] + ["skip.tgz"]


def test_member_count_bomb(tmp_path: Path) -> None:
    tiny = [(f"f{i:03}.txt", b"x") for i in range(50)]
    low = limits(max_archive_members=10)

    items = expand(tmp_path, "many.tar", tar_bytes(tiny, "w"), low)
    assert len(members(items)) == 10
    assert errors(items) == [("many.tar", "more than 10 members; the rest was skipped")]

    # A zip says up front how many entries it has.
    items = expand(tmp_path, "many.zip", zip_bytes(tiny), low)
    assert errors(items) == [("many.zip", "50 entries > limit 10 members")]

    # The count is shared with nested archives.
    nested = tar_bytes([("one.zip", zip_bytes(tiny[:6])), ("two.zip", zip_bytes(tiny[6:12]))], "w")
    items = expand(tmp_path, "nested.tar", nested, low)
    assert len(members(items)) == 8  # 2 archive entries + 8 files
    assert errors(items) == [("nested.tar", "more than 10 members; the rest was skipped")]


def test_nesting_depth_bomb(tmp_path: Path) -> None:
    data = zip_bytes([("leaf.txt", b"bottom")])
    for level in range(5, -1, -1):
        data = zip_bytes([(f"note{level}.txt", b"level"), (f"level{level}.zip", data)])
    items = expand(tmp_path, "top.zip", data, limits(max_archive_depth=2))
    assert list(members(items)) == [
        "top.zip!/note0.txt",
        "top.zip!/level0.zip!/note1.txt",
        "top.zip!/level0.zip!/level1.zip!/note2.txt",
    ]
    assert errors(items) == [
        ("top.zip!/level0.zip!/level1.zip!/level2.zip", "nested too deep (limit 2)"),
    ]


UNSAFE = {
    "../../etc/passwd": "unsafe name (escapes the archive)",
    "/abs/x.txt": "unsafe name (absolute path)",
    "a/../../b.txt": "unsafe name (escapes the archive)",
    "C:\\Windows\\evil.txt": "unsafe name (absolute path)",
    "..\\up.txt": "unsafe name (escapes the archive)",
}


def test_unsafe_names_in_zip(tmp_path: Path) -> None:
    hostile = [(name, b"evil") for name in UNSAFE] + [("a/../b.txt", b"fine"), ("c\\d.txt", b"ok")]
    items = expand(tmp_path, "n.zip", zip_bytes(hostile))
    assert members(items) == {"n.zip!/b.txt": b"fine", "n.zip!/c/d.txt": b"ok"}
    assert errors(items) == [(f"n.zip!/{name}", reason) for name, reason in UNSAFE.items()]


def test_unsafe_names_in_tar(tmp_path: Path) -> None:
    # A NUL survives only in a pax path record (ustar fields end at the first NUL).
    nul = "nul\0" + "x" * 120 + ".txt"
    hostile = [(name, b"evil") for name in UNSAFE] + [("a/../b.txt", b"fine"), (nul, b"evil")]
    items = expand(tmp_path, "n.tar", tar_bytes(hostile, "w"))
    assert members(items) == {"n.tar!/b.txt": b"fine"}
    expected = [(f"n.tar!/{name}", reason) for name, reason in UNSAFE.items()]
    shown = "n.tar!/" + nul.replace("\0", "\\x00")
    assert errors(items) == [*expected, (shown, "unsafe name (NUL byte)")]


def test_tar_links_and_devices_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind in [
            ("passwd", tarfile.SYMTYPE),
            ("hard", tarfile.LNKTYPE),
            ("pipe", tarfile.FIFOTYPE),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd"
            archive.addfile(info)
        device = tarfile.TarInfo("tty")
        device.type = tarfile.CHRTYPE
        archive.addfile(device)
        text = tarfile.TarInfo("real.txt")
        text.size = 4
        archive.addfile(text, io.BytesIO(b"real"))
    items = expand(tmp_path, "links.tar", buffer.getvalue())
    assert members(items) == {"links.tar!/real.txt": b"real"}
    assert errors(items) == [
        ("links.tar!/passwd", "not a regular file (symlink)"),
        ("links.tar!/hard", "not a regular file (hardlink)"),
        ("links.tar!/pipe", "not a regular file (FIFO)"),
        ("links.tar!/tty", "not a regular file (character device)"),
    ]


def test_truncated_zip(tmp_path: Path) -> None:
    data = zip_bytes([(f"doc{i}.txt", noise(20_000, i)) for i in range(4)])
    items = expand(tmp_path, "cut.zip", data[: len(data) // 2])
    assert members(items) == {}
    assert [path for path, _ in errors(items)] == ["cut.zip"]


@pytest.mark.parametrize(("name", "mode"), [("cut.tar.gz", "w:gz"), ("cut.tar", "w")])
def test_truncated_tar(tmp_path: Path, name: str, mode: str) -> None:
    data = tar_bytes([(f"doc{i}.txt", noise(20_000, i)) for i in range(4)], mode)
    items = expand(tmp_path, name, data[: len(data) // 2])
    read = list(members(items))
    assert 1 <= len(read) < 4 and read == [f"{name}!/doc{i}.txt" for i in range(len(read))]
    [(path, reason)] = errors(items)
    assert path == name and reason.startswith("damaged tar")


def test_tar_cut_at_a_header(tmp_path: Path) -> None:
    data = tar_bytes([("a.txt", b"a" * 512), ("b.txt", b"b" * 512)], "w", tarfile.USTAR_FORMAT)
    items = expand(tmp_path, "h.tar", data[: 1024 + 300])  # a.txt whole, b.txt's header cut
    assert members(items) == {"h.tar!/a.txt": b"a" * 512}
    assert [path for path, _ in errors(items)] == ["h.tar"]


def test_not_an_archive(tmp_path: Path) -> None:
    for name in ("junk.zip", "junk.tar.gz", "junk.tar"):
        items = expand(tmp_path, name, noise(5000))
        assert len(items) == 1 and isinstance(items[0], MemberError) and items[0].path == name
    items = list(iter_archive("missing.zip", tmp_path / "missing.zip", LIMITS))
    assert errors(items) == [("missing.zip", "cannot open (No such file or directory)")]


def test_damaged_zip_member_costs_only_that_member(tmp_path: Path) -> None:
    data = bytearray(zip_bytes([("a.txt", noise(5000, 1)), ("b.txt", noise(5000, 2)), ("c.txt", b"fine")]))
    second = data.find(b"PK\x03\x04", 4)
    data[second + 30 + len("b.txt") + 100] ^= 0xFF
    items = expand(tmp_path, "bad.zip", bytes(data))
    assert list(members(items)) == ["bad.zip!/a.txt", "bad.zip!/c.txt"]
    assert errors(items) == [("bad.zip!/b.txt", "damaged (bad CRC)")]


def test_nested_garbage_archive(tmp_path: Path) -> None:
    data = zip_bytes([("fake.tar.gz", b"\x1f\x8b not really gzip"), ("fake.zip", b"nope"), ("ok.txt", b"ok")])
    items = expand(tmp_path, "g.zip", data)
    assert members(items) == {"g.zip!/ok.txt": b"ok"}
    assert [path for path, _ in errors(items)] == ["g.zip!/fake.tar.gz", "g.zip!/fake.zip"]


def _patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, patched.find(b"PK\x01\x02") + offset, value)
    return bytes(patched)


def test_encrypted_and_unsupported_zip_members(tmp_path: Path) -> None:
    data = zip_bytes([("secret.txt", b"hidden")])
    items = expand(tmp_path, "e.zip", _patch_central(data, 8, "<H", 0x1))
    assert errors(items) == [("e.zip!/secret.txt", "encrypted")]
    items = expand(tmp_path, "u.zip", _patch_central(data, 10, "<H", 99))
    assert errors(items) == [("u.zip!/secret.txt", "unsupported compression (method 99)")]


def test_huge_tar_header_refused(tmp_path: Path) -> None:
    # tarfile reads a GNU long name whole: one declaring megabytes must not be read into memory.
    data = tar_bytes([("ok.txt", b"ok"), ("x" * (5 * MiB), b"evil")], "w:gz", tarfile.GNU_FORMAT)
    items = expand(tmp_path, "long.tgz", data)
    assert members(items) == {"long.tgz!/ok.txt": b"ok"}
    [(path, reason)] = errors(items)
    assert path == "long.tgz" and "header larger than" in reason


def test_corrupted_archives_never_raise(tmp_path: Path) -> None:
    rng = random.Random(11)
    inner = zip_bytes([("in.txt", b"inner text")])
    samples = {
        "f.zip": zip_bytes([("a.txt", noise(3000)), ("b.zip", inner)], zipfile.ZIP_DEFLATED),
        "f.tgz": tar_bytes([("a.txt", noise(3000)), ("b.zip", inner)]),
        "f.tar": tar_bytes([("a.txt", noise(3000)), ("b.zip", inner)], "w"),
    }
    for name, clean in samples.items():
        for _ in range(60):
            data = bytearray(clean)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            for item in expand(tmp_path, name, bytes(data)):
                assert isinstance(item, Member | MemberError)
