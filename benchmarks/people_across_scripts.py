"""Real people named once in English and once in Russian: do they end as one entity?

    python benchmarks/people_across_scripts.py [--keep DB]

Each person below (public figures, with the spelling English and Russian news use) gets two short
documents written here at run time: an English one and a Russian one, each naming them in full and
then by surname, beside an unrelated place. Relatives who share a surname are in the list (the
Trumps, Bidens, Clintons, Bushes, Aliyevs, Nazarbayevs, Navalnys), so a surname alone cannot pass.
Everything runs through the real pipeline (``threadline ingest``: spaCy for English, natasha for
Russian, then resolution). It prints:

- joined: the share of people whose English and Russian full-name mentions are in one entity;
- mixed: entities that carry mentions of two different people (must be 0);
- the people not joined, and the mixed entities, with their names.

The list is the project's own (names are facts); nothing is read from ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (English, Russian) full names as the press of each language writes them.
PEOPLE: list[tuple[str, str]] = [
    ("Donald Trump", "Дональд Трамп"),
    ("Ivanka Trump", "Иванка Трамп"),
    ("Melania Trump", "Мелания Трамп"),
    ("Fred Trump", "Фред Трамп"),
    ("Joe Biden", "Джо Байден"),
    ("Hunter Biden", "Хантер Байден"),
    ("Jill Biden", "Джилл Байден"),
    ("Bill Clinton", "Билл Клинтон"),
    ("Hillary Clinton", "Хиллари Клинтон"),
    ("Chelsea Clinton", "Челси Клинтон"),
    ("George Bush", "Джордж Буш"),
    ("Jeb Bush", "Джеб Буш"),
    ("Barack Obama", "Барак Обама"),
    ("Michelle Obama", "Мишель Обама"),
    ("Ilham Aliyev", "Ильхам Алиев"),
    ("Heydar Aliyev", "Гейдар Алиев"),
    ("Rakhat Aliyev", "Рахат Алиев"),
    ("Nursultan Nazarbayev", "Нурсултан Назарбаев"),
    ("Dariga Nazarbayeva", "Дарига Назарбаева"),
    ("Alexei Navalny", "Алексей Навальный"),
    ("Yulia Navalnaya", "Юлия Навальная"),
    ("Vladimir Putin", "Владимир Путин"),
    ("Dmitry Medvedev", "Дмитрий Медведев"),
    ("Sergei Lavrov", "Сергей Лавров"),
    ("Sergei Shoigu", "Сергей Шойгу"),
    ("Petro Poroshenko", "Петр Порошенко"),
    ("Yulia Tymoshenko", "Юлия Тимошенко"),
    ("Vitali Klitschko", "Виталий Кличко"),
    ("Alexander Lukashenko", "Александр Лукашенко"),
    ("Kassym-Jomart Tokayev", "Касым-Жомарт Токаев"),
    ("Karim Massimov", "Карим Масимов"),
    ("Shavkat Mirziyoyev", "Шавкат Мирзиёев"),
    ("Nikol Pashinyan", "Никол Пашинян"),
    ("Ramzan Kadyrov", "Рамзан Кадыров"),
    ("Yevgeny Prigozhin", "Евгений Пригожин"),
    ("Roman Abramovich", "Роман Абрамович"),
    ("Oleg Deripaska", "Олег Дерипаска"),
    ("Alisher Usmanov", "Алишер Усманов"),
    ("Mikhail Khodorkovsky", "Михаил Ходорковский"),
    ("Emmanuel Macron", "Эммануэль Макрон"),
    ("Angela Merkel", "Ангела Меркель"),
    ("Olaf Scholz", "Олаф Шольц"),
    ("Markus Söder", "Маркус Зёдер"),
    ("Friedrich Merz", "Фридрих Мерц"),
    ("Boris Johnson", "Борис Джонсон"),
    ("Theresa May", "Тереза Мэй"),
    ("Rishi Sunak", "Риши Сунак"),
    ("Keir Starmer", "Кир Стармер"),
    ("Recep Tayyip Erdogan", "Реджеп Тайип Эрдоган"),
    ("Benjamin Netanyahu", "Биньямин Нетаньяху"),
    ("Narendra Modi", "Нарендра Моди"),
    ("Viktor Orban", "Виктор Орбан"),
    ("Andrzej Duda", "Анджей Дуда"),
    ("Donald Tusk", "Дональд Туск"),
    ("Giorgia Meloni", "Джорджа Мелони"),
    ("Pedro Sanchez", "Педро Санчес"),
    ("Javier Milei", "Хавьер Милей"),
    ("Ursula von der Leyen", "Урсула фон дер Ляйен"),
    ("Jens Stoltenberg", "Йенс Столтенберг"),
    ("Mark Rutte", "Марк Рютте"),
    ("Antonio Guterres", "Антониу Гутерриш"),
    ("Bernie Sanders", "Берни Сандерс"),
    ("Nancy Pelosi", "Нэнси Пелоси"),
    ("Kamala Harris", "Камала Харрис"),
    ("Mike Pompeo", "Майк Помпео"),
    ("Antony Blinken", "Энтони Блинкен"),
    ("Henry Kissinger", "Генри Киссинджер"),
    ("Condoleezza Rice", "Кондолиза Райс"),
    ("Colin Powell", "Колин Пауэлл"),
    ("John Kerry", "Джон Керри"),
    ("Elon Musk", "Илон Маск"),
    ("Jeff Bezos", "Джефф Безос"),
    ("Mark Zuckerberg", "Марк Цукерберг"),
    ("Bill Gates", "Билл Гейтс"),
    ("Warren Buffett", "Уоррен Баффетт"),
    ("George Soros", "Джордж Сорос"),
    ("Jeffrey Epstein", "Джеффри Эпштейн"),
    ("Ghislaine Maxwell", "Гислейн Максвелл"),
    ("Harvey Weinstein", "Харви Вайнштейн"),
    ("Julian Assange", "Джулиан Ассанж"),
    ("Edward Snowden", "Эдвард Сноуден"),
    ("Steve Bannon", "Стив Бэннон"),
    ("Rudy Giuliani", "Руди Джулиани"),
    ("Paul Manafort", "Пол Манафорт"),
    ("Michael Flynn", "Майкл Флинн"),
    ("Robert Mueller", "Роберт Мюллер"),
    ("Emmanuel Todd", "Эмманюэль Тодд"),
    ("Gerhard Schroeder", "Герхард Шрёдер"),
    ("Jacques Chirac", "Жак Ширак"),
    ("Nicolas Sarkozy", "Николя Саркози"),
    ("Silvio Berlusconi", "Сильвио Берлускони"),
    ("Tony Blair", "Тони Блэр"),
]

EN_TEMPLATE = (
    "{name} arrives in Lisbon on Monday for talks. Later, {surname} meets reporters near the harbour."
)
RU_TEMPLATE = "{name} прибывает в Лиссабон в понедельник. Позже {surname} встречается с журналистами в порту."


def write_corpus(folder: Path) -> dict[str, int]:
    """Two documents per person; returns document path -> person index."""
    owner: dict[str, int] = {}
    for i, (en, ru) in enumerate(PEOPLE):
        for lang, name, template in (("en", en, EN_TEMPLATE), ("ru", ru, RU_TEMPLATE)):
            path = folder / f"{i:03d}-{lang}.txt"
            path.write_text(template.format(name=name, surname=name.split()[-1]) + "\n", encoding="utf-8")
            owner[str(path)] = i
    return owner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="keep the database here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        owner = write_corpus(folder)
        db = args.keep or Path(tmp) / "people.db"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "threadline", "--db", str(db), "ingest", str(folder), "--json"],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        conn = sqlite3.connect(db)
        rows = conn.execute(
            "SELECT d.path, m.name, m.full_name, e.name, e.id FROM mentions m JOIN documents d ON d.id = m.document_id"
            " JOIN entities e ON e.id = m.entity_id WHERE e.type = 'person'"
        ).fetchall()
    people_of: dict[int, set[int]] = defaultdict(set)  # entity -> people
    entity_names: dict[int, str] = {}
    full_entities: dict[tuple[int, str], set[int]] = defaultdict(set)  # (person, lang) -> entities
    for path, name, full_name, entity_name, entity_id in rows:
        person = owner[path]
        people_of[entity_id].add(person)
        entity_names[entity_id] = entity_name
        if full_name is None and len(name.split()) >= 2:
            full_entities[(person, path[-6:-4])].add(entity_id)
    joined, missed = 0, []
    for i, (en, ru) in enumerate(PEOPLE):
        a, b = full_entities.get((i, "en"), set()), full_entities.get((i, "ru"), set())
        if a and a == b and len(a) == 1:
            joined += 1
        else:
            missed.append(
                f"{en} / {ru}: en {sorted(entity_names[e] for e in a)}, ru {sorted(entity_names[e] for e in b)}"
            )
    mixed = {entity_names[e]: sorted(PEOPLE[p][0] for p in ps) for e, ps in people_of.items() if len(ps) > 1}
    print(f"{len(PEOPLE)} people, {len(PEOPLE) * 2} documents, ingest {seconds:.1f}s")
    for line in missed:
        print(f"  not joined: {line}")
    for name, people in sorted(mixed.items()):
        print(f"  mixed: {name!r} carries {json.dumps(people, ensure_ascii=False)}")
    print(f"joined={joined / len(PEOPLE):.3f} ({joined}/{len(PEOPLE)}) mixed={len(mixed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
