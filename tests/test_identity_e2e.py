"""One person, one entity, through the real pipeline (spaCy for English, natasha for Russian)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threadline.cli import main

pytestmark = pytest.mark.slow


def _ingest(tmp_path: Path, docs: dict[str, str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = str(tmp_path / "x.db")
    assert main(["--db", db, "ingest", str(folder), "--no-progress", "--json"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "entities", "--json", "--limit", "0"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_an_english_and_a_russian_article_about_one_foreign_person_are_one_entity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = {
        "en.txt": "The British engineer Marlon Featherstone arrived in Almaty on Tuesday to inspect the new"
        " pipeline.\nFeatherstone told reporters that the project would be finished by the end of the year.\n",
        "ru.txt": "Британский инженер Марлон Фезерстоун прибыл во вторник в Алматы, чтобы осмотреть новый"
        " трубопровод.\nПо словам Фезерстоуна, проект будет завершён до конца года.\n",
        "ru2.txt": "Журналисты встретились с Марлоном Фезерстоуном в аэропорту. Фезерстоуну задали вопросы о"
        " сроках.\n",
    }
    people = [e for e in _ingest(tmp_path, docs, capsys) if e["type"] == "person"]
    assert len(people) == 1
    (person,) = people
    assert person["name"] == "Marlon Featherstone"
    assert {"Marlon Featherstone", "Марлон Фезерстоун", "Фезерстоун"} <= set(person["aliases"])
    assert person["mentions"] == 6 and person["documents"] == 3


def test_russian_case_forms_are_one_person_and_a_feminine_form_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = {
        "r1.txt": "Министр Аслан Бекмуратов заявил в понедельник, что переговоры продолжатся."
        " Бекмуратов не назвал сроков.\n",
        "r2.txt": "Депутаты встретились с Асланом Бекмуратовым в столице. По словам Бекмуратова, сделка будет"
        " подписана.\n",
        "r3.txt": "Сестра министра Дана Бекмуратова руководит фондом. Бекмуратова отказалась от комментариев.\n",
        "e1.txt": "Minister Aslan Bekmuratov said on Monday that the talks would continue.\n",
    }
    people = {e["name"]: e for e in _ingest(tmp_path, docs, capsys) if e["type"] == "person"}
    assert set(people) == {"Aslan Bekmuratov", "Дана Бекмуратова"}
    assert people["Aslan Bekmuratov"]["mentions"] == 5  # nominative, instrumental, genitive, English
    assert people["Дана Бекмуратова"]["mentions"] == 2


def test_the_display_names_of_one_address_in_printed_emails_are_one_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = "Sent: Monday, March 3, 2014 9:12 AM\nTo: Clara Voss\nSubject: shipment\n\n"
    docs = {
        "m1.txt": "From: Jonah Dreyfus [jd@example.org]\n" + head + "Clara, the boxes leave on Friday.\n",
        "m2.txt": "From: jonah D. [jd@example.org]\n" + head + "The customs papers are signed.\n",
        "m3.txt": "From: J <jd@example.org>\n" + head + "Call me when you land.\n",
    }
    people = {e["name"]: e for e in _ingest(tmp_path, docs, capsys) if e["type"] == "person"}
    assert set(people["Jonah Dreyfus"]["aliases"]) == {"Jonah Dreyfus", "jonah D.", "J"}
    # "Clara," in the body of a message whose header names Clara Voss is her
    assert set(people["Clara Voss"]["aliases"]) == {"Clara Voss", "Clara"}
