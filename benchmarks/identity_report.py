"""How well one person is one entity in an ingested database (the house-oversight folder, say).

    python benchmarks/identity_report.py DB [--top 100] [--sample 100] [--seed 1] [--kind probable|document]

Prints, for the ``--top`` persons by mentions:

- lone surnames standing beside their own full name: a one-word person entity whose word is the
  surname of another entity in the top list (the split the issue's bar counts);
- every one-word entity in the top list, with why it stayed apart.

Then a random sample of short-form assignments for a person to check by hand: mentions of a lone
surname, a lone given name or a given name and initial that resolution gave to a full-name entity,
each with its sentence, the entity and the stated reason. ``--kind probable`` samples the merges
across documents (marked probable); ``--kind document`` those a full name earlier in the same
document decided. Nothing is judged automatically: the point is a person's reading.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", type=Path)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", choices=["probable", "document"], default="probable")
    args = parser.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    top = conn.execute(
        "SELECT id, name, mentions FROM entities WHERE type = 'person' ORDER BY mentions DESC, name LIMIT ?",
        (args.top,),
    ).fetchall()
    surnames = {r["name"].split()[-1].casefold(): r["name"] for r in top if len(r["name"].split()) >= 2}
    lone = [r for r in top if len(r["name"].split()) == 1]
    beside = [r for r in lone if r["name"].casefold() in surnames]
    print(
        f"top {len(top)} persons: {len(lone)} one-word entities, {len(beside)} lone surnames beside their full name"
    )
    for r in lone:
        mark = f"  <- beside {surnames[r['name'].casefold()]!r}" if r in beside else ""
        reason = conn.execute(
            "SELECT reason FROM entity_aliases WHERE entity_id = ? ORDER BY mentions DESC LIMIT 1", (r["id"],)
        ).fetchone()
        print(f"  {r['name']} ({r['mentions']}){mark}: {reason[0][:160] if reason else ''}")

    probable = 1 if args.kind == "probable" else 0
    rows = conn.execute(
        """
        SELECT m.id, m.name, e.name AS entity, a.reason, d.path,
               substr(d.text, s.start + 1, s.end - s.start) AS sentence
        FROM mentions m JOIN entities e ON e.id = m.entity_id
        JOIN entity_aliases a ON a.entity_id = e.id AND a.alias = m.name
        JOIN sentences s ON s.id = m.sentence_id JOIN documents d ON d.id = m.document_id
        WHERE e.type = 'person' AND m.type = 'person' AND instr(e.name, ' ') > 0
          AND (instr(trim(m.name), ' ') = 0 OR length(m.name) - length(replace(m.name, '.', '')) = 1)
          AND (m.full_name IS NULL) = ? AND m.kind != 'header' AND a.probable > 0 = ?
        ORDER BY m.id
        """,
        (probable, probable),
    ).fetchall()
    rng = random.Random(args.seed)
    sample = rng.sample(rows, min(args.sample, len(rows)))
    print(f"\n{len(rows)} {args.kind} short-form assignments; {len(sample)} sampled (seed {args.seed})")
    for n, r in enumerate(sample, 1):
        sentence = " ".join(r["sentence"].split())
        print(f"{n:3}. {r['name']!r} -> {r['entity']!r}  [{r['path'].rsplit('/', 1)[-1][:40]}]")
        print(f"     “{sentence[:300]}”")
    return 0


if __name__ == "__main__":
    sys.exit(main())
