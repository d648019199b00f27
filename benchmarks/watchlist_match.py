"""Watchlist matching on a real sanctions list: found, and false found, through the CLI.

Usage::

    python benchmarks/watchlist_match.py [--data ../shared/data] [--verbose] [--keep DIR]

Reads ``names/yente-zala-entities.ftm.json`` (a yente export: 6 sanctioned people, 4 of them
Zakharovs, with Latin and Cyrillic names and their firstName/fatherName/lastName parts) in place and
writes, at run time, one short fictional document per sentence:

- **positives**, each naming one listed person once: every listed name and alias as written, each
  Latin one again in another letter case (capitals, or title case when the list writes capitals),
  and the forms the list's parts imply: given name + surname, surname first in capitals, initials
  + surname, "Surname, Given Patronymic", and in Russian the genitive ("Представитель Никиты
  Захарова");
- **decoys**, each naming someone else with a listed surname: the listed given name with another
  patronymic (also in the genitive), another given name (Latin and Cyrillic, both orders),
  disagreeing initials.

Each set is ingested twice into a fresh database: once after ``watchlist import`` (the stored
watchlist, tagged at extraction) and once without it, cross-referenced with ``xref FILE``. For each
it prints, per person, the positive documents and how many ``xref`` counts (its ``documents``), and
whether the person is found among the decoys alone (a false find) with how many decoy documents are
counted. The last line is machine-readable::

    found=<n>/<N> docs=<counted>/<positives> false_found=<n> false_docs=<n> found_file=<n>/<N>
    docs_file=<counted>/<positives> false_found_file=<n> false_docs_file=<n>

It runs ``python -m threadline`` with this interpreter and environment, so pointing ``PYTHONPATH``
at another checkout's ``src`` measures that version ("before").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "../shared/data"
LIST = "names/yente-zala-entities.ftm.json"
_MONTH_NAMES = "January February March April May June July August September October November December"
MONTHS = _MONTH_NAMES.split()


@dataclass
class Listed:
    id: str
    caption: str
    names: list[str]
    first: list[str]
    middle: list[str]
    last: list[str]
    born: str | None
    female: bool
    positives: list[tuple[str, str]] = field(default_factory=list)  # (kind, sentence)
    decoys: list[tuple[str, str]] = field(default_factory=list)


def _cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def _single(values: list[str], cyrillic: bool) -> list[str]:
    """One-word values in one script, as the list writes them, without repeats (any case)."""
    seen: set[str] = set()
    out = []
    for v in values:
        if len(v.split()) == 1 and _cyrillic(v) == cyrillic and v.isalpha() and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


def read_list(path: Path) -> list[Listed]:
    people = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entity = json.loads(line)
        if entity.get("schema") != "Person":
            continue
        p = entity["properties"]
        names = list(dict.fromkeys(p.get("name", []) + p.get("alias", [])))
        people.append(
            Listed(
                entity["id"],
                entity.get("caption") or names[0],
                names,
                p.get("firstName", []),
                p.get("fatherName", []) + p.get("middleName", []),
                p.get("lastName", []),
                (p.get("birthDate") or [None])[0],
                p.get("gender", [""])[0] == "female"
                or any(m.lower().endswith(("vna", "вна")) for m in p.get("fatherName", [])),
            )
        )
    return people


def _born(date: str | None) -> str:
    if not date or len(date) < 10:
        return ""
    year, month, day = date[:4], int(date[5:7]), int(date[8:10])
    return f", born {day} {MONTHS[month - 1]} {year},"


def genitive(word: str, female: bool) -> str:
    """A Russian name word in the genitive ("Никита" -> "Никиты", "Захаров" -> "Захарова",
    "Осетрова" -> "Осетровой"), by the regular endings; capitals stay capitals."""
    low = word.lower()
    if low.endswith(("ович", "евич")):
        out = low + "а"
    elif low.endswith(("овна", "евна")):
        out = low[:-1] + "ы"
    elif female and low.endswith(("ова", "ева", "ина")):
        out = low[:-1] + "ой"
    elif low.endswith("ий"):
        out = low[:-1] + "я"
    elif low.endswith("я"):  # Мария, Илья
        out = low[:-1] + "и"
    elif low.endswith("а"):
        out = low[:-1] + ("и" if low[-2:-1] in "гкхжчшщ" else "ы")
    elif female:
        out = low
    else:
        out = low + "а"
    return out.upper() if word.isupper() else out.capitalize()


def _sentence(name: str, n: int, born: str = "", *, inflected: bool = False) -> str:
    if inflected:
        return f"Представитель {name} (запрос номер {n}) отказался от комментариев."
    if _cyrillic(name):
        return f"В обновлении реестра номер {n} указан {name} среди лиц, названных в документе."
    return f"The registry update number {n} lists {name}{born} among the people named in the filing."


def _other_case(name: str) -> str:
    words = name.split()
    if any(w.isupper() and len(w) > 1 for w in words):
        return " ".join(w.capitalize() for w in words)
    return name.upper()


def write_sentences(people: list[Listed]) -> None:
    """Fill each person's positives and decoys (fictional sentences built from the list's names)."""
    n = 0
    for p in people:

        def add(kind: str, name: str, *, decoy: bool = False, inflected: bool = False, p: Listed = p) -> None:
            nonlocal n
            n += 1
            target = p.decoys if decoy else p.positives
            target.append((kind, _sentence(name, n, "" if decoy else _born(p.born), inflected=inflected)))

        for name in p.names:
            add("listed", name)
            if not _cyrillic(name) and _other_case(name) != name:
                add("other case", _other_case(name))
        for cyrillic in (False, True):
            firsts, middles, lasts = (_single(v, cyrillic) for v in (p.first, p.middle, p.last))
            if not firsts or not lasts:
                continue
            first, last = firsts[0], lasts[0]
            add("given + surname", f"{first} {last.capitalize()}")
            add("surname first", f"{last.upper()} {first}")
            if middles:
                middle = middles[0].capitalize()
                add("comma form", f"{last.capitalize()}, {first} {middle}")
                add("initials", f"{first[0]}. {middle[0]}. {last.capitalize()}")
            other_middle = (
                ("Борисовна" if p.female else "Борисович")
                if cyrillic
                else ("Borisovna" if p.female else "Borisovich")
            )
            other_given = (
                ("Ольга" if p.female else "Павел") if cyrillic else ("Olga" if p.female else "Pavel")
            )
            add("other patronymic", f"{first} {other_middle} {last.upper()}", decoy=True)
            add("other patronymic, surname first", f"{last.upper()} {first} {other_middle}", decoy=True)
            add("other given name", f"{other_given} {last.capitalize()}", decoy=True)
            add("other given name, surname first", f"{last.upper()} {other_given}", decoy=True)
            add("other initials", f"{other_given[0]}. {other_middle[0]}. {last.capitalize()}", decoy=True)
            if cyrillic:  # Russian text declines names: "Представитель Никиты Захарова"
                g, f = genitive(first.capitalize(), p.female), genitive(last.capitalize(), p.female)
                add("genitive", f"{g} {f}", inflected=True)
                if middles:
                    add(
                        "genitive with patronymic",
                        f"{g} {genitive(middles[0].capitalize(), p.female)} {f}",
                        inflected=True,
                    )
                add(
                    "genitive, other patronymic",
                    f"{g} {genitive(other_middle, p.female)} {f}",
                    decoy=True,
                    inflected=True,
                )


def _run(db: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "threadline", "--db", str(db), *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"threadline {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def _write(folder: Path, people: list[Listed], decoys: bool) -> dict[str, int]:
    folder.mkdir(parents=True)
    expected: dict[str, int] = {}
    for i, p in enumerate(people):
        sentences = p.decoys if decoys else p.positives
        expected[p.id] = len(sentences)
        for j, (_kind, sentence) in enumerate(sentences):
            (folder / f"{i:02d}-{j:03d}.txt").write_text(
                sentence + "\n\nThe filing was published on the agency's website.\n", encoding="utf-8"
            )
    return expected


def xref(work: Path, ftm: Path, folder: Path, stored: bool) -> dict[str, dict[str, Any]]:
    db = work / f"{folder.name}-{'stored' if stored else 'file'}.db"
    if stored:
        _run(db, "watchlist", "import", str(ftm))
        _run(db, "ingest", str(folder))
        rows = json.loads(_run(db, "xref", "--json"))
    else:
        _run(db, "ingest", str(folder))
        rows = json.loads(_run(db, "xref", str(ftm), "--json"))
    return {r["id"]: r for r in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", action="store_true", help="print every sentence written")
    parser.add_argument("--keep", type=Path, help="write the folders and databases here")
    args = parser.parse_args()
    ftm = args.data / LIST
    if not ftm.exists():
        print(f"shared data not available: {ftm}; nothing measured")
        return 0
    people = read_list(ftm)
    write_sentences(people)
    if args.verbose:
        for p in people:
            for kind, sentence in p.positives + p.decoys:
                print(f"{p.caption} | {kind} | {sentence}")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        positives = _write(work / "positives", people, decoys=False)
        decoys = _write(work / "decoys", people, decoys=True)
        figures: dict[str, str] = {}
        for stored, suffix in ((True, ""), (False, "_file")):
            found_rows = xref(work, ftm, work / "positives", stored)
            decoy_rows = xref(work, ftm, work / "decoys", stored)
            mode = (
                "stored watchlist (import, then ingest)"
                if stored
                else "xref FILE (ingest without a watchlist)"
            )
            print(f"\n{mode}")
            print(f"{'person':40} {'found':>5} {'docs':>9} {'false found':>11} {'false docs':>10}")
            counted = false_docs = found = false_found = 0
            for p in people:
                row, decoy = found_rows[p.id], decoy_rows[p.id]
                docs = row["documents"]  # more than the positives: another person's counted too
                counted += min(docs, positives[p.id])
                found += row["found"]
                false_found += decoy["found"]
                false_docs += decoy["documents"]
                print(
                    f"{p.caption:40} {'yes' if row['found'] else 'no':>5} {docs:>4}/{positives[p.id]:<4}"
                    f" {'YES' if decoy['found'] else 'no':>11} {decoy['documents']:>4}/{decoys[p.id]:<4}"
                )
                if decoy["found"] and args.verbose:
                    print(f"    decoy spellings counted: {decoy['spellings']}")
            total = sum(positives.values())
            figures |= {
                f"found{suffix}": f"{found}/{len(people)}",
                f"docs{suffix}": f"{counted}/{total}",
                f"false_found{suffix}": str(false_found),
                f"false_docs{suffix}": str(false_docs),
            }
    print()
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
