"""Near-duplicate stories, document sources, and their tables (issue 6). All texts are fictional."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from threadline.link.duplicates import (
    DuplicatePair,
    Thresholds,
    clusters,
    find_pairs,
    is_rewrite,
    overlap,
    shingle_array,
    shingles,
)
from threadline.link.sources import OUTLET, PERSON_OR_OUTLET, document_sources, source_key
from threadline.query.duplicates import duplicates, independent_counts, sources
from threadline.store.db import SCHEMA_VERSION, connect
from threadline.store.duplicates import rebuild_duplicates, rebuild_sources

WIRE = """ASTANA, March 11. /Steppe News Agency/. The Ministry of Water Resources has suspended a tender
for the reconstruction of the Irtysh canal pumping stations after auditors found that the winning bid
was submitted two days after the official deadline, Deputy Minister Aigerim Sadykova told reporters
on Monday.

The contract, worth 21 billion tenge, was awarded in January to Tobol Hydro Systems LLP, a company
registered in Pavlodar only four months before the tender opened. Auditors from the Accounts
Committee said the company had no record of comparable work and listed a single employee.

Sadykova said the ministry would hold a new tender within sixty days and that officials who accepted
the late bid had been suspended pending an internal inquiry. She declined to name them.

Farmers in the Pavlodar region depend on the canal for irrigation between May and September, and
local council members have warned that any delay to the repairs could leave thousands of hectares
without water during the coming season. The ministry said temporary pumps would be installed if the
new contract could not be signed before the end of April.

Tobol Hydro Systems did not respond to a request for comment on Monday evening.
"""

# An outlet's rewrite: three passages kept word for word, the rest in its own words.
REWRITE = """The tender for repairing the Irtysh canal pumping stations has been put on hold, the Caspian
Herald reports, citing Steppe News Agency. Auditors found that the winning bid was submitted two days
after the official deadline, Deputy Minister Aigerim Sadykova told reporters on Monday.

The contract, worth 21 billion tenge, was awarded in January to Tobol Hydro Systems LLP, a company
registered in Pavlodar only four months before the tender opened.

According to prosecutors, no criminal case has been opened so far. Sadykova promised a fresh tender
within two months and said staff involved in accepting the bid were on leave while the ministry
investigates.

Farmers who rely on the canal fear a dry summer. Temporary pumps will be brought in if no new contract
is signed by late April, the ministry said.
"""

UNRELATED = [
    """ALMATY, March 12. /Steppe News Agency/. The national football federation has appointed former
midfielder Yerbol Zhakupov as head coach of the under-21 team, replacing a Spanish specialist whose
contract ended in December. Zhakupov, who played for three clubs in the premier league, said his
priority was to give more playing time to young players from regional academies and to prepare the
squad for the qualifying round that starts in the autumn. The federation said the contract runs for
two years with an option to extend it after the qualifiers.""",
    """Residents of the eastern district of Ust-Kamenogorsk have complained about a sharp rise in
heating bills after the city switched to a new billing system in February. More than four hundred
households filed written complaints with the city administration, which said a software error had
applied the winter tariff twice for some apartments. The administration promised to recalculate the
bills by the end of the month and to refund any overpayment automatically, without requiring
residents to visit its offices or to submit further documents.""",
    """A travelling exhibition of nineteenth-century maps of the Kazakh steppe opened at the regional
museum in Shymkent on Saturday. The collection, lent by a university library, includes survey sheets
drawn by military cartographers and hand-coloured trade route maps used by caravan merchants. The
curators said the exhibition would move to Aktobe in June and to Oral in September, and that a
printed catalogue with commentary in three languages would be published later this year for schools
and libraries across the country.""",
]

SHORT = "Meeting moved to Thursday at ten. Please confirm by email."


# --- near-duplicate pairs and clusters -----------------------------------------------------------------


def test_shingles_are_deterministic_and_case_insensitive() -> None:
    a = shingles("The Caspian Herald reports, citing Steppe News Agency.")
    b = shingles("the caspian herald REPORTS citing steppe news agency")
    assert a == b
    assert len(a) == 6  # 8 words -> 6 word 3-shingles
    assert all(isinstance(x, int) and 0 <= x < 2**64 for x in a)
    assert shingle_array("").size == 0


def test_rewrite_sharing_part_of_its_wording_clusters_with_the_wire_story() -> None:
    jaccard, containment, _ = overlap(shingle_array(WIRE), shingle_array(REWRITE))
    assert 0.35 <= containment <= 0.45 and jaccard < 0.25  # ~40% of the rewrite's wording, not a copy
    docs = [(1, WIRE), (2, REWRITE), *((10 + i, t) for i, t in enumerate(UNRELATED))]
    pairs = find_pairs(docs)
    assert [(p.a, p.b) for p in pairs] == [(1, 2)]
    assert pairs[0].containment >= 0.2
    assert clusters(pairs) == [[1, 2]]


def test_unrelated_stories_do_not_cluster() -> None:
    docs = [(i, t) for i, t in enumerate(UNRELATED)] + [(9, WIRE)]
    assert find_pairs(docs) == []


def test_identical_text_with_different_bytes_clusters_with_similarity_one() -> None:
    copy = WIRE.replace("\n", "\r\n") + "\n\n"
    pairs = find_pairs([(5, copy), (3, WIRE), (4, UNRELATED[0])])
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.a, pair.b) == (3, 5)
    assert pair.jaccard == 1.0 and pair.containment == 1.0 and pair.similarity == 1.0


def test_short_texts_are_skipped() -> None:
    assert find_pairs([(1, SHORT), (2, SHORT + " "), (3, SHORT.upper())]) == []


def test_clusters_join_chains_and_drop_singletons() -> None:
    pairs = [DuplicatePair(1, 2, 0.5, 0.6), DuplicatePair(2, 3, 0.4, 0.5), DuplicatePair(7, 9, 1.0, 1.0)]
    assert clusters(pairs) == [[1, 2, 3], [7, 9]]
    assert clusters([]) == []


# --- sources -------------------------------------------------------------------------------------------


def test_dateline_gives_the_outlet() -> None:
    info = document_sources(WIRE, None, None, {}, "text")
    assert info.outlet == "Steppe News Agency"
    assert info.found_by == "dateline"
    assert info.cites == []


def test_citing_gives_a_citation_with_offsets() -> None:
    info = document_sources(REWRITE, "Canal tender halted", "caspianherald.kz", {}, "html")
    assert info.outlet == "caspianherald.kz"
    names = [c.name for c in info.cites]
    # "the Caspian Herald reports" is the outlet naming itself, not a citation.
    assert names == ["Steppe News Agency"]
    cite = info.cites[0]
    assert REWRITE[cite.start : cite.end] == "Steppe News Agency"
    assert cite.start == REWRITE.index("Steppe News Agency")
    assert cite.kind == OUTLET


def test_people_and_officials_quoted_are_not_sources() -> None:
    text = (
        "According to prosecutors, the bid was late. According to Mr Smith, it was not. "
        "Police reported a break-in. He reported nothing. The Prosecutor General's Office reported a case. "
        "According to Dana Ospanova, the pumps are old."
    )
    info = document_sources(text, None, None, {}, "text")
    assert [(c.name, c.kind) for c in info.cites] == [("Dana Ospanova", PERSON_OR_OUTLET)]


def test_other_citation_forms_and_datelines() -> None:
    text = (
        "LONDON (Reuters) - Grain prices rose. As reported by The Times of Central Asia, exports fell. "
        "Compromat reports that a ship was held. Interfax said in a report that talks resumed. "
        "Kazinform has reported a delay. "
        "News.Az reported a strike, citing TASS."
    )
    info = document_sources(text, None, None, {}, "text")
    assert (info.outlet, info.found_by) == ("Reuters", "dateline")
    found = {(c.name, c.kind) for c in info.cites}
    assert found == {
        ("Times of Central Asia", OUTLET),
        ("Compromat", PERSON_OR_OUTLET),
        ("Kazinform", PERSON_OR_OUTLET),
        ("Interfax", OUTLET),
        ("News.Az", OUTLET),
        ("TASS", OUTLET),
    }
    for c in info.cites:
        assert text[c.start : c.end] == c.name


def test_russian_datelines_and_citations() -> None:
    slash = document_sources(
        "АСТАНА, 27 февраля. /Степной вестник/. Тендер приостановлен.", None, None, {}, "text"
    )
    assert (slash.outlet, slash.found_by) == ("Степной вестник", "dateline")
    dash = document_sources("МОСКВА, 3 мар — РИА Новости. Цены выросли.", None, None, {}, "text")
    assert (dash.outlet, dash.found_by) == ("РИА Новости", "dateline")

    text = (
        "Министр подал в отставку, сообщает ТАСС со ссылкой на агентство Bloomberg. "
        "По данным Интерфакса, документ подписан. Об этом пишет «Каспийский курьер». "
        "По данным МВД, задержаны двое. По информации Управления ЖКХ, воды нет. "
        "Об этом сообщил Карим Масимов. По данным источников, сделка сорвалась. "
        "Об этом сообщает сайт Русской православной церкви. Отставку подтвердил, пишет Газета.ру, "
        "сам министр."
    )
    info = document_sources(text, None, None, {}, "text")
    assert {(c.name, c.kind) for c in info.cites} == {
        ("ТАСС", OUTLET),
        ("Bloomberg", OUTLET),
        ("Интерфакса", PERSON_OR_OUTLET),
        ("Каспийский курьер", PERSON_OR_OUTLET),
        ("Газета.ру", OUTLET),
    }
    for c in info.cites:
        assert text[c.start : c.end] == c.name
    # One source whatever its case: "по данным Интерфакса" and "сообщает Интерфакс".
    assert source_key("Интерфакса") == source_key("Интерфакс") == source_key("«Интерфакс»")
    assert source_key("Ведомостей") == source_key("Ведомости")
    assert source_key("ТАСС") != source_key("ТАСС-Урал")


def test_dateline_agency_is_cited_when_the_site_republishes_it() -> None:
    info = document_sources(WIRE, None, "News.Az", {}, "html")
    assert info.outlet == "News.Az"
    assert [c.name for c in info.cites] == ["Steppe News Agency"]


def test_email_sender_and_byline() -> None:
    mail = document_sources(
        "From: Aigerim Sadykova <a.s@water.gov.kz>\n\nSee attached.",
        None,
        "water.gov.kz",
        {"from": "Aigerim Sadykova <a.s@water.gov.kz>"},
        "email",
    )
    assert (mail.outlet, mail.found_by) == ("Aigerim Sadykova", "email-from")
    bare = document_sources("x", None, "gmail.com", {"from": "dana.o@gmail.com"}, "email")
    assert bare.outlet == "dana.o@gmail.com"  # a free-mail domain says nothing about the sender
    org = document_sources("x", None, "water.gov.kz", {"from": "<press@water.gov.kz>"}, "email")
    assert org.outlet == "water.gov.kz"
    byline = document_sources(
        "Canal repairs delayed\nBy Marat Ileuov\n\nThe canal...", None, None, {}, "text"
    )
    assert (byline.outlet, byline.found_by) == ("Marat Ileuov", "byline")


def test_printed_email_sender_is_the_outlet() -> None:
    printed = "From: Odile Farrant [mailto:odile@harbour.example]\nSent: Monday\nTo: Corvin Ashdale\n\nFine."
    info = document_sources(printed, None, None, {}, "text")
    assert (info.outlet, info.found_by) == ("Odile Farrant", "printed-from")
    inverted = document_sources("From: Farrant, Odile [\nSent: Monday\n\nFine.", None, None, {}, "text")
    assert inverted.outlet == "Odile Farrant"  # surname-first and a bracket cut by the line end
    bare = document_sources("From: <press@harbour.example>\nTo: all\n\nNotice.", None, None, {}, "pdf")
    assert bare.outlet == "harbour.example"
    # A quoted message's sender is not this message's; nor is a "From:" further down a letter.
    quoted = "Sent: Monday\nFrom:\n\n> From: Corvin Ashdale\n> Fine."
    assert document_sources(quoted, None, None, {}, "text").outlet is None
    letter = "Dear Odile,\nFrom: the harbour office\n"
    assert document_sources(letter, None, None, {}, "text").found_by != "printed-from"


def test_source_key_joins_spellings_of_one_outlet() -> None:
    assert (
        source_key("The Caspian Herald")
        == source_key("caspianherald.kz")
        == source_key("www.CaspianHerald.kz")
    )
    assert source_key("Caspian Herald") != source_key("Caspian Courier")


# --- tables --------------------------------------------------------------------------------------------


def _insert(
    conn: sqlite3.Connection,
    path: str,
    text: str,
    *,
    source: str | None = None,
    fmt: str = "text",
    meta: dict[str, str] | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO documents(path, sha256, file_path, source, format, words, meta, text)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (path, f"sha-{path}", path, source, fmt, len(text.split()), json.dumps(meta or {}), text),
    )
    return int(cur.lastrowid or 0)


def test_migration_002_applies_on_a_fresh_database(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "duplicate_clusters",
        "duplicate_members",
        "duplicate_pairs",
        "sources",
        "document_sources",
        "citations",
    } <= tables


def test_rebuild_duplicates_and_sources(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    with conn:
        wire = _insert(conn, "wire/steppe-0311.txt", WIRE)
        rewrite = _insert(conn, "web/herald.html", REWRITE, source="caspianherald.kz", fmt="html")
        copy = _insert(conn, "archive/steppe-0311-copy.txt", WIRE.replace("\n", "\r\n"))
        other_wire = _insert(conn, "wire/steppe-0312.txt", UNRELATED[0])
        loose = _insert(conn, "misc/heating.txt", UNRELATED[1])
        _insert(conn, "misc/note.txt", SHORT)

    for _ in range(2):  # idempotent
        with conn:
            report = rebuild_duplicates(conn)
            rebuild_sources(conn)
        assert (report.pairs, report.clusters, report.documents_in_clusters) == (3, 1, 3)
        found = duplicates(conn)
        assert len(found) == 1
        assert sorted(found[0]["documents"]) == sorted(
            ["wire/steppe-0311.txt", "web/herald.html", "archive/steppe-0311-copy.txt"]
        )
        assert 0.2 <= found[0]["similarity"] < 1.0  # the weakest link: the rewrite

    by_name = {s["name"]: s for s in sources(conn)}
    steppe = by_name["Steppe News Agency"]
    assert sorted(steppe["documents"]) == [
        "archive/steppe-0311-copy.txt",
        "wire/steppe-0311.txt",
        "wire/steppe-0312.txt",
    ]
    assert steppe["cited_by"] == ["caspianherald.kz"]
    assert steppe["cited_in"] == ["web/herald.html"]
    assert by_name["caspianherald.kz"]["cites"] == ["Steppe News Agency"]
    start, end = conn.execute("SELECT start, end FROM citations WHERE document_id = ?", (rewrite,)).fetchone()
    assert REWRITE[start:end] == "Steppe News Agency"

    counts = independent_counts(conn, [wire, rewrite, copy, other_wire, loose, wire])
    # 5 documents; stories: the canal story (3 documents), football, heating; sources: Steppe News
    # Agency (3 documents), the Caspian Herald, and the heating item with no known outlet.
    assert counts == {"documents": 5, "stories": 3, "sources": 3}
    assert independent_counts(conn, []) == {"documents": 0, "stories": 0, "sources": 0}

    with conn:  # deleting a document drops its rows
        conn.execute("DELETE FROM documents WHERE id = ?", (copy,))
    assert conn.execute("SELECT COUNT(*) FROM duplicate_members").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM duplicate_pairs").fetchone()[0] == 1


def test_case_forms_of_a_russian_outlet_are_one_source(tmp_path: Path) -> None:
    conn = connect(tmp_path / "ru.db")
    with conn:
        first = _insert(conn, "a.txt", "По данным Интерфакса, тендер отменён. Решение обжалуют.")
        second = _insert(conn, "b.txt", "Тендер отменён, сообщает Интерфакс. Решение обжалуют.")
        rebuild_sources(conn)
    by_name = {s["name"]: s for s in sources(conn)}
    assert "Интерфакса" not in by_name  # shown in its shortest (nominative) spelling
    assert sorted(by_name["Интерфакс"]["cited_in"]) == ["a.txt", "b.txt"]
    rows = conn.execute(
        "SELECT DISTINCT source_id FROM citations WHERE document_id IN (?, ?)", (first, second)
    )
    assert len(rows.fetchall()) == 1
    conn.close()


def test_a_cited_name_that_sends_mail_is_a_sender(tmp_path: Path) -> None:
    conn = connect(tmp_path / "kind.db")
    with conn:
        _insert(conn, "a.txt", "The berth was leased, according to Odile Farrant, last spring.")
        _insert(conn, "b.txt", "From: Farrant, Odile\nTo: Corvin Ashdale\nSubject: Berth\n\nSigned today.")
        rebuild_sources(conn)
    farrant = {s["name"]: s for s in sources(conn)}["Odile Farrant"]
    assert (farrant["kind"], farrant["documents"], farrant["cited_in"]) == ("sender", ["b.txt"], ["a.txt"])
    conn.close()


def test_empty_input_and_empty_database(tmp_path: Path) -> None:
    assert find_pairs([]) == []
    conn = connect(tmp_path / "x.db")
    with conn:
        assert rebuild_duplicates(conn).pairs == 0
        assert rebuild_sources(conn).sources == 0
    assert duplicates(conn) == [] and sources(conn) == []


def test_boilerplate_grading_in_partitions_gives_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    import threadline.link.duplicates as duplicates_module

    docs = [(1, WIRE), (2, REWRITE), (3, WIRE + "\n"), *((10 + i, t) for i, t in enumerate(UNRELATED))]
    expected = find_pairs(docs)
    monkeypatch.setattr(duplicates_module, "_DF_PARTITION", 64)  # forces several partitions
    assert find_pairs(docs) == expected
    assert [(p.a, p.b) for p in find_pairs(docs, lsh_params=(64, 2)) if p.jaccard == 1.0] == [(1, 3)]


def test_a_footer_shared_by_many_texts_does_not_make_a_story() -> None:
    footer = (
        "This message and any attachments are confidential and intended solely for the addressee. "
        "If you received it in error please notify the sender at once and delete it from your system. "
        "Messages sent through this server may be monitored for compliance with the law and office rules."
    )
    # Twelve different notes (synthetic words, distinct per note) that all end with the same footer.
    notes = [(i, " ".join(f"note{i}word{k}" for k in range(40)) + "\n\n" + footer) for i in range(12)]
    a, b = shingle_array(notes[0][1]), shingle_array(notes[1][1])
    jaccard, containment, shared = overlap(a, b)
    assert is_rewrite(jaccard, containment, shared, min(len(a), len(b)))  # on raw wording they would
    assert find_pairs(notes) == []
    # The footer is in 12 texts, more than distinctive_df: only that grading keeps them apart.
    assert len(find_pairs(notes, Thresholds(distinctive_df=20))) == 66


@pytest.mark.parametrize("lsh_params", [(128, 1), (64, 2)])
def test_every_pair_of_a_group_of_copies_is_found(
    monkeypatch: pytest.MonkeyPatch, lsh_params: tuple[int, int]
) -> None:
    import threadline.link.duplicates as duplicates_module

    # Five copies share their LSH buckets: all ten pairs must come out, also when the candidate
    # pairs are compared a few at a time.
    copies = [(i, WIRE.replace("suspended", f"suspended (update {i})")) for i in range(1, 6)]
    docs = [*copies, *((10 + i, t) for i, t in enumerate(UNRELATED))]
    expected = [(a, b) for a in range(1, 6) for b in range(a + 1, 6)]
    assert [(p.a, p.b) for p in find_pairs(docs, lsh_params=lsh_params)] == expected
    monkeypatch.setattr(duplicates_module, "_PAIR_CHUNK", 3)
    assert [(p.a, p.b) for p in find_pairs(docs, lsh_params=lsh_params)] == expected
