"""Ingest: discovery and reading every supported format into Documents.

All fixtures are fictional and built here.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from threadline.config import Limits
from threadline.ingest import SUPPORTED_SUFFIXES, ReadResult, UnreadableFile, discover, read_file
from threadline.ingest.dates import normalise_date
from threadline.ingest.html import html_to_text
from threadline.model import Document

LIMITS = Limits()


def read(path: Path, limits: Limits = LIMITS) -> ReadResult:
    return read_file(path, path.read_bytes(), limits)


def read_one(path: Path, limits: Limits = LIMITS) -> Document:
    result = read(path, limits)
    assert result.errors == []
    assert len(result.documents) == 1
    return result.documents[0]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- discover ---------------------------------------------------------------------------


def test_discover_recurses_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a/z.eml",
        "a/sub/y.json",
        "a.md",
        "notes.xyz",
        ".hidden.txt",
        ".git/config",
        "a/.x/k.txt",
    ]:
        write(tmp_path, name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a/sub/y.json", "a/z.eml", "a.md", "b.txt", "notes.xyz"]


def test_discover_accepts_files_and_deduplicates_overlapping_roots(tmp_path: Path) -> None:
    single = write(tmp_path, "docs/one.txt", "x")
    write(tmp_path, "docs/two.txt", "x")
    found = list(discover([single, tmp_path / "docs"]))
    assert found == [single, tmp_path / "docs" / "two.txt"]


def test_discover_follows_only_symlinks_inside_the_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    inside = write(root, "real/inside.txt", "x")
    outside = write(tmp_path, "elsewhere/secret.txt", "x")
    (root / "link_out.txt").symlink_to(outside)
    (root / "dir_out").symlink_to(outside.parent, target_is_directory=True)
    # a link to a file inside the roots is followed (its hidden target is not walked itself)
    (root / "zz_link_in.txt").symlink_to(write(root, ".store/kept.txt", "x"))
    (root / "zz_link_dup.txt").symlink_to(inside)  # already yielded: not twice
    (root / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    found = [p.relative_to(root).as_posix() for p in discover([root])]
    assert found == ["real/inside.txt", "zz_link_in.txt"]


def test_discover_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(discover([tmp_path / "nope"]))


# --- dispatch and rejection -------------------------------------------------------------


def test_supported_suffixes() -> None:
    text = {".txt", ".md", ".html", ".htm", ".eml", ".mbox", ".json", ".jsonl", ".csv"}
    scans = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
    assert text | scans | {".docx", ".xlsx", ".msg"} == SUPPORTED_SUFFIXES


@pytest.mark.parametrize("suffix", [".txt", ".eml", ".json", ".html", ".mbox", ".jsonl", ".md"])
def test_random_bytes_are_unreadable(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"noise{suffix}", random.Random(7).randbytes(4096))
    with pytest.raises(UnreadableFile, match="binary content, not text"):
        read(path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="empty file"):
        read(write(tmp_path, "empty.txt", b""))


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"unsupported file type \.xyz"):
        read(write(tmp_path, "data.XYZ", "hello"))


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert read_one(write(tmp_path, "NOTE.TXT", "Hello")).text == "Hello"


# --- text -------------------------------------------------------------------------------


def test_utf8_text(tmp_path: Path) -> None:
    data = "Quarterly memo\r\n\r\nMarta Kowalska met Tomás Oyelaran in Lagos.\r\n"
    path = write(tmp_path, "memo.txt", data)
    doc = read_one(path)
    assert doc.text == "Quarterly memo\n\nMarta Kowalska met Tomás Oyelaran in Lagos.\n"
    assert doc.title == "Quarterly memo"
    assert doc.format == "text"
    assert doc.path == str(path)
    assert doc.sha256 == hashlib.sha256(data.encode()).hexdigest()


def test_latin1_text(tmp_path: Path) -> None:
    text = "Le café de la rue Saint-Honoré était fermé. Hélène Dupré et François Lefèvre s'y retrouvaient.\n"
    assert read_one(write(tmp_path, "note.txt", text.encode("latin-1"))).text == text


def test_cp1251_text(tmp_path: Path) -> None:
    text = "Иван Петрович Сидоров встретился с Анной Кузнецовой в Москве в прошлую пятницу.\n"
    assert read_one(write(tmp_path, "ru.txt", text.encode("cp1251"))).text == text


def test_text_title_only_when_short_and_markdown_heading(tmp_path: Path) -> None:
    assert read_one(write(tmp_path, "long.txt", "\n\n" + "word " * 40)).title is None
    assert read_one(write(tmp_path, "doc.md", "# Field notes\n\nBody.")).title == "Field notes"
    # A printed email is titled by its Subject line, never by "From: ...".
    printed = "From: Odile Farrant\nSent: Monday, March 7, 2011 9:12 AM\nTo: Corvin Ashdale\nSubject: Re: Harbour visit\n\nFine by me."
    assert read_one(write(tmp_path, "mail.txt", printed)).title == "Re: Harbour visit"
    assert read_one(write(tmp_path, "bare.txt", "From: Odile Farrant\nDate: Monday\n\nFine.")).title is None


def test_whitespace_only_text_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no text"):
        read(write(tmp_path, "blank.txt", " \n\n "))


def test_text_is_cut_to_limit_and_the_cut_is_listed(tmp_path: Path) -> None:
    result = read(write(tmp_path, "big.txt", "a" * 50), Limits(max_text_chars=10))
    (doc,) = result.documents
    assert doc.text == "a" * 10
    assert doc.meta["truncated_from_chars"] == "50"
    # a cut text was read only in part: it must reach `threadline errors`
    assert result.errors == ["text cut at 10 characters (of 50)"]


# --- html -------------------------------------------------------------------------------

ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour deal signed | The Coastal Ledger</title>
<meta property="og:site_name" content="The Coastal Ledger">
<meta property="article:published_time" content="2022-06-14T09:30:00">
<link rel="canonical" href="https://coastal-ledger.example/harbour-deal">
<script>var tracking = "Bartholomew Quince";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<div class="advert">Win a luxury cruise today! Click here to claim your prize!</div>
<article>
<h1>Harbour deal signed</h1>
<p>Port commissioner Delphine Arkwright signed the harbour expansion deal with shipping magnate
Osric Vandermolen on Tuesday, ending two years of negotiations over berth fees.</p>
<p>Arkwright said the agreement would bring four hundred jobs to the town, while Vandermolen's
company committed to dredging the eastern channel before the winter storms.</p>
<p>Opposition councillor Priya Ramanathan called the deal rushed and demanded that the full contract
be published before the council vote next month.</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Ten surprising facts about lighthouses</a></li></ul></aside>
<footer>Copyright 2022 The Coastal Ledger. All rights reserved. Privacy policy.</footer>
</body></html>"""


def test_html_keeps_article_drops_junk(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "harbour.html", ARTICLE_PAGE))
    assert "Osric Vandermolen" in doc.text
    assert "Priya Ramanathan" in doc.text
    assert "\n\n" in doc.text  # paragraph breaks kept
    for junk in ("luxury cruise", "Bartholomew", "lighthouses", "All rights reserved"):
        assert junk not in doc.text
    assert doc.title == "Harbour deal signed"
    assert doc.date == "2022-06-14"
    assert doc.source == "The Coastal Ledger"
    assert doc.url == "https://coastal-ledger.example/harbour-deal"
    assert doc.format == "html"


def test_latin1_html_with_meta_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
        "<title>Café</title></head><body><p>Renée Castellane a ouvert le café près de la gare.</p>"
        "</body></html>"
    )
    doc = read_one(write(tmp_path, "cafe.htm", page.encode("latin-1")))
    assert "Renée Castellane a ouvert le café près de la gare." in doc.text


def test_html_falls_back_to_visible_text(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "tiny.html", "<div><span>Short note</span><br>second line</div>"))
    assert doc.text == "Short note\nsecond line"


def test_html_to_text_keeps_block_breaks_only() -> None:
    markup = (
        "<html><head><title>t</title><style>p {}</style></head><body>\n"
        "<p>Dear <b>Ines</b>\n<i>Okafor</i>,</p><div>line one<br>line&nbsp;two</div>"
        "<table><tr><td>a</td><td>b</td></tr></table><script>hidden()</script></body></html>"
    )
    assert html_to_text(markup) == "Dear Ines Okafor,\n\nline one\nline two\n\na b"


def test_html_without_visible_text_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "blank.html", "<html><head><title>t</title></head><body> </body></html>")
    with pytest.raises(UnreadableFile, match="no visible text"):
        read(path)


# --- email ------------------------------------------------------------------------------

EML = (
    b'From: "Whitcombe, Ada" <ada.whitcombe@harrowgate.example>\r\n'
    b"To: Lionel Fairbairn <lionel@fairbairn.example>, clerk@harrowgate.example,\r\n"
    b" =?utf-8?q?J=C3=B6rg_Br=C3=A4uer?= <jorg@brauer.example>\r\n"
    b"Cc: Mireille Sauvage <m.sauvage@harrowgate.example>\r\n"
    b"Subject: Re: Site visit\r\n"
    b"Date: Tue, 14 Jun 2022 09:30:00 +0200\r\n"
    b"Message-ID: <visit-2@harrowgate.example>\r\n"
    b"In-Reply-To: <visit-1@harrowgate.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Lionel,\r\n\r\nThe site visit is confirmed for Thursday.\r\n\r\nAda\r\n"
)


def test_eml_header_block_spans_and_meta(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "visit.eml", EML))
    assert doc.format == "email"
    assert doc.text.startswith(
        'From: "Whitcombe, Ada" <ada.whitcombe@harrowgate.example>\n'
        "To: Lionel Fairbairn <lionel@fairbairn.example>, clerk@harrowgate.example, "
        "Jörg Bräuer <jorg@brauer.example>\n"
        "Cc: Mireille Sauvage <m.sauvage@harrowgate.example>\n"
        "Date: Tue, 14 Jun 2022 09:30:00 +0200\n"
        "Subject: Re: Site visit\n\n"
    )
    assert doc.text[doc.body_start :] == "Lionel,\n\nThe site visit is confirmed for Thursday.\n\nAda"
    assert doc.text[doc.body_start - 2 : doc.body_start] == "\n\n"
    people = [(h.field, h.name, h.address) for h in doc.headers]
    assert people == [
        ("from", "Whitcombe, Ada", "ada.whitcombe@harrowgate.example"),
        ("to", "Lionel Fairbairn", "lionel@fairbairn.example"),
        ("to", "clerk@harrowgate.example", "clerk@harrowgate.example"),
        ("to", "Jörg Bräuer", "jorg@brauer.example"),
        ("cc", "Mireille Sauvage", "m.sauvage@harrowgate.example"),
    ]
    for header in doc.headers:
        assert doc.text[header.span.start : header.span.end] == header.name
    assert doc.title == "Re: Site visit"
    assert doc.date == "2022-06-14T09:30:00+02:00"
    assert doc.source == "harrowgate.example"
    assert doc.meta["message_id"] == "<visit-2@harrowgate.example>"
    assert doc.meta["in_reply_to"] == "<visit-1@harrowgate.example>"
    assert doc.meta["cc"] == "Mireille Sauvage <m.sauvage@harrowgate.example>"
    assert doc.sha256 == hashlib.sha256(EML).hexdigest()


def test_eml_html_only_body_wrong_charset_and_8bit_header(tmp_path: Path) -> None:
    message = (
        b"From: Ren\xe9 Oyelaran <rene@example.org>\n"
        b"To: Bo Lindqvist <bo@example.org>\n"
        b"Date: not a date\n"
        b"Subject: =?iso-8859-1?q?Caf=E9_?=\n =?utf-8?q?pr=C3=A8s_de_la_gare?=\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/alternative; boundary="b1"\n\n'
        b"--b1\nContent-Type: text/html; charset=utf-8\n\n"
        b"<html><body><p>Hello Bo,</p><p>meet me at the caf\xe9.</p><script>x()</script></body></html>\n"
        b"--b1--\n"
    )
    doc = read_one(write(tmp_path, "html.eml", message))
    assert doc.headers[0].name == "René Oyelaran"
    assert doc.text[doc.body_start :] == "Hello Bo,\n\nmeet me at the café."
    assert doc.date is None
    assert doc.title == "Café près de la gare"


def test_eml_with_bogus_charset(tmp_path: Path) -> None:
    message = (
        b"From: a@example.org\nSubject: odd\nContent-Type: text/plain; charset=base64\n\nPlain caf\xe9.\n"
    )
    assert read_one(write(tmp_path, "odd.eml", message)).text.endswith("\n\nPlain café.")


def test_eml_without_headers_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.eml", "Just a note someone saved with the wrong name.\nNothing else.\n")
    with pytest.raises(UnreadableFile, match="no message headers"):
        read(path)


def test_eml_with_only_an_attachment_is_unreadable(tmp_path: Path) -> None:
    message = "From: a@example.org\nSubject: scan\nContent-Type: application/pdf\n\nJVBERi0xLjQK\n"
    with pytest.raises(UnreadableFile, match="no readable body"):
        read(write(tmp_path, "scan.eml", message))


def mbox_message(sender: str, recipient: str, subject: str, body: str) -> str:
    return f"From: {sender}\nTo: {recipient}\nSubject: {subject}\n\n{body}\n"


def test_mbox_with_three_messages(tmp_path: Path) -> None:
    first = mbox_message("Ada <ada@a.example>", "Bo <bo@b.example>", "one", "First.\n>From the archive.")
    second = mbox_message("Bo <bo@b.example>", "Ada <ada@a.example>", "two", "Second.")
    third = mbox_message("Cy <cy@c.example>", "Ada <ada@a.example>", "three", "Third.")
    data = (
        f"From ada@a.example Tue Jun 14 09:30:00 2022\n{first}\n"
        f"From bo@b.example Tue Jun 14 10:30:00 2022\n{second}\n"
        f"From - Tue Jun 14 11:30:00 2022\n{third}\n"
    )
    path = write(tmp_path, "box.mbox", data)
    result = read(path)
    assert result.errors == []
    assert [d.path for d in result.documents] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert [d.title for d in result.documents] == ["one", "two", "three"]
    assert result.documents[0].text.endswith("First.\nFrom the archive.")
    # each message hashes like the same message saved on its own
    assert result.documents[1].sha256 == hashlib.sha256(second.encode()).hexdigest()
    assert all(d.format == "email" for d in result.documents)


def test_mbox_bad_message_is_a_record_error(tmp_path: Path) -> None:
    good = mbox_message("Ada <ada@a.example>", "Bo <bo@b.example>", "one", "Fine.")
    data = f"From x Tue Jun 14 09:30:00 2022\n{good}\nFrom y Tue Jun 14 09:31:00 2022\nno headers here\n"
    result = read(write(tmp_path, "box.mbox", data))
    assert len(result.documents) == 1
    assert result.errors == ["message 2: no message headers"]


# --- json -------------------------------------------------------------------------------


def test_jsonl_with_truncated_last_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "Minutes of the harbour board.", "title": "Minutes", "date": "14 June 2022"}),
        json.dumps({"text": "Second record.", "source": "board", "url": "https://x.example/2", "id": 17}),
        '{"text": "cut off in the mid',
    ]
    path = write(tmp_path, "records.jsonl", "\n".join(lines))
    result = read(path)
    assert [d.text for d in result.documents] == ["Minutes of the harbour board.", "Second record."]
    assert result.errors == ["line 3: invalid JSON"]
    first, second = result.documents
    assert first.path == f"{path}#1"
    assert first.date == "2022-06-14"
    assert first.title == "Minutes"
    assert (second.source, second.url, second.meta) == ("board", "https://x.example/2", {"id": "17"})
    assert second.format == "json"


def test_json_array_is_a_container(tmp_path: Path) -> None:
    records = [
        {"text": "Alpha."},
        {"title": "no text"},
        "oops",
        {"text": "Delta.", "date": "2022-06-14T09:30:00"},
    ]
    path = write(tmp_path, "records.json", json.dumps(records, indent=2))
    result = read(path)
    assert [(d.path, d.text, d.date) for d in result.documents] == [
        (f"{path}#1", "Alpha.", None),
        (f"{path}#4", "Delta.", "2022-06-14T09:30:00"),
    ]
    assert result.errors == ['record 2: no "text" field', "record 3: not a JSON object"]
    # the same record hashes the same whatever file and layout it came from
    jsonl = read(write(tmp_path, "same.jsonl", '{"text":  "Alpha."}\n'))
    assert jsonl.documents[0].sha256 == result.documents[0].sha256


def test_json_object_is_one_document(tmp_path: Path) -> None:
    data = json.dumps({"text": "One report.", "title": 42, "date": "garbage", "url": None})
    path = write(tmp_path, "report.json", data)
    doc = read_one(path)
    assert (doc.path, doc.text, doc.title, doc.date, doc.url) == (str(path), "One report.", "42", None, None)
    assert doc.sha256 == hashlib.sha256(data.encode()).hexdigest()


def test_json_lone_surrogate_is_replaced(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "odd.json", '{"text": "broken \\udc80 escape", "note": "\\ud800"}'))
    assert doc.text == "broken \ufffd escape"
    assert doc.meta == {"note": "\ufffd"}
    doc.text.encode("utf-8")


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="invalid JSON at line 3"):
        read(write(tmp_path, "bad.json", '{\n"text": "x",\n"title": }'))


def test_deeply_nested_json_is_rejected_not_crashing(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="nested too deeply"):
        read(write(tmp_path, "deep.json", "[" * 100_000))
    deep = '{"text": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}"
    result = read(write(tmp_path, "deep.jsonl", f'{{"text": "fine"}}\n{deep}\n'))
    assert [d.text for d in result.documents] == ["fine"]
    assert result.errors == ["line 2: invalid JSON"]


def test_record_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "many.jsonl", "".join(json.dumps({"text": str(i)}) + "\n" for i in range(5)))
    result = read(path, Limits(max_records_per_file=2))
    assert [d.text for d in result.documents] == ["0", "1"]
    assert result.errors == ["more than 2 records; the rest were skipped"]


def test_container_with_nothing_readable_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no readable records"):
        read(write(tmp_path, "bad.jsonl", "{oops\n[1, 2]\n"))


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-06-14", "2022-06-14"),
        ("2022-06-14T09:30:00", "2022-06-14T09:30:00"),
        ("June 2022", "2022-06"),  # a month is never made a day
        ("14 juin 2022", "2022-06-14"),
        ("1655199000", "2022-06-14T09:30:00"),
        ("yesterday", None),
        ("12", None),
        ("", None),
    ],
)
def test_normalise_date(raw: str, expected: str | None) -> None:
    assert normalise_date(raw) == expected
