"""The nodes person resolution works on, and how an entity's name is chosen from their spellings."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rigour.names import pick_case

from threadline.names.compare import NameForm
from threadline.names.keys import name_key
from threadline.resolve.entities import MentionRef


@dataclass(slots=True)
class Node:
    """What resolution knows about one node: how its names are written, and how often."""

    forms: dict[bool, NameForm] = field(default_factory=dict)  # by "is Cyrillic"
    displays: Counter[str] = field(default_factory=Counter)
    full: bool = False
    named_in_full: int = 0  # mentions that write the full name (not short forms a document tied to it)


@dataclass(slots=True)
class Placed:
    """A person mention and the node it was placed on."""

    mention: MentionRef
    node: str
    form: NameForm
    role: str  # full | short | address


def display_of(nodes: dict[str, Node], keys: list[str], prefer: str = "latin") -> str:
    """The name an entity made of these nodes is shown by (see ``pick_display``)."""
    counts: Counter[str] = Counter()
    for key in keys:
        counts.update(nodes[key].displays)
    return pick_display(list(counts), counts, prefer)


def pick_display(names: list[str], counts: dict[str, int] | Counter[str], prefer: str) -> str:
    """Most used full spelling in the preferred script, in its best letter case ("Karim Massimov",
    not "KARIM MASSIMOV"; "Karim Masimov" over a more frequent "Карим Масимов" by default)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for name in names:
        key = name_key(name)
        by_key[key].append(name)
        totals[key] += counts.get(name, 0) + 1
    in_script = {k: [n for n in group if _in_script(n, prefer)] for k, group in by_key.items()}
    best = max(totals, key=lambda k: (len(k.split()) >= 2, bool(in_script[k]), totals[k], -len(k), k))
    return str(pick_case(in_script[best] or by_key[best]))


def _in_script(name: str, prefer: str) -> bool:
    cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in name)
    return prefer == "any" or cyrillic == (prefer == "cyrillic")
