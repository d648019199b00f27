"""Watchlist matching that does not depend on NER (issue 11): every listed spelling, in any letter
case and name order, with or without the patronymic, initials that agree; never another
patronymic, another given name or the feminine surname. All names here are invented."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from threadline.extract.core import Draft, apply_watchlist, tag_watchlist_variants
from threadline.extract.watchlist import WatchlistMatcher, given_first_names, listed_parts
from threadline.model import EntityType, MentionKind, WatchlistPerson

# A register's way of listing a person: surname in capitals, a comma form, a Cyrillic form, a
# surname-first alias, parts given separately (FollowTheMoney).
KIRILL = {
    "id": "wl-kirill",
    "schema": "Person",
    "caption": "Kirill Matveyevich Lysenkov",
    "properties": {
        "name": ["Kirill Matveyevich LYSENKOV", "LYSENKOV, Kirill Matveyevich", "Кирилл Матвеевич Лысенков"],
        "alias": ["Lysenkov Kirill"],
        "firstName": ["Kirill"],
        "fatherName": ["Matveyevich"],
        "lastName": ["Lysenkov"],
        "birthDate": ["1986-10-27"],
    },
}
# His (invented) brother: same surname and patronymic, another given name.
ARSENY = {
    "id": "wl-arseny",
    "schema": "Person",
    "caption": "Arseny Matveyevich Lysenkov",
    "properties": {"name": ["Arseny Matveyevich LYSENKOV", "Арсений Матвеевич Лысенков"]},
}
PEOPLE = [
    WatchlistPerson(
        "wl-kirill",
        "Kirill Matveyevich Lysenkov",
        (
            "Kirill Matveyevich LYSENKOV",
            "Kirill Matveyevich LYSENKOV",
            "Кирилл Матвеевич Лысенков",
            "Lysenkov Kirill",
        ),
    ),
    WatchlistPerson("wl-arseny", "Arseny Matveyevich Lysenkov", ("Арсений Матвеевич Лысенков",)),
]
KIRILL_ONLY = PEOPLE[:1]

# (text, the words found) for Kirill; each is one listed spelling or a form the list implies.
POSITIVES = [
    (
        "Kirill Matveyevich LYSENKOV, born 27 October 1986, was named in the filing.",
        "Kirill Matveyevich LYSENKOV",
    ),
    ("The filing lists LYSENKOV Kirill as a director.", "LYSENKOV Kirill"),
    ("Analysts say Kirill Lysenkov has run the firm since 2015.", "Kirill Lysenkov"),
    ("The letter was signed by K. M. Lysenkov on behalf of the board.", "K. M. Lysenkov"),
    ("The memo was signed by K.M. Lysenkov for the bank.", "K.M. Lysenkov"),
    ("Registry entry: Lysenkov, Kirill Matveyevich, director.", "Lysenkov, Kirill Matveyevich"),
    ("Registry entry: Lysenkov Kirill Matveyevich, director.", "Lysenkov Kirill Matveyevich"),
    ("kirill matveyevich lysenkov appears in the minutes.", "kirill matveyevich lysenkov"),
    ("KIRILL MATVEYEVICH LYSENKOV appears in the annual register.", "KIRILL MATVEYEVICH LYSENKOV"),
    ("Kirill M. Lysenkov appears in the minutes.", "Kirill M. Lysenkov"),
    ("Кирилл Матвеевич Лысенков возглавил совет директоров.", "Кирилл Матвеевич Лысенков"),
    ("КИРИЛЛ МАТВЕЕВИЧ ЛЫСЕНКОВ указан в протоколе.", "КИРИЛЛ МАТВЕЕВИЧ ЛЫСЕНКОВ"),
    ("В протоколе указан Лысенков Кирилл Матвеевич как директор.", "Лысенков Кирилл Матвеевич"),
    ("Документ подписал Лысенков К. М. в понедельник.", "Лысенков К. М."),
    ("Kirill Lysenkov's lawyer declined to comment.", "Kirill Lysenkov"),
]
# Someone else with the surname: another patronymic, another given name or initial, the feminine form.
NEGATIVES = [
    "A different man, Kirill Borisovich Lysenkov, owns a bakery in Tver.",
    "The register lists LYSENKOV Kirill Borisovich as its owner.",
    "The register lists Lysenkov, Kirill Borisovich as its owner.",
    "The letter was signed by K. B. Lysenkov for the bakery.",
    "The letter was signed by Lysenkov K. B. for the bakery.",
    "His neighbour Pavel Lysenkov repairs bicycles in the old town.",
    "The register lists PAVEL LYSENKOV as the owner.",
    "The register lists LYSENKOV Pavel as the owner.",
    "The register lists Lysenkov, Pavel Borisovich as the owner.",
    "The letter was signed by P. Lysenkov for the bakery.",
    "The singer Lysenkova gave a concert in the park on Sunday.",
    "В списке есть Кирилл Борисович Лысенков, владелец пекарни.",
    "В списке есть ЛЫСЕНКОВ Кирилл Борисович, владелец пекарни.",
]


def _found(people: list[WatchlistPerson], text: str) -> list[tuple[str, str, str]]:
    return [(text[h.start : h.end], h.person_id, h.name) for h in WatchlistMatcher(people).find(text)]


@pytest.mark.parametrize(("text", "surface"), POSITIVES)
def test_every_listed_spelling_is_found_in_any_case_and_order(text: str, surface: str) -> None:
    found = _found(PEOPLE, text)
    assert [(s, p) for s, p, _ in found] == [(surface, "wl-kirill")]


@pytest.mark.parametrize("text", NEGATIVES)
def test_another_patronymic_given_name_or_initial_never_matches(text: str) -> None:
    # With Kirill alone on the list his surname is his, so a lone "Lysenkov" could match: it must
    # not, inside another person's name.
    assert _found(KIRILL_ONLY, text) == []
    assert _found(PEOPLE, text) == []


def test_the_name_is_given_first_whatever_the_order_in_the_text() -> None:
    assert _found(PEOPLE, "The register lists LYSENKOV Kirill as owner.")[0][2] == "Kirill LYSENKOV"
    assert (
        _found(PEOPLE, "Entry: Lysenkov, Kirill Matveyevich, owner.")[0][2] == "Kirill Matveyevich Lysenkov"
    )
    assert _found(PEOPLE, "Подписал Лысенков К. М. вчера.")[0][2] == "К. М. Лысенков"


def test_two_listed_people_with_one_surname_are_told_apart_by_given_name_and_initial() -> None:
    text = (
        "Arseny Lysenkov met Kirill Lysenkov. A. M. Lysenkov signed; so did K. Lysenkov. Lysenkov left."
        " LYSENKOV Arseny stayed."
    )
    found = [(s, p) for s, p, _ in _found(PEOPLE, text)]
    assert found == [
        ("Arseny Lysenkov", "wl-arseny"),
        ("Kirill Lysenkov", "wl-kirill"),
        ("A. M. Lysenkov", "wl-arseny"),
        ("K. Lysenkov", "wl-kirill"),
        ("LYSENKOV Arseny", "wl-arseny"),
    ]  # the lone "Lysenkov" is either brother's: neither


def test_a_lone_surname_stands_for_the_only_listed_bearer_unless_a_name_surrounds_it() -> None:
    text = (
        "The Lysenkov case. Minister Lysenkov spoke. Mr. Lysenkov's office said LYSENKOV had left."
        " Pavel Lysenkov did not. Borisovich Lysenkov either."
    )
    found = [(s, p) for s, p, _ in _found(KIRILL_ONLY, text)]
    assert found == [("Lysenkov", "wl-kirill")] * 3 + [("LYSENKOV", "wl-kirill")]
    assert _found(KIRILL_ONLY, "mail kirill.lysenkov@example.org or lysenkov.example.org") == []


def test_a_middle_name_the_list_does_not_give_may_stand_in_the_text() -> None:
    people = [WatchlistPerson("wl-t", "Timur Abenov")]
    found = [(s, p) for s, p, _ in _found(people, "Timur Kairatovich ABENOV and Timur K. Abenov signed.")]
    assert found == [("Timur Kairatovich ABENOV", "wl-t"), ("Timur K. Abenov", "wl-t")]
    # A different given name still never matches, nor does a lone capital that may be an initial.
    assert _found(people, "Rustam Kairatovich Abenov and R Abenov signed.") == []


def test_listed_names_are_read_into_parts() -> None:
    person = WatchlistPerson(
        "p",
        "Kirill Matveyevich LYSENKOV",
        (
            "LYSENKOV, Kirill Matveyevich",
            "Lysenkov Kirill",
            "Лысенков Кирилл Матвеевич",
            "Kirill MOSKVIN MATVEYEVICH",
        ),
    )
    parts = [(p.given, p.middles, p.surname) for p in listed_parts(person)]
    assert parts == [
        (("kirill",), ("matveyevich",), ("lysenkov",)),
        (("kirill",), ("matveyevich",), ("lysenkov",)),
        (("kirill",), (), ("lysenkov",)),
        (("kirill",), ("matveevich",), ("lysenkov",)),
        (("kirill",), ("matveyevich",), ("moskvin",)),
    ]
    assert "Kirill Lysenkov" in given_first_names(person)
    assert "Кирилл Матвеевич Лысенков" in given_first_names(person)


def test_apply_watchlist_replaces_a_name_ner_cut_short_and_orders_a_surname_first_name() -> None:
    text = "Registry entry: Lysenkov, Kirill Matveyevich, director. The filing lists LYSENKOV Kirill too."
    cut = Draft(26, 44, "Kirill Matveyevich", EntityType.PERSON, MentionKind.NER)
    start = text.index("LYSENKOV Kirill")
    whole = Draft(start, start + 15, "LYSENKOV Kirill", EntityType.PERSON, MentionKind.NER)
    drafts = apply_watchlist(text, 0, [cut, whole], WatchlistMatcher(PEOPLE))
    named = sorted((d.start, d.name, d.kind, d.watchlist_id) for d in drafts)
    assert named == [
        (16, "Kirill Matveyevich Lysenkov", MentionKind.WATCHLIST, "wl-kirill"),
        (start, "Kirill LYSENKOV", MentionKind.NER, "wl-kirill"),
    ]


def test_cross_script_tagging_refuses_another_patronymic() -> None:
    # natasha's lemmas, as the Russian backend leaves them for ``tag_watchlist_variants``.
    def draft(start: int, name: str) -> Draft:
        return Draft(start, start + len(name), name, EntityType.PERSON, MentionKind.NER)

    other = draft(0, "Кирилл Борисович Лысенков")
    him = draft(100, "Кирилл Лысенков")
    cut_other = [draft(200, "Кирилл Борисович"), draft(217, "Лысенков")]  # one name NER cut in two
    cut_him = [draft(300, "Кирилл Матвеевич"), draft(317, "Лысенков")]
    half_declined = draft(400, "Кирилл Матвеевича Лысенков")  # a lemma that kept the genitive
    drafts = [other, him, *cut_other, *cut_him, half_declined]
    tag_watchlist_variants(drafts, KIRILL_ONLY)
    tagged = [(d.start, d.end, d.name, d.watchlist_id) for d in drafts]
    assert tagged == [
        (0, 25, "Кирилл Борисович Лысенков", None),
        (100, 115, "Кирилл Лысенков", "wl-kirill"),
        (200, 216, "Кирилл Борисович", None),
        (217, 225, "Лысенков", None),
        (300, 325, "Кирилл Матвеевич Лысенков", "wl-kirill"),  # one mention for the one name
        (400, 426, "Кирилл Матвеевича Лысенков", "wl-kirill"),
    ]


# --- through the CLI --------------------------------------------------------------------------------------

DOCS = {f"p{n}.txt": text for n, (text, _surface) in enumerate(POSITIVES)} | {
    "p_ru_inflected.txt": "Представитель Кирилла Лысенкова отказался от комментариев.",
    "p_ru_inflected_surname_first.txt": "Суд вызвал Лысенкова Кирилла на допрос во вторник.",
    "p_ru_inflected_patronymic.txt": "Адвокат Кирилла Матвеевича Лысенкова подал жалобу в суд.",
}
DECOYS = {f"n{n}.txt": text for n, text in enumerate(NEGATIVES)} | {
    "n_ru_inflected.txt": "Суд вызвал Кирилла Борисовича Лысенкова на допрос во вторник.",
}


def _write(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(
            text + "\n\nThe rest of the page is about the weather.\n", encoding="utf-8"
        )
    return folder


def _watchlist_file(tmp_path: Path) -> Path:
    path = tmp_path / "list.ftm.json"
    path.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in (KIRILL, ARSENY)) + "\n", encoding="utf-8"
    )
    return path


def _tagged_documents(db: Path, person_id: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT DISTINCT d.path FROM mentions m JOIN documents d ON d.id = m.document_id"
            " WHERE m.watchlist_id = ?",
            (person_id,),
        )
        return {Path(r[0]).name for r in rows}
    finally:
        conn.close()


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rows}


@pytest.mark.slow
@pytest.mark.parametrize("order", ["watchlist-then-ingest", "ingest-then-watchlist"])
def test_xref_finds_every_spelling_and_no_namesake_in_either_order(tmp_path: Path, order: str) -> None:
    from tests.test_cli import run, run_json

    folder = tmp_path / "docs"
    _write(folder, DOCS | DECOYS)
    db = tmp_path / "t.db"
    steps = [("watchlist", "import", str(_watchlist_file(tmp_path))), ("ingest", str(folder))]
    for step in steps if order == "watchlist-then-ingest" else steps[::-1]:
        run(db, *step)
    rows = _by_id(run_json(db, "xref"))
    kirill = rows["wl-kirill"]
    assert kirill["found"] is True
    assert kirill["documents"] == len(DOCS)
    assert kirill["mentions"] == len(DOCS)
    assert not any("Borisovich" in s or "Борисович" in s or "Pavel" in s for s in kirill["spellings"])
    evidence = {Path(e["path"]).name: e["sentence"] for e in kirill["evidence"]}
    assert evidence["p0.txt"].startswith("Kirill Matveyevich LYSENKOV, born 27 October 1986")
    assert not set(evidence) & set(DECOYS)
    # Extraction agrees: every positive document has a mention tagged as him, no decoy document has.
    assert _tagged_documents(db, "wl-kirill") == set(DOCS)
    assert rows["wl-arseny"]["found"] is False


@pytest.mark.slow
def test_a_folder_of_namesakes_finds_no_one(tmp_path: Path) -> None:
    from tests.test_cli import run, run_json

    folder = _write(tmp_path / "docs", DECOYS)
    db = tmp_path / "t.db"
    run(db, "watchlist", "import", str(_watchlist_file(tmp_path)))
    run(db, "ingest", str(folder))
    assert [r["found"] for r in run_json(db, "xref")] == [False, False]
    # The same list not stored, cross-referenced from its file: the same answer.
    assert [r["found"] for r in run_json(db, "xref", str(_watchlist_file(tmp_path)))] == [False, False]


@pytest.mark.slow
def test_xref_of_a_list_file_finds_names_ner_missed(tmp_path: Path) -> None:
    """``xref FILE`` on a folder ingested without a watchlist: NER reads "Kirill Matveyevich
    LYSENKOV" in capitals as no one, yet the list's own spelling is found, with its sentence."""
    from tests.test_cli import run, run_json

    folder = _write(tmp_path / "docs", DOCS | DECOYS)
    db = tmp_path / "t.db"
    run(db, "ingest", str(folder))
    rows = _by_id(run_json(db, "xref", str(_watchlist_file(tmp_path))))
    kirill = rows["wl-kirill"]
    assert kirill["found"] is True
    assert kirill["documents"] == len(DOCS)
    assert kirill["mentions"] == len(DOCS)
    sentences = [e["sentence"] for e in kirill["evidence"]]
    assert any(s.startswith("Kirill Matveyevich LYSENKOV, born 27 October 1986") for s in sentences)
    for e in kirill["evidence"]:
        text = (folder / Path(e["path"]).name).read_text(encoding="utf-8")
        assert text[e["start"] : e["end"]] == e["sentence"]
    assert not any("Borisovich" in s or "Pavel" in s for s in kirill["spellings"])
    assert rows["wl-arseny"]["found"] is False
