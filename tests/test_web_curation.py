"""Curation in the browser (``serve --edit``) through FastAPI's TestClient: a read-only server has no
write route and no form; in edit mode the forms merge, split, keep apart and reject, refuse what
another site sends, and each judgement outlives a new resolution.

The database is built through the store (fictional documents, mentions placed by hand, entities by
resolution), not NER, so these tests need no language model and a fresh copy costs milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from threadline import query
from threadline.cli import main
from threadline.model import Document, EntityType, Extraction, Mention, MentionKind, Sentence
from threadline.pipeline import resolve_all
from threadline.store import repository as repo
from threadline.store.db import connect, writer_lock
from threadline.web import create_app

LOCAL = "http://127.0.0.1"
P, LOC = EntityType.PERSON, EntityType.LOCATION
PLACES = ("Port Ellery", "Dunmore Quay", "Kestrel Bay", "Alderwick", "Saltmarsh Road")
TOPICS = ("dredging accounts", "crane contract", "pilot boat repairs", "winter tariff", "ferry timetable")
ROOMS = ("library wing", "science room", "sports field", "music hall")


def _corpus() -> list[tuple[str, list[str], list[tuple[str, EntityType]]]]:
    """(path, sentences, names marked in them): two Hollowways a lone "Holloway" cannot choose
    between (a suggestion), a nickname merged on likelihood, and a place NER called a person."""
    docs: list[tuple[str, list[str], list[tuple[str, EntityType]]]] = []
    for i, (place, topic) in enumerate(zip(PLACES, TOPICS, strict=True)):
        docs.append(
            (
                f"harbour-{i}.txt",
                [
                    f"Marten Holloway chaired the meeting about the {topic} in {place}.",
                    f"Corvin Ashdale presented the {topic} to Marten Holloway on day {i + 3}.",
                ],
                [("Marten Holloway", P), ("Corvin Ashdale", P), (place, LOC)],
            )
        )
    for i, room in enumerate(ROOMS):
        docs.append(
            (
                f"school-{i}.txt",
                [
                    f"Idris Holloway opened the {room} on a rainy day, the {i + 2}nd of March.",
                    f"Vera Lindqvist thanked Idris Holloway for paying for the {room}.",
                ],
                [("Idris Holloway", P), ("Vera Lindqvist", P)],
            )
        )
    docs.append(
        ("letter-1.txt", ["Holloway has not answered our questions about the quay."], [("Holloway", P)])
    )
    docs.append(("letter-2.txt", ["At the public meeting Holloway said nothing at all."], [("Holloway", P)]))
    docs.append(
        (
            "gossip.txt",
            [
                "Jeff Corran, the harbour pilot, was seen with a cousin of Jeffrey Corran.",
                "Jeffrey Corran denied it, and Tamsin Vell laughed.",
            ],
            [("Jeffrey Corran", P), ("Jeff Corran", P), ("Tamsin Vell", P)],
        )
    )
    docs.append(("walk-1.txt", ["We walked down Saltmarsh to the old pier."], [("Saltmarsh", P)]))
    docs.append(("walk-2.txt", ["The bus to Saltmarsh was late again."], [("Saltmarsh", P)]))
    return docs


def _document(
    path: str, sentences: list[str], names: list[tuple[str, EntityType]]
) -> tuple[Document, Extraction]:
    text = "\n".join(sentences) + "\n"
    spans: list[Sentence] = []
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    pos = 0
    for index, line in enumerate(sentences):
        spans.append(Sentence(index, pos, pos + len(line)))
        # Longest names first, so "Holloway" inside "Marten Holloway" is not a mention of its own.
        for name, type_ in sorted(names, key=lambda n: -len(n[0])):
            for found in re.finditer(re.escape(name), line):
                start, end = pos + found.start(), pos + found.end()
                if any(start < b and a < end for a, b in taken):
                    continue
                taken.append((start, end))
                mentions.append(Mention(start, end, name, name, type_, MentionKind.NER, index))
        pos += len(line) + 1
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Document(path=path, sha256=sha, text=text, title=path), Extraction(spans, mentions)


def build_curation_db(path: Path) -> Path:
    """The fictional corpus above stored and resolved at ``path``; returns ``path``."""
    conn = connect(path)
    with conn:
        for name, sentences, names in _corpus():
            document, extraction = _document(name, sentences, names)
            repo.add_document(conn, name, document, extraction)
        resolve_all(conn)
    conn.close()
    return path


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_curation_db(tmp_path_factory.mktemp("curation") / "pristine.db")


@pytest.fixture
def db(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy for each test: every test here writes."""
    return Path(shutil.copy(pristine, tmp_path / "curation.db"))


@pytest.fixture
def editor(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db, edit=True), base_url=LOCAL) as c:
        yield c


@pytest.fixture
def reader(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db), base_url=LOCAL) as c:
        yield c


def _csrf(client: TestClient, page: str = "/entity/corvin-ashdale") -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get(page).text)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


def _show(db: Path, name: str) -> dict[str, Any]:
    """The entity as the query layer (and so `threadline show`) sees it, through a new connection."""
    conn = connect(db, readonly=True)
    try:
        return query.show(conn, name)
    finally:
        conn.close()


def _entity_of(db: Path, name: str) -> str:
    return str(_show(db, name)["id"])


def _guarded(response: httpx.Response) -> None:
    assert "default-src 'self'" in response.headers.get("content-security-policy", "")
    assert response.headers.get("x-frame-options") == "DENY"


WRITES = ("merge", "not-same", "split", "reject")


# --- read-only: no write route, no form ------------------------------------------------------------------


def test_a_read_only_server_has_no_write_routes_and_shows_no_forms(reader: TestClient, db: Path) -> None:
    before = _entity_of(db, "Vera Lindqvist")
    for action in WRITES:
        r = reader.post(f"/entity/corvin-ashdale/{action}", data={"other": "Vera Lindqvist", "alias": "x"})
        assert r.status_code in (404, 405), action
        _guarded(r)
    assert _entity_of(db, "Vera Lindqvist") == before
    for page in ("/entity/corvin-ashdale", "/entity/jeffrey-corran", "/suggestions", "/judgements"):
        html = reader.get(page).text
        assert 'method="post"' not in html and 'name="csrf"' not in html, page
        # A GET form (the date filter) only reads; every other button would be a curation's.
        html = re.sub(r'<form[^>]*method="get".*?</form>', "", html, flags=re.DOTALL)
        assert "<button" not in html and 'type="checkbox"' not in html, page
        assert "read-only" in html
    suggestions = reader.get("/suggestions").text
    assert 'href="/entity/holloway"' in suggestions and 'href="/entity/marten-holloway"' in suggestions
    assert "Same person" not in suggestions
    pool = reader.app.state.pool  # type: ignore[attr-defined]
    conn = pool.acquire()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM judgements")
    finally:
        pool.release(conn)


def test_the_entity_page_marks_probable_merges_with_their_reason(reader: TestClient, db: Path) -> None:
    merges = {m["alias"]: m for m in _show(db, "jeffrey-corran")["merges"]}
    assert merges["Jeff Corran"]["probable"] == 1 and merges["Jeffrey Corran"]["probable"] == 0
    html = reader.get("/entity/jeffrey-corran").text
    row = html[html.index("<td>Jeff Corran</td>") :]
    row = row[: row.index("</tr>")]
    assert 'class="badge probable"' in row and "nickname" in row
    other = html[html.index("<td>Jeffrey Corran</td>") :]
    assert "probable" not in other[: other.index("</tr>")]


# --- edit mode: forms refused when they do not come from this server's page ----------------------------


def test_edit_pages_carry_the_forms_and_a_csrf_token(editor: TestClient) -> None:
    html = editor.get("/entity/corvin-ashdale").text
    assert (
        'action="/entity/corvin-ashdale/merge"' in html
        and 'formaction="/entity/corvin-ashdale/not-same"' in html
    )
    assert 'action="/entity/corvin-ashdale/reject"' in html
    token = _csrf(editor)
    assert html.count(f'name="csrf" value="{token}"') >= 2
    assert "Same person" in editor.get("/suggestions").text
    assert 'name="alias"' in editor.get("/entity/jeffrey-corran").text  # two aliases: a split form
    # With "no-referrer" a browser sends "Origin: null" on the page's own forms, refused as foreign.
    assert editor.get("/").headers["referrer-policy"] == "same-origin"


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(editor: TestClient, db: Path) -> None:
    for data in ({"other": "Vera Lindqvist"}, {"other": "Vera Lindqvist", "csrf": "0" * 64}):
        r = editor.post("/entity/corvin-ashdale/merge", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        _guarded(r)
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:9999"},
    ],
)
def test_a_post_from_another_site_is_refused(editor: TestClient, db: Path, headers: dict[str, str]) -> None:
    data = {"other": "Vera Lindqvist", "csrf": _csrf(editor)}
    r = editor.post("/entity/corvin-ashdale/merge", data=data, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and "another site" in r.text
    _guarded(r)
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"


def test_a_form_from_before_a_restart_is_refused(db: Path, editor: TestClient) -> None:
    old = _csrf(editor)
    with TestClient(create_app(db, edit=True), base_url=LOCAL) as restarted:
        r = restarted.post("/entity/corvin-ashdale/merge", data={"other": "Vera Lindqvist", "csrf": old})
        assert r.status_code == 403
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"


def test_edit_mode_off_loopback_still_needs_the_token(db: Path) -> None:
    token = "harbour-token"
    with TestClient(create_app(db, token=token, edit=True), base_url=LOCAL) as c:
        r = c.post("/entity/corvin-ashdale/merge", data={"other": "Vera Lindqvist"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c.post("/login", data={"token": token}, follow_redirects=False).status_code == 303
        data = {"other": "Vera Lindqvist", "csrf": _csrf(c)}
        assert c.post("/entity/corvin-ashdale/merge", data=data, follow_redirects=False).status_code == 303
    assert _entity_of(db, "Vera Lindqvist") == _entity_of(db, "Corvin Ashdale")


def test_serve_edit_off_loopback_without_a_token_is_refused(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_TOKEN", raising=False)
    assert main(["--db", str(db), "serve", "--edit", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "token" in capsys.readouterr().err


# --- edit mode: the four judgements ----------------------------------------------------------------------


def test_merge_from_the_entity_page(editor: TestClient, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = {
        "other": "Vera Lindqvist",
        "note": "one harbour clerk",
        "user": "ana",
        "csrf": _csrf(editor),
    }
    r = editor.post(
        "/entity/corvin-ashdale/merge", data=data, headers={"Origin": LOCAL}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/entity/corvin-ashdale?done=merged&other=vera-lindqvist"
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    shown = _show(db, "Vera Lindqvist")
    assert shown["id"] == "corvin-ashdale" and {"Corvin Ashdale", "Vera Lindqvist"} <= set(shown["aliases"])
    reasons = {m["alias"]: m["reason"] for m in shown["merges"]}
    assert any(reason == "merged by ana: one harbour clerk" for reason in reasons.values())
    # The CLI sees the same: one entity, whichever name is asked for.
    assert main(["--db", str(db), "show", "Vera Lindqvist", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "corvin-ashdale"
    page = editor.get(r.headers["location"]).text
    assert "the id <code>vera-lindqvist</code> now leads here" in page
    assert 'name="user" maxlength="100" value="ana"' in page  # who decides, remembered


def test_a_judgement_survives_threadline_resolve(editor: TestClient, db: Path) -> None:
    data = {"other": "Vera Lindqvist", "csrf": _csrf(editor)}
    assert editor.post("/entity/corvin-ashdale/merge", data=data, follow_redirects=False).status_code == 303
    assert main(["--db", str(db), "resolve"]) == 0
    assert _entity_of(db, "Vera Lindqvist") == _entity_of(db, "Corvin Ashdale") == "corvin-ashdale"


def test_split_from_the_aliases_table(editor: TestClient, db: Path) -> None:
    token = _csrf(editor)
    editor.post("/entity/corvin-ashdale/merge", data={"other": "vera-lindqvist", "csrf": token})
    data = {"alias": ["Vera Lindqvist"], "note": "two people after all", "user": "ben", "csrf": token}
    r = editor.post("/entity/corvin-ashdale/split", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/entity/corvin-ashdale?done=split&other=vera-lindqvist"
    assert _entity_of(db, "Corvin Ashdale") == "corvin-ashdale"
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"
    assert "Vera Lindqvist" not in _show(db, "corvin-ashdale")["aliases"]
    page = editor.get(r.headers["location"]).text
    assert 'Split off into <a class="entity person" href="/entity/vera-lindqvist">Vera Lindqvist</a>' in page


def test_same_person_from_the_suggestions(editor: TestClient, db: Path) -> None:
    assert "Same person" in editor.get("/suggestions").text
    data = {"other": "marten-holloway", "back": "suggestions", "csrf": _csrf(editor, "/suggestions")}
    r = editor.post("/entity/holloway/merge", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/suggestions?done=merged&entity=marten-holloway"
    shown = _show(db, "Holloway")
    assert shown["id"] == "marten-holloway" and shown["mentions"] == 12
    assert _entity_of(db, "Idris Holloway") == "idris-holloway"
    page = editor.get(r.headers["location"]).text
    assert 'Merged: <a class="entity person" href="/entity/marten-holloway">Marten Holloway</a>' in page
    assert editor.get("/api/suggestions").json() == []  # nothing left to decide about "Holloway"


def test_not_same_from_the_suggestions(editor: TestClient, db: Path) -> None:
    data = {"other": "idris-holloway", "back": "suggestions", "csrf": _csrf(editor), "user": "ana"}
    r = editor.post("/entity/holloway/not-same", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/suggestions?done=not-same")
    assert "Kept apart" in editor.get(r.headers["location"]).text
    judged = [
        (j["target"], j["source"], j["judgement"], j["user"]) for j in editor.get("/api/judgements").json()
    ]
    assert judged == [("person:holloway", "person:idris holloway", "negative", "ana")]
    assert _entity_of(db, "Idris Holloway") == "idris-holloway"
    assert "Holloway" not in _show(db, "idris-holloway")["aliases"]
    pairs = {(s["entity"]["id"], s["candidate"]["id"]) for s in editor.get("/api/suggestions").json()}
    assert ("holloway", "idris-holloway") not in pairs


def test_not_same_from_the_entity_page(editor: TestClient, db: Path) -> None:
    data = {"other": "Vera Lindqvist", "note": "cousins", "csrf": _csrf(editor)}
    r = editor.post("/entity/corvin-ashdale/not-same", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/entity/corvin-ashdale?done=not-same&other=vera-lindqvist"
    assert "Kept apart" in editor.get(r.headers["location"]).text
    (row,) = editor.get("/api/judgements").json()
    assert row["judgement"] == "negative" and row["note"] == "cousins"
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"


def test_reject_as_another_type_or_as_nothing(editor: TestClient, db: Path) -> None:
    token = _csrf(editor)
    r = editor.post(
        "/entity/saltmarsh/reject", data={"as": "location", "csrf": token}, follow_redirects=False
    )
    assert r.status_code == 303
    now = r.headers["location"].partition("?")[0].rsplit("/", 1)[1]
    assert _show(db, now)["type"] == "location" and _show(db, now)["name"] == "Saltmarsh"
    assert "Now counted as a place" in editor.get(r.headers["location"]).text
    # the judgement still points at the entity its name became
    listed = editor.get("/api/judgements").json()
    assert any(
        j["source"] == "type:location" and (j["target_entity"] or {}).get("name") == "Saltmarsh"
        for j in listed
    )
    data = {"as": "", "note": "a greeting, not a man", "csrf": token}
    r = editor.post("/entity/tamsin-vell/reject", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/judgements?done=rejected&type=person"
    with pytest.raises(query.NotFound):
        _show(db, "Tamsin Vell")
    page = editor.get(r.headers["location"]).text
    assert "no longer count as a person" in page and "a greeting, not a man" in page


# --- edit mode: what cannot be done is said on the page, never a 500 ---------------------------------------


def test_unknown_and_ambiguous_names_are_explained(editor: TestClient, db: Path) -> None:
    token = _csrf(editor)
    r = editor.post("/entity/corvin-ashdale/merge", data={"other": "Nobody Anywhere", "csrf": token})
    assert r.status_code == 404 and "No entity matches “Nobody Anywhere”" in r.text
    assert 'value="Nobody Anywhere"' in r.text  # the typed name stays in the field
    r = editor.post("/entity/corvin-ashdale/merge", data={"other": "Hollow", "note": "n1", "csrf": token})
    assert r.status_code == 409 and "pick one" in r.text
    for key in ("marten-holloway", "idris-holloway"):
        assert f'name="other" value="{key}"' in r.text  # each candidate is one click away
    r = editor.post("/entity/corvin-ashdale/merge", data={"other": "", "csrf": token})
    assert r.status_code == 400 and "Type the name or id" in r.text
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"


def test_curation_errors_are_shown_on_the_entity_page(editor: TestClient, db: Path) -> None:
    token = _csrf(editor)
    r = editor.post("/entity/corvin-ashdale/merge", data={"other": "Corvin Ashdale", "csrf": token})
    assert r.status_code == 400 and "are the same entity" in r.text and 'role="alert"' in r.text
    r = editor.post(
        "/entity/jeffrey-corran/split", data={"alias": ["Jeffrey Corran", "Jeff Corran"], "csrf": token}
    )
    assert r.status_code == 400 and "nothing would remain" in r.text
    r = editor.post("/entity/jeffrey-corran/split", data={"csrf": token})
    assert r.status_code == 400 and "Tick the aliases" in r.text
    r = editor.post("/entity/jeffrey-corran/reject", data={"as": "person", "csrf": token})
    assert r.status_code == 400 and "already a person" in r.text
    r = editor.post("/entity/jeffrey-corran/reject", data={"as": "spaceship", "csrf": token})
    assert r.status_code == 400
    assert editor.get("/api/judgements").json() == []


def test_a_curation_waits_for_no_ingest_it_says_so(editor: TestClient, db: Path) -> None:
    data = {"other": "Vera Lindqvist", "csrf": _csrf(editor)}
    with writer_lock(db):  # an ingest (or a CLI merge) is writing
        r = editor.post("/entity/corvin-ashdale/merge", data=data)
    assert r.status_code == 503 and "another threadline command" in r.text and "Nothing was changed" in r.text
    assert _entity_of(db, "Vera Lindqvist") == "vera-lindqvist"
    assert editor.post("/entity/corvin-ashdale/merge", data=data, follow_redirects=False).status_code == 303


# --- judgements: listed and exported in both modes ------------------------------------------------------


def test_judgements_are_listed_and_exported_as_resolver_lines(editor: TestClient, db: Path) -> None:
    data = {"other": "Vera Lindqvist", "note": "same clerk", "user": "ana", "csrf": _csrf(editor)}
    editor.post("/entity/corvin-ashdale/merge", data=data)
    with TestClient(create_app(db), base_url=LOCAL) as reader:
        page = reader.get("/judgements").text
        assert "same as" in page and "ana" in page and "same clerk" in page
        assert 'href="/entity/corvin-ashdale"' in page
        r = reader.get("/judgements/export")
        assert r.status_code == 200
        assert r.headers["content-disposition"] == 'attachment; filename="threadline-judgements.jsonl"'
        (line,) = [json.loads(x) for x in r.text.splitlines()]
        assert line[2:3] == ["positive"] and line[4] == "ana" and line[6] == "same clerk"
        assert {line[0], line[1]} == {"person:corvin ashdale", "person:vera lindqvist"}
        (row,) = reader.get("/api/judgements").json()
        assert row["target_entity"]["id"] == row["source_entity"]["id"] == "corvin-ashdale"
        suggestions = reader.get("/api/suggestions").json()
        assert {s["candidate"]["id"] for s in suggestions} == {"marten-holloway", "idris-holloway"}
        assert all(s["entity"]["id"] == "holloway" and s["mentions"] == 2 for s in suggestions)
        paths = reader.get("/api/openapi.json").json()["paths"]
        assert "/api/suggestions" in paths and "/api/judgements" in paths
        assert not any("merge" in p or "split" in p for p in paths)  # writes are forms, not API
