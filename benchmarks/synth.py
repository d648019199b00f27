"""Fictional news with planted truth: how well threadline finds people, links and stories at scale.

    python benchmarks/synth.py generate OUT_DIR [--docs 2000] [--seed 1] [--persons N] [--duplicates 0.1]
    threadline --db DB ingest OUT_DIR
    python benchmarks/synth.py score DB OUT_DIR/truth.json [--worst 5] [--json]

``generate`` writes N plain-text news stories to OUT_DIR (a headline, a dateline such as
"ASTANA, March 3, 2024 (Kestrel Wire) —", 6-15 sentences, about 150-400 words) and what is true of
them to OUT_DIR/truth.json, which threadline does not read as a document (a JSON object without a
"text" field: `ingest` lists it as one failed file). The same seed writes the same bytes. Nothing
real is named but cities and countries: people have invented surnames built from syllables, and
given names from a list written here.

- People: a population whose mentions follow a Zipf law (a few in thousands of documents, most in
  a handful). A document names each person in full first, then by lone surname, possessive,
  title ("Minister X", "Mr X"), an English nickname (Bob for Robert) or a misspelt surname (one
  letter doubled or dropped). Relatives share a surname and must stay apart; where both are in one
  document, both are named in full every time.
- Links: pairs from a fixed planted graph named in one sentence ("A met B in ..."). Background
  people, organisations and places share sentences without a planted relationship; the pairs of
  people who share a sentence by chance are recorded as incidental.
- Stories: a share of the documents are another outlet's rewrite of an earlier story (the same
  sentences, a few reworded, reordered or dropped, another headline and outlet).

``score`` maps the database's mentions to planted people through their documents' file names and
surface texts (a mention stands for the person whose written name its span overlaps; never through
ids) and prints: people found (a person entity named or aliased by
the full name), fragmentation (entities per person), merge precision (person entities whose
mentions are one person's), link recall and precision over the planted pairs, and duplicate-story
figures from the database's clusters. The last line is machine-readable:

    recall=… one_entity=… merge_precision=… link_recall=… link_precision=… dup_precision=… dup_recall=…
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from bisect import bisect
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import accumulate, combinations
from pathlib import Path
from random import Random
from typing import Any

JSON = dict[str, Any]
VERSION = 1

# ---------------------------------------------------------------------------------------------
# Vocabulary. Everything is written here; people's surnames are built from syllables.

# (given name, female, English nickname or "")
GIVEN_NAMES: tuple[tuple[str, bool, str], ...] = (
    ("Robert", False, "Bob"),
    ("William", False, "Bill"),
    ("Michael", False, "Mike"),
    ("James", False, "Jim"),
    ("Thomas", False, "Tom"),
    ("Daniel", False, "Dan"),
    ("Joseph", False, "Joe"),
    ("Alexander", False, "Alex"),
    ("Christopher", False, "Chris"),
    ("Nicholas", False, "Nick"),
    ("Anthony", False, "Tony"),
    ("Benjamin", False, "Ben"),
    ("Matthew", False, "Matt"),
    ("Andrew", False, "Andy"),
    ("Timothy", False, "Tim"),
    ("Steven", False, "Steve"),
    ("Peter", False, ""),
    ("Arman", False, ""),
    ("Timur", False, ""),
    ("Daulet", False, ""),
    ("Marek", False, ""),
    ("Tomasz", False, ""),
    ("Luca", False, ""),
    ("Matteo", False, ""),
    ("Henrik", False, ""),
    ("Anders", False, ""),
    ("Pavel", False, ""),
    ("Yusuf", False, ""),
    ("Omar", False, ""),
    ("Rafael", False, ""),
    ("Diego", False, ""),
    ("Kenji", False, ""),
    ("Emeka", False, ""),
    ("Kwame", False, ""),
    ("Stefan", False, ""),
    ("Nikolai", False, ""),
    ("Farid", False, ""),
    ("Jonas", False, ""),
    ("Katherine", True, "Kate"),
    ("Elizabeth", True, "Liz"),
    ("Jennifer", True, "Jen"),
    ("Patricia", True, "Pat"),
    ("Susan", True, "Sue"),
    ("Victoria", True, "Vicky"),
    ("Margaret", True, "Maggie"),
    ("Rebecca", True, "Becky"),
    ("Jessica", True, "Jess"),
    ("Dana", True, ""),
    ("Aigerim", True, ""),
    ("Madina", True, ""),
    ("Leila", True, ""),
    ("Ingrid", True, ""),
    ("Astrid", True, ""),
    ("Elena", True, ""),
    ("Sofia", True, ""),
    ("Marta", True, ""),
    ("Agnieszka", True, ""),
    ("Chiara", True, ""),
    ("Lucia", True, ""),
    ("Amara", True, ""),
    ("Nadia", True, ""),
    ("Yasmin", True, ""),
    ("Irina", True, ""),
    ("Zainab", True, ""),
    ("Helena", True, ""),
    ("Grace", True, ""),
)

ONSETS = ("b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr", "kr", "tr", "st", "sh", "h", "f", "j", "ch", "zh")  # fmt: skip
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o")
# The doubled letters (ss, ll, ...) make surnames whose misspelling drops one.
MIDDLES = ("l", "r", "n", "m", "s", "t", "d", "k", "v", "z", "nd", "rt", "ld", "rk", "sk", "lv", "rn", "nt", "ss", "ll", "rr", "tt", "nn")  # fmt: skip
LINKS = ("s", "n", "r", "k", "l", "m", "v", "t", "d", "b")  # between a stem's vowel and a vowel ending
ENDINGS = (
    ("ov", "ev", "enko", "bekov", "anov", "in", "ski", "ayev"),
    ("ley", "ton", "wick", "more", "ford", "by", "well", "ham", "field", "worth", "stone"),
    ("elli", "ari", "ez", "ado", "ini", "etti", "ano", "ero", "ucci"),
    ("dahl", "berg", "strom", "lund", "gaard", "vik"),
)

CITIES = (
    "Astana", "Almaty", "Tashkent", "Bishkek", "Baku", "Tbilisi", "Yerevan", "Vienna", "Geneva",
    "Warsaw", "Riga", "Vilnius", "Helsinki", "Oslo", "Lisbon", "Nairobi", "Accra", "Ankara", "Dubai",
    "Doha", "Singapore", "Jakarta", "Manila", "Lima", "Santiago", "Ottawa", "Dublin", "Brussels",
    "Prague", "Budapest", "Athens", "Istanbul", "Seoul", "Hanoi",
)  # fmt: skip
COUNTRIES = ("Norway", "Japan", "Brazil", "Kenya", "Canada", "Turkey", "Germany", "Chile", "Vietnam", "Egypt")
REGIONS = ("Ardenvale", "Korvath", "Ilmadar", "Brannock", "Ostmere", "Saltreach", "Velgrad", "Duneholm")
COMPANY_STEMS = (
    "Velmora", "Tarnex", "Quillmark", "Halcyra", "Zentar", "Morvane", "Trevassa", "Corundel", "Lumenor",
    "Farrowgate", "Sablecrest", "Venturis", "Oakhollow", "Ironfell", "Cindral", "Brightmere",
)  # fmt: skip
COMPANY_KINDS = ("Holdings", "Group", "Energy", "Mining", "Logistics", "Bank", "Capital", "Telecom", "Shipping")  # fmt: skip
SECTORS = ("energy", "finance", "transport", "health", "agriculture", "justice", "trade", "education")
INSTITUTES = ("Institute for Economic Studies", "Centre for Public Policy", "National Research Council")
PARTIES = ("Civic Renewal Party", "National Unity Party", "Green Accord", "Democratic Alliance")
COURTS = ("Supreme Court", "Court of Appeal", "Constitutional Court")
BODIES = (
    "the Anti-Corruption Agency", "the State Audit Committee", "the Competition Authority", "the Central Bank",
    "the Port Authority", "the Ministry of Finance", "the Ministry of Energy", "the Ministry of Transport",
    "the Procurement Agency", "the Financial Monitoring Service",
)  # fmt: skip
OUTLETS = (
    "Kestrel Wire", "Meridian Post", "Northgate Courier", "Lantern Daily", "Caravel News", "Harbour Ledger",
    "Steppe Bulletin", "Morning Dispatch", "Signal Herald", "Continental Report",
)  # fmt: skip
TOPICS = (
    ("the pipeline contract", "pipeline deal"),
    ("the port expansion", "port expansion"),
    ("a disputed land sale", "land sale"),
    ("the railway tender", "rail tender"),
    ("the new mining licences", "mining licences"),
    ("the pension fund audit", "pension audit"),
    ("the water tariff reform", "water tariffs"),
    ("a state loan guarantee", "loan guarantee"),
    ("the airport concession", "airport deal"),
    ("the grain export quota", "grain quota"),
    ("a telecom frequency auction", "spectrum auction"),
    ("the hospital construction programme", "hospital programme"),
    ("the customs reform", "customs reform"),
    ("a bank rescue plan", "bank rescue"),
    ("the wind farm subsidies", "wind subsidies"),
    ("the road maintenance contracts", "road contracts"),
    ("the election law amendments", "election law"),
    ("a fertiliser plant deal", "fertiliser deal"),
    ("the housing bond issue", "housing bonds"),
    ("the fishing quotas", "fishing quotas"),
    ("the coal mine closures", "mine closures"),
    ("a cross-border power line", "power line"),
    ("the stadium renovation", "stadium works"),
    ("the school meals contract", "school meals deal"),
    ("the gold refinery sale", "refinery sale"),
    ("the metro extension", "metro extension"),
)
QUOTES = (
    "We have nothing to hide",
    "The figures speak for themselves",
    "This project will create thousands of jobs",
    "Every contract was signed in line with the law",
    "We expect the review to be completed soon",
    "Nobody is above the rules",
    "The public deserves a full explanation",
    "These accusations are politically motivated",
    "We will cooperate fully with the investigators",
    "It is too early to draw conclusions",
)
ADJECTIVES = ("constructive", "difficult", "productive", "tense", "frank", "inconclusive", "useful", "long")
CHARGES = ("baseless", "absurd", "unfounded", "a smear", "deeply unfair", "politically motivated")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
WORKS = ("memorandum", "framework agreement", "joint statement", "letter of intent", "draft contract")
SOURCES = ("two people familiar with the matter", "officials", "a person close to the talks", "colleagues")
RELATIONS_FEMALE = ("sister", "cousin", "daughter", "wife")
RELATIONS_MALE = ("brother", "cousin", "son", "husband")
KINDS = ("adviser", "colleague", "business", "rival")

# (title before a name, or "" for Mr/Ms; role as written after a name)
ROLES: tuple[tuple[str, str], ...] = (
    ("Minister", "the {sector} minister"),
    ("Minister", "the deputy {sector} minister"),
    ("Senator", "a senator from the {region} region"),
    ("Governor", "the governor of the {region} region"),
    ("Mayor", "the mayor of {city}"),
    ("Judge", "a judge of the {court}"),
    ("General", "the head of the national guard"),
    ("Ambassador", "the ambassador to {country}"),
    ("Dr", "an economist at the {institute}"),
    ("", "the chief executive of {company}"),
    ("", "the founder of {company}"),
    ("", "a board member at {company}"),
    ("", "a spokesperson for the {party}"),
    ("", "the leader of the {party}"),
    ("", "a lawyer who advises {company}"),
)

# Sentences. {A}..{D} are people ({A's}: possessive, {A:role}: their role); {lower} words are filled
# from the vocabulary, {topic} and {place} with the story's own.
HEADLINES = (
    "{A} defends {short} amid questions over costs",
    "{A} under pressure over {short}",
    "{A} and {B} discuss {short}",
    "Inquiry into {short} widens",
    "{A} says {short} will go ahead",
    "Questions mount over {short} after {A} remarks",
    "{A} rejects criticism of {short}",
    "New details emerge in {short} affair",
    "{A} to meet {B} over {short}",
    "Auditors question {short}",
)
LEADS = (
    "{A}, {A:role}, said on {day} that {topic} would be reviewed by {body} before the end of {month}.",
    "{A} announced on {day} that {topic} would go ahead despite objections from residents of {place}.",
    "Investigators in {place} have opened an inquiry into {topic}, {A}, {A:role}, told reporters on {day}.",
    "{A} on {day} rejected calls to suspend {topic}, saying the project had already cost {amount}.",
    "{A}, {A:role}, has come under growing pressure over {topic} after auditors flagged payments worth {amount}.",
    "A plan to revive {topic} was presented in {place} on {day} by {A}, {A:role}.",
    "{A} told parliament on {day} that {topic} had been delayed by {num} months because of unpaid invoices.",
    "{body} said on {day} it was examining {topic}, a project championed by {A}, {A:role}.",
)
PAIRS = (
    "{A} met {B} in {place} on {day} to discuss {topic}.",
    "{A} and {B} signed a {work} on {topic} at a ceremony in {place}.",
    "According to {B}, {A} had approved the first payments for {topic} in {month}.",
    "{A} appointed {B} to lead a review of {topic} last {month}.",
    "{B} has worked closely with {A} since {year}, {sources} said.",
    "{A's} meeting with {B} lasted more than {num} hours, {body} said.",
    "{B} defended {A} on {day}, calling the accusations {charge}.",
    "Documents seen by reporters show that {B} received {amount} from a company linked to {A}.",
    "{A} spoke with {B} by telephone on {day}, {B's} office said.",
    "{B} accompanied {A} on a visit to {place2} in {month}.",
    "{A} and {B} were both on the board that approved {topic} in {year}.",
    "{B} told {A} in a letter dated {month} {dom} that the budget for {topic} was unrealistic.",
    "Minutes of the meeting show {A} and {B} disagreed over who would pay for {topic}.",
)
PAIRS_BY_KIND: dict[str, tuple[str, ...]] = {
    "adviser": (
        "{B}, who has advised {A} since {year}, drafted most of the proposal.",
        "{B}, an adviser to {A}, said the talks on {topic} had been {adj}.",
        "{A} relies heavily on {B}, a long-time adviser, {sources} said.",
    ),
    "colleague": (
        "{A} and {B} served together on the {sector} committee until {year}.",
        "{B}, a former colleague of {A}, said the decision had been taken collectively.",
    ),
    "business": (
        "{A} and {B} jointly own a stake in {company}, according to company filings.",
        "{B} sold shares in {company} to a firm controlled by {A} in {year}.",
    ),
    "rival": (
        "{B}, a longstanding rival of {A}, called for an independent audit of {topic}.",
        "{A} accused {B} of leaking the audit report to the press.",
    ),
    "relative": (
        "{B}, the {rel} of {A}, owns a stake in {company}, company filings show.",
        "{A} said on {day} that {B}, {A's} {rel}, had no role in {topic}.",
        "{A} and {B}, who are related, attended the opening in {place}.",
    ),
}
SOLOS = (
    "{A} told reporters in {place} that the figures for {topic} were still being checked.",
    "{A's} office said the work on {topic} would be completed by {month}.",
    "{A} declined to comment on the size of the contract on {day}.",
    '"{quote}," {A} said.',
    '"{quote}," {A} told a news conference in {place2}.',
    "{A} is expected to travel to {place2} next week for talks with investors.",
    "A spokesperson for {A} said a full statement would be published on {day}.",
    "{A} has denied any wrongdoing.",
    "{A's} lawyer could not be reached for comment on {day}.",
    "{A} first joined {company} in {year} and has held several senior posts since.",
    "{A} said in a statement that {body} had been informed of every payment.",
    "Earlier this year {A} promised that {topic} would not raise costs for households.",
)
BACKGROUNDS = (
    "{C}, {C:role}, said separately that {body} would review its own procedures in {month}.",
    "{C} was not available for comment on {day}.",
    "In a separate development, {C}, {C:role}, announced plans to visit {place2}.",
    "{C}, {C:role}, called the process {adj} but fair.",
    "Separately, {C} said {company} had no plans to bid for new contracts this year.",
)
NOISES = (
    "Among the guests at the reception in {place} were {A} and {C}.",
    "{C} and {D} were also seen at the conference in {place2} on {day}.",
    "A photograph from the forum shows {A} standing beside {C}.",
)
FILLERS = (
    "{body} did not respond to a request for comment.",
    "The {sector} sector accounts for about {pct} percent of the country's economic output.",
    "Officials in {place} said the project would cost about {amount}.",
    "Shares in {company} fell {pct} percent on {day} after the news.",
    "The parliamentary committee on {sector} is due to meet again in {month}.",
    "{body} is expected to publish its findings before {month}.",
    "Opposition lawmakers have demanded that {topic} be put on hold until the inquiry is over.",
    "The government has promised to publish all contracts above {amount} online.",
    "{company} said it had complied with every requirement of the tender.",
    "Protesters gathered outside the regional administration in {place} on {day}.",
    "Analysts at {company} said the dispute could delay other infrastructure projects in the region by as much as {num} months.",
    "The project was first proposed in {year}, when the government promised to finance it without foreign loans.",
    "Under the terms of the original agreement, the contractor was to be paid in instalments tied to completed stages of work.",
    "Critics say the tender rules were changed at the last minute, leaving only one bidder able to meet the conditions.",
    "{body} has received more than {num} hundred complaints about public procurement since the start of the year.",
    "Residents of {place} say they have seen little change since the work began, despite repeated promises from officials.",
    "A report published in {month} by {body} found that about {pct} percent of the money had been spent without proper records.",
)
# Light rewording for a rewrite, each taken or not for a whole document: lower-case words only, so
# no name changes.
REWORDINGS = (
    (" said on ", " said "),
    (" told reporters", " told journalists"),
    (" about ", " roughly "),
    (" would ", " will "),
    (" declined to comment", " refused to comment"),
    (" did not respond to ", " did not reply to "),
    (" has denied ", " denies "),
    (" more than ", " over "),
    (" percent", "%"),
    (" expected to ", " due to "),
)

_SLOT = re.compile(r"\{(?:([A-D])('s|:role)?|([a-z0-9]+))\}")

# ---------------------------------------------------------------------------------------------
# The population and its graph


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    given: str
    surname: str
    female: bool
    nickname: str
    title: str  # "Minister", ... or "" (then "Mr"/"Ms")
    role: str
    misspelt: str  # the surname with one letter doubled or dropped

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"

    @property
    def honorific(self) -> str:
        return self.title or ("Ms" if self.female else "Mr")


@dataclass(frozen=True, slots=True)
class Edge:
    kind: str
    relation: str = ""  # for relatives: what the second person is to the first ("sister")


@dataclass(slots=True)
class Population:
    persons: list[Person]
    cumulative: list[float]  # Zipf weights, cumulated, for sampling by rank
    edges: dict[tuple[int, int], Edge]  # (i, j) with i < j
    neighbours: list[list[int]]
    relatives: list[tuple[int, int]]

    def sample(self, rng: Random) -> int:
        return bisect(self.cumulative, rng.random() * self.cumulative[-1])

    def edge(self, i: int, j: int) -> Edge | None:
        return self.edges.get((min(i, j), max(i, j)))


def _surname(rng: Random) -> str:
    while True:
        ending = rng.choice(rng.choice(ENDINGS))
        stem = rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(MIDDLES) + rng.choice(VOWELS)
        if ending[0] in "aeiouy":
            stem += rng.choice(LINKS)
        word = stem + ending
        if 6 <= len(word) <= 12 and not re.search(r"(.)\1\1|aa|ii|uu|ee|yy|oo", word):
            return word.capitalize()


def misspell(surname: str, rng: Random) -> str:
    """One letter doubled (Teldesov -> Teldessov) or, where a letter is doubled, one dropped."""
    for i in range(1, len(surname)):
        if surname[i] == surname[i - 1]:
            return surname[:i] + surname[i + 1 :]
    vowels = "aeiou"
    spots = [
        i
        for i in range(2, len(surname) - 2)
        if surname[i] not in vowels and surname[i - 1] in vowels and surname[i + 1] in vowels
    ]
    if not spots:  # no single consonant between vowels: drop the second-last vowel instead
        spots = [i for i in range(1, len(surname) - 1) if surname[i] in vowels]
        i = spots[-1]
        return surname[:i] + surname[i + 1 :]
    i = rng.choice(spots)
    return surname[: i + 1] + surname[i:]


def _fill(template: str, rng: Random) -> str:
    values = {
        "sector": rng.choice(SECTORS),
        "region": rng.choice(REGIONS),
        "city": rng.choice(CITIES),
        "court": rng.choice(COURTS),
        "country": rng.choice(COUNTRIES),
        "institute": rng.choice(INSTITUTES),
        "company": f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_KINDS)}",
        "party": rng.choice(PARTIES),
    }
    return template.format(**values)


def build_population(rng: Random, size: int, exponent: float) -> Population:
    """``size`` people, rank 0 the most mentioned; relatives share a surname."""
    used: set[str] = set()  # surnames and their misspellings: no two people share either
    names: set[tuple[str, str]] = set()
    persons: list[Person] = []
    for i in range(size):
        given, female, nickname = rng.choice(GIVEN_NAMES)
        surname = _surname(rng)
        misspelt = misspell(surname, rng)
        while surname in used or misspelt in used:
            surname = _surname(rng)
            misspelt = misspell(surname, rng)
        used.update((surname, misspelt))
        names.add((given, surname))
        title, role = rng.choice(ROLES)
        persons.append(
            Person(f"p{i:05d}", given, surname, female, nickname, title, _fill(role, rng), misspelt)
        )
    # Relatives: rank 1 and 4 always (so every corpus, however small, has the hard case), then
    # random pairs. The second takes the first's surname and misspelling, and another given name.
    relatives: list[tuple[int, int]] = []
    pairs = [(1, 4)] if size > 4 else []
    taken = {1, 4}
    while len(pairs) < max(1, size // 50) and size > 10:
        a, b = rng.randrange(size), rng.randrange(size)
        if a != b and not {a, b} & taken:
            pairs.append((a, b))
            taken.update((a, b))
    for a, b in pairs:
        first, second = persons[a], persons[b]
        given, female, nickname = rng.choice(GIVEN_NAMES)
        while given == first.given or (given, first.surname) in names:
            given, female, nickname = rng.choice(GIVEN_NAMES)
        names.add((given, first.surname))
        persons[b] = Person(
            second.id, given, first.surname, female, nickname, second.title, second.role, first.misspelt
        )
        relatives.append((a, b))
    weights = [1.0 / (rank + 1) ** exponent for rank in range(size)]
    cumulative = list(accumulate(weights))
    population = Population(persons, cumulative, {}, [[] for _ in range(size)], relatives)
    for a, b in relatives:
        relation = rng.choice(RELATIONS_FEMALE if persons[b].female else RELATIONS_MALE)
        _add_edge(population, a, b, Edge("relative", relation))
    # Everyone has a planted partner or more; the most mentioned have the most.
    for i in range(size):
        _add_edge(population, i, population.sample(rng), Edge(rng.choice(KINDS)))
    for _ in range(size // 2):
        _add_edge(population, population.sample(rng), population.sample(rng), Edge(rng.choice(KINDS)))
    return population


def _add_edge(population: Population, i: int, j: int, edge: Edge) -> None:
    key = (min(i, j), max(i, j))
    if i == j or key in population.edges:
        return
    if edge.kind != "relative" and population.persons[i].surname == population.persons[j].surname:
        return
    population.edges[key] = edge
    population.neighbours[i].append(j)
    population.neighbours[j].append(i)


# ---------------------------------------------------------------------------------------------
# Writing one story


@dataclass(frozen=True, slots=True)
class Mention:
    person: int
    surface: str


@dataclass(slots=True)
class Sentence:
    text: str
    mentions: list[Mention]
    firsts: frozenset[int]  # the people named here for the first time in the document


@dataclass(slots=True)
class Story:
    index: int
    day: date
    city: str
    outlet: str
    topic: tuple[str, str]
    main: int
    headline: Sentence
    sentences: list[Sentence]
    writer: _Writer  # how this document names its people (for a rewrite's headline)
    original: int | None = None  # the story this one rewrites

    @property
    def name(self) -> str:
        return file_name(self.index)


def file_name(index: int) -> str:
    return f"doc{index:06d}.txt"


@dataclass(slots=True)
class _Writer:
    """Renders templates for one document, naming each person as a journalist would."""

    rng: Random
    population: Population
    story_topic: tuple[str, str]
    place: str
    given: dict[int, str] = field(default_factory=dict)  # the given name (or nickname) used here
    surname: dict[int, str] = field(default_factory=dict)  # the surname (or misspelling) used here
    seen: set[int] = field(default_factory=set)
    ambiguous: set[int] = field(default_factory=set)  # relatives both in the document

    def cast(self, people: Sequence[int]) -> None:
        for pid in people:
            person = self.population.persons[pid]
            nick = bool(person.nickname) and self.rng.random() < 0.2
            self.given[pid] = person.nickname if nick else person.given
            self.surname[pid] = person.misspelt if self.rng.random() < 0.03 else person.surname
        by_surname: dict[str, list[int]] = defaultdict(list)
        for pid in people:
            by_surname[self.population.persons[pid].surname].append(pid)
        self.ambiguous = {pid for group in by_surname.values() if len(group) > 1 for pid in group}

    def name(self, pid: int, *, headline: bool = False) -> str:
        person = self.population.persons[pid]
        full = f"{self.given[pid]} {self.surname[pid]}"
        if pid in self.ambiguous:
            return full
        if headline:
            return self.surname[pid]
        if pid not in self.seen:
            return f"{person.title} {full}" if person.title and self.rng.random() < 0.3 else full
        surname = self.surname[pid]
        if surname == person.surname and self.rng.random() < 0.03:
            surname = person.misspelt
        draw = self.rng.random()
        if draw < 0.6:
            return surname
        if draw < 0.85:
            return f"{person.honorific} {surname}"
        return full

    def render(
        self,
        template: str,
        people: dict[str, int],
        extra: dict[str, str] | None = None,
        *,
        headline: bool = False,
    ) -> Sentence:
        mentions: list[Mention] = []
        firsts: set[int] = set()
        out: list[str] = []
        for literal, letter, form, word in _parse(template):
            out.append(literal)
            if letter:
                pid = people[letter]
                if form == ":role":
                    out.append(self.population.persons[pid].role)
                    continue
                surface = self.name(pid, headline=headline) + form
                if not headline and pid not in self.seen:
                    firsts.add(pid)
                    self.seen.add(pid)
                mentions.append(Mention(pid, surface))
                out.append(surface)
            elif word:
                out.append(extra[word] if extra and word in extra else _WORDS[word](self.rng, self))
        text = "".join(out)
        return Sentence(text[0].upper() + text[1:], mentions, frozenset(firsts))


@cache
def _parse(template: str) -> list[tuple[str, str, str, str]]:
    """A template as (text before a slot, person letter, "'s" or ":role", vocabulary word) parts."""
    pieces = _SLOT.split(template)
    parts = [
        (pieces[i], pieces[i + 1] or "", pieces[i + 2] or "", pieces[i + 3] or "")
        for i in range(0, len(pieces) - 1, 4)
    ]
    return [*parts, (pieces[-1], "", "", "")]


_WORDS: dict[str, Callable[[Random, _Writer], str]] = {
    "topic": lambda rng, w: w.story_topic[0],
    "short": lambda rng, w: w.story_topic[1],
    "place": lambda rng, w: w.place,
    "place2": lambda rng, w: rng.choice(CITIES),
    "day": lambda rng, w: rng.choice(DAYS),
    "month": lambda rng, w: rng.choice(MONTHS),
    "dom": lambda rng, w: str(rng.randint(1, 28)),
    "year": lambda rng, w: str(rng.randint(2009, 2022)),
    "num": lambda rng, w: str(rng.randint(2, 14)),
    "pct": lambda rng, w: f"{rng.randint(2, 38)}.{rng.randint(0, 9)}",
    "amount": lambda rng, w: f"{rng.randint(2, 950)} million {rng.choice(('dollars', 'euros'))}",
    "body": lambda rng, w: rng.choice(BODIES),
    "company": lambda rng, w: f"{rng.choice(COMPANY_STEMS)} {rng.choice(COMPANY_KINDS)}",
    "sector": lambda rng, w: rng.choice(SECTORS),
    "adj": lambda rng, w: rng.choice(ADJECTIVES),
    "charge": lambda rng, w: rng.choice(CHARGES),
    "work": lambda rng, w: rng.choice(WORKS),
    "sources": lambda rng, w: rng.choice(SOURCES),
    "quote": lambda rng, w: rng.choice(QUOTES),
}


def _partners(population: Population, main: int, rng: Random) -> list[int]:
    neighbours = population.neighbours[main]
    if not neighbours:
        return []
    count = min(len(neighbours), 1 if rng.random() < 0.55 else 2)
    return rng.sample(neighbours, count)


def write_story(index: int, day: date, rng: Random, population: Population) -> Story:
    """A new story: a main person, their planted partners, background people and noise."""
    main = population.sample(rng)
    partners = _partners(population, main, rng)
    background: list[int] = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        other = population.sample(rng)
        if other != main and other not in partners and other not in background:
            background.append(other)
    topic = rng.choice(TOPICS)
    city = rng.choice(CITIES)
    writer = _Writer(rng, population, topic, city)
    writer.cast([main, *partners, *background])

    plan: list[tuple[str, dict[str, int], dict[str, str]]] = []
    used: set[str] = set()

    def pick(pool: Sequence[str], count: int) -> list[str]:
        fresh = [t for t in pool if t not in used]
        chosen = rng.sample(fresh, max(0, min(count, len(fresh))))
        used.update(chosen)
        return chosen

    for partner in partners:
        edge = population.edge(main, partner)
        assert edge is not None
        a, b = main, partner
        if edge.kind == "relative":
            pool = PAIRS_BY_KIND["relative"]
            # {rel} says what B is to A, as drawn for the pair in this order.
            if (a, b) not in population.relatives:
                a, b = b, a
        else:
            pool = PAIRS + PAIRS_BY_KIND[edge.kind]
            if rng.random() < 0.5:
                a, b = b, a
        for template in pick(pool, rng.randint(1, 3)):
            plan.append((template, {"A": a, "B": b}, {"rel": edge.relation}))
    for template in pick(SOLOS, rng.randint(2, 5)):
        plan.append((template, {"A": main}, {}))
    for partner in partners:
        if rng.random() < 0.4:
            plan.extend((template, {"A": partner}, {}) for template in pick(SOLOS, 1))
    for person in background:
        plan.extend((template, {"C": person}, {}) for template in pick(BACKGROUNDS, 1))
        if rng.random() < 0.35:
            others = [p for p in background if p != person]
            people = {"A": main, "C": person, "D": others[0] if others else main}
            plan.extend((template, people, {}) for template in pick(NOISES, 1))
    for template in pick(FILLERS, rng.randint(3, 6)):
        plan.append((template, {}, {}))
    rng.shuffle(plan)
    plan.insert(0, (rng.choice(LEADS), {"A": main}, {}))
    plan.extend((template, {}, {}) for template in pick(FILLERS, 10 - len(plan)))
    plan = plan[:15]

    # The headline is written first but names people by surname only, as headlines do.
    pair = partners[0] if partners else None
    headlines = [h for h in HEADLINES if pair is not None or "{B}" not in h]
    headline = writer.render(
        rng.choice(headlines), {"A": main, "B": pair if pair is not None else main}, headline=True
    )
    sentences = [writer.render(template, people, extra) for template, people, extra in plan]
    return Story(index, day, city, rng.choice(OUTLETS), topic, main, headline, sentences, writer)


def rewrite_story(index: int, original: Story, rng: Random) -> Story:
    """Another outlet's version of ``original``: same sentences, a few reworded, swapped or cut."""
    sentences = list(original.sentences)
    for _ in range(rng.randint(0, 2)):
        if len(sentences) > 7:
            sentences.pop()
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(1, len(sentences) - 1)
        before, after = sentences[i], sentences[i + 1]
        # Never move a short form ahead of the full name it stands for.
        if not {m.person for m in after.mentions} & before.firsts:
            sentences[i], sentences[i + 1] = after, before
    chosen = [pair for pair in REWORDINGS if rng.random() < 0.5]
    reworded = []
    for sentence in sentences:
        text = sentence.text
        for old, new in chosen:
            text = text.replace(old, new)
        reworded.append(Sentence(text, sentence.mentions, sentence.firsts))
    headline = original.headline
    while headline.text == original.headline.text:
        template = rng.choice([h for h in HEADLINES if "{B}" not in h])
        headline = original.writer.render(template, {"A": original.main}, headline=True)
    outlet = rng.choice([o for o in OUTLETS if o != original.outlet])
    day = original.day + timedelta(days=rng.randint(0, 2))
    return Story(
        index, day, original.city, outlet, original.topic, original.main, headline, reworded, original.writer,
        original.index,
    )  # fmt: skip


def story_text(story: Story, rng: Random) -> str:
    """The file's text: headline, a blank line, the dateline opening the first paragraph."""
    dateline = f"{story.city.upper()}, {MONTHS[story.day.month - 1]} {story.day.day}, {story.day.year} ({story.outlet}) —"
    paragraphs: list[list[str]] = []
    for i, sentence in enumerate(story.sentences):
        if i == 0 or len(paragraphs[-1]) >= 3 or (len(paragraphs[-1]) >= 1 and rng.random() < 0.45):
            paragraphs.append([])
        paragraphs[-1].append(sentence.text)
    body = "\n\n".join(" ".join(p) for p in paragraphs)
    return f"{story.headline.text}\n\n{dateline} {body}\n"


# ---------------------------------------------------------------------------------------------
# generate


@dataclass(slots=True)
class _Tally:
    """What the written documents hold, for truth.json."""

    variants: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    documents: Counter[int] = field(default_factory=Counter)
    mentions: Counter[int] = field(default_factory=Counter)
    pair_sentences: Counter[tuple[int, int]] = field(default_factory=Counter)
    pair_documents: Counter[tuple[int, int]] = field(default_factory=Counter)
    per_document: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, story: Story, population: Population) -> None:
        variants: dict[int, set[str]] = defaultdict(set)
        pairs: set[tuple[int, int]] = set()
        for sentence in [story.headline, *story.sentences]:
            people = sorted({m.person for m in sentence.mentions})
            for mention in sentence.mentions:
                variants[mention.person].add(mention.surface)
                self.mentions[mention.person] += 1
            if sentence is story.headline:
                continue
            for pair in combinations(people, 2):
                self.pair_sentences[pair] += 1
                pairs.add(pair)
        for pair in pairs:
            self.pair_documents[pair] += 1
        for pid, forms in variants.items():
            self.variants[pid].update(forms)
            self.documents[pid] += 1
        self.per_document[story.name] = {
            population.persons[pid].id: sorted(forms) for pid, forms in sorted(variants.items())
        }


def generate(out: Path, docs: int, seed: int, persons: int | None = None, duplicates: float = 0.1) -> JSON:
    """Write ``docs`` stories and truth.json to ``out``; returns the truth."""
    rng = Random(seed)
    size = persons or max(40, docs // 5)
    exponent = 1.0
    population = build_population(rng, size, exponent)
    out.mkdir(parents=True, exist_ok=True)
    start = date(2023, 1, 2)
    originals: deque[Story] = deque(maxlen=40)  # a rewrite follows its story closely
    groups: dict[int, list[str]] = {}
    tally = _Tally()
    words = 0
    for index in range(docs):
        day = start + timedelta(days=index * 730 // max(docs, 1))
        if originals and rng.random() < duplicates:
            original = rng.choice(originals)
            story = rewrite_story(index, original, rng)
            groups.setdefault(original.index, [original.name]).append(story.name)
        else:
            story = write_story(index, day, rng, population)
            originals.append(story)
        text = story_text(story, rng)
        (out / story.name).write_text(text, encoding="utf-8")
        words += len(text.split())
        tally.add(story, population)
    parameters = {"docs": docs, "seed": seed, "persons": size, "exponent": exponent, "duplicates": duplicates}
    truth = _truth(population, tally, groups, parameters)
    truth["corpus"] = {"documents": docs, "words": words}
    (out / "truth.json").write_text(_dump(truth), encoding="utf-8")
    return truth


def _dump(truth: JSON) -> str:
    """JSON with one person, link, story or document a line: readable, greppable, and written by
    json's fast C encoder (``indent`` falls back to the slow Python one)."""
    lines = []
    for key, value in truth.items():
        if isinstance(value, list):
            items = ",\n".join(" " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f"{json.dumps(key)}: [\n{items}\n]")
        elif key == "documents":
            items = ",\n".join(
                f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()
            )
            lines.append(f"{json.dumps(key)}: {{\n{items}\n}}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _truth(population: Population, tally: _Tally, groups: dict[int, list[str]], parameters: JSON) -> JSON:
    people = population.persons
    relatives: dict[int, list[str]] = defaultdict(list)
    for a, b in population.relatives:
        relatives[a].append(people[b].id)
        relatives[b].append(people[a].id)
    persons = [
        {
            "id": person.id,
            "name": person.name,
            "rank": rank,
            "given": person.given,
            "surname": person.surname,
            "nickname": person.nickname,
            "title": person.title,
            "role": person.role,
            "misspelt": person.misspelt,
            "relatives": relatives.get(rank, []),
            "variants": sorted(tally.variants[rank]),
            "documents": tally.documents[rank],
            "mentions": tally.mentions[rank],
        }
        for rank, person in enumerate(people)
        if tally.documents[rank]
    ]
    links, incidental = [], []
    for (a, b), count in sorted(tally.pair_sentences.items()):
        row = {
            "a": people[a].id,
            "b": people[b].id,
            "sentences": count,
            "documents": tally.pair_documents[(a, b)],
        }
        edge = population.edge(a, b)
        if edge is not None:
            links.append({**row, "kind": edge.kind})
        else:
            incidental.append(row)
    return {
        "generator": {"version": VERSION, **parameters, "planted_edges": len(population.edges)},
        "corpus": {},
        "persons": persons,
        "links": links,
        "incidental": incidental,
        "stories": [groups[k] for k in sorted(groups)],
        "documents": tally.per_document,
    }


# ---------------------------------------------------------------------------------------------
# score


def planted_spans(text: str, people: dict[str, list[str]]) -> list[tuple[int, int, str]]:
    """Where the document names each planted person: (start, end, person id) for every whole-word
    occurrence of a recorded variant, the longest variant winning where several start at one
    place. Found with ``str.find``: a regular expression compiled per document was a third of the
    time of ``corpus_steps.py build``."""
    forms = {form: pid for pid, variants in people.items() for form in variants}
    longest: dict[int, str] = {}  # start -> the longest whole-word form found there
    for form in forms:
        at = text.find(form)
        while at >= 0:
            end = at + len(form)
            whole = (at == 0 or not _WORD_CHAR.match(text[at - 1])) and (
                end == len(text) or not _WORD_CHAR.match(text[end])
            )
            if whole and len(form) > len(longest.get(at, "")):
                longest[at] = form
            at = text.find(form, at + 1)
    spans, last = [], -1
    for start in sorted(longest):
        if start >= last:  # a form inside a longer one already taken is not another mention
            form = longest[start]
            spans.append((start, start + len(form), forms[form]))
            last = start + len(form)
    return spans


_WORD_CHAR = re.compile(r"\w")


@dataclass(slots=True)
class _Mapping:
    """Which planted person each database mention stands for."""

    by_entity: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_person: dict[str, Counter[int | None]] = field(default_factory=lambda: defaultdict(Counter))
    unmapped_person_mentions: int = 0
    ambiguous: int = 0


def _map_mentions(conn: sqlite3.Connection, documents: dict[str, dict[str, list[str]]]) -> _Mapping:
    """A mention stands for the planted person whose written name its span overlaps (a span over
    two people's names, "Barravelli and Zhatolev", stands for neither and counts as ambiguous)."""
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for doc_id, path, text in conn.execute("SELECT id, path, text FROM documents"):
        people = documents.get(path.rsplit("/", 1)[-1])
        if people is not None:
            spans[doc_id] = planted_spans(text, people)
    mapping = _Mapping()
    rows = conn.execute("SELECT document_id, start, end, type, entity_id FROM mentions")
    for doc_id, start, end, mtype, entity_id in rows:
        if doc_id not in spans:
            continue
        owners = {pid for s, e, pid in spans[doc_id] if s < end and start < e}
        if not owners:
            mapping.unmapped_person_mentions += mtype == "person"
            continue
        if len(owners) > 1:
            mapping.ambiguous += 1
            continue
        pid = owners.pop()
        mapping.by_person[pid][entity_id] += 1
        if entity_id is not None:
            mapping.by_entity[entity_id][pid] += 1
    return mapping


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def score(db: Path, truth: JSON, *, worst: int = 5) -> JSON:
    """The figures ``score`` prints, as a dict; ``worst`` examples are listed for each."""
    from threadline.store.db import connect

    conn = connect(db, readonly=True)
    try:
        stored = {Path(r[0]).name for r in conn.execute("SELECT path FROM documents")}
        documents = {k: v for k, v in truth["documents"].items() if k in stored}
        mapping = _map_mentions(conn, documents)
        entities = {r["id"]: r for r in conn.execute("SELECT id, name, type FROM entities")}
        by_id = {p["id"]: p for p in truth["persons"]}
        return {
            "documents": {
                "truth": len(truth["documents"]),
                "in_db": len(documents),
                "not_in_truth": len(stored - truth["documents"].keys()),
            },
            "persons": _score_persons(conn, truth["persons"], worst),
            "mentions": {
                "planted": sum(p["mentions"] for p in truth["persons"]),
                "mapped": sum(sum(c.values()) for c in mapping.by_person.values()),
                "unresolved": sum(c[None] for c in mapping.by_person.values()),
                "ambiguous": mapping.ambiguous,
                "person_mentions_of_nobody_planted": mapping.unmapped_person_mentions,
            },
            "fragmentation": _score_fragmentation(mapping, entities, by_id, worst),
            "merges": _score_merges(mapping, entities, by_id, worst),
            "links": _score_links(conn, mapping, truth, by_id, worst),
            "duplicates": _score_duplicates(conn, truth["stories"], stored),
        }
    finally:
        conn.close()


def _score_persons(conn: sqlite3.Connection, persons: list[JSON], worst: int) -> JSON:
    """Recall over the people the documents name in full at least once: found when a person entity
    is named, or has an alias, exactly so."""
    names: set[str] = set()
    for (name,) in conn.execute(
        "SELECT name FROM entities WHERE type = 'person' UNION SELECT a.alias FROM entity_aliases a"
        " JOIN entities e ON e.id = a.entity_id WHERE e.type = 'person'"
    ):
        names.add(" ".join(name.casefold().split()))
    named = [p for p in persons if any(p["name"] in v for v in p["variants"])]
    missing = [p for p in named if p["name"].casefold() not in names]
    found = len(named) - len(missing)
    buckets = {"1 doc": (1, 1), "2-9 docs": (2, 9), "10+ docs": (10, 10**9)}
    recall_by_documents = {}
    for label, (low, high) in buckets.items():
        bucket = [p for p in named if low <= p["documents"] <= high]
        recall_by_documents[label] = _ratio(len([p for p in bucket if p not in missing]), len(bucket))
    return {
        "planted": len(persons),
        "named_in_full": len(named),
        "found": found,
        "recall": _ratio(found, len(named)),
        "recall_by_documents": recall_by_documents,
        "missing_most_documents": [
            f"{p['name']} ({p['documents']} docs)"
            for p in sorted(missing, key=lambda p: -p["documents"])[:worst]
        ],
    }


def _score_fragmentation(
    mapping: _Mapping, entities: dict[int, sqlite3.Row], by_id: dict[str, JSON], worst: int
) -> JSON:
    """How many entities each planted person's mentions went to, and what the extra ones are."""
    spread: dict[str, int] = {}
    largest_share = []
    extra: Counter[str] = Counter()  # the entities beside each person's largest, by type and name
    for pid, counts in mapping.by_person.items():
        kept = Counter({e: n for e, n in counts.items() if e is not None})
        if not kept:
            continue
        spread[pid] = len(kept)
        largest, size = kept.most_common(1)[0]
        largest_share.append(size / kept.total())
        person = by_id[pid]
        for eid in kept:
            if eid == largest:
                continue
            name = entities[eid]["name"]
            if person["misspelt"] in name:
                form = "a misspelling"
            elif " " not in name:
                form = "a lone name"
            else:
                form = "a full name"
            extra[f"{entities[eid]['type']} named by {form}"] += 1
    return {
        "persons_with_mentions": len(spread),
        "mean_entities": round(sum(spread.values()) / len(spread), 3) if spread else 0.0,
        "one_entity": _ratio(sum(1 for n in spread.values() if n == 1), len(spread)),
        "mean_share_in_largest": round(sum(largest_share) / len(largest_share), 4) if largest_share else 0.0,
        "extra_entities": dict(extra.most_common()),
        "most_spread": [
            f"{by_id[pid]['name']}: {n} entities"
            for pid, n in sorted(spread.items(), key=lambda kv: (-kv[1], kv[0]))[:worst]
        ],
    }


def _score_merges(
    mapping: _Mapping, entities: dict[int, sqlite3.Row], by_id: dict[str, JSON], worst: int
) -> JSON:
    """Person entities whose mentions come from more than one planted person."""
    person_entities = [eid for eid, row in entities.items() if row["type"] == "person"]
    with_planted = [eid for eid in person_entities if mapping.by_entity.get(eid)]
    mixed = [eid for eid in with_planted if len(mapping.by_entity[eid]) > 1]

    def minority(eid: int) -> int:
        counts = mapping.by_entity[eid]
        return counts.total() - max(counts.values())

    return {
        "person_entities": len(person_entities),
        "with_planted_mentions": len(with_planted),
        "without_planted_mentions": len(person_entities) - len(with_planted),
        "pure": len(with_planted) - len(mixed),
        "precision": _ratio(len(with_planted) - len(mixed), len(with_planted)),
        "mixed": len(mixed),
        "worst": [
            f"{entities[eid]['name']!r}: "
            + ", ".join(f"{by_id[p]['name']} x{n}" for p, n in mapping.by_entity[eid].most_common(4))
            for eid in sorted(mixed, key=lambda e: (-minority(e), e))[:worst]
        ],
    }


def _score_links(
    conn: sqlite3.Connection, mapping: _Mapping, truth: JSON, by_id: dict[str, JSON], worst: int
) -> JSON:
    """Links between entities standing for two planted people (each entity stands for the person
    most of its mentions are) against the planted pairs, and against every pair named together."""
    owner = {eid: counts.most_common(1)[0][0] for eid, counts in mapping.by_entity.items()}
    planted = {(r["a"], r["b"]): r["sentences"] for r in truth["links"]}
    chance = {(r["a"], r["b"]) for r in truth["incidental"]}
    linked: set[tuple[str, str]] = set()
    between = good = co_mentioned = within = supported = supported_good = 0
    for a, b, sentences in conn.execute("SELECT a, b, sentences FROM links"):
        pa, pb = owner.get(a), owner.get(b)
        if pa is None or pb is None:
            continue
        if pa == pb:
            within += 1
            continue
        pair = (min(pa, pb), max(pa, pb))
        linked.add(pair)
        between += 1
        good += pair in planted
        co_mentioned += pair in planted or pair in chance
        if sentences >= 2:
            supported += 1
            supported_good += pair in planted
    strong = [p for p, n in planted.items() if n >= 3]
    return {
        "planted_pairs": len(planted),
        "recalled": len(linked & planted.keys()),
        "recall": _ratio(len(linked & planted.keys()), len(planted)),
        "recall_3plus_sentences": _ratio(sum(1 for p in strong if p in linked), len(strong)),
        "db_links_between_planted_people": between,
        "precision": _ratio(good, between),
        "precision_2plus_sentences": _ratio(supported_good, supported),
        "precision_any_co_mention": _ratio(co_mentioned, between),
        "links_within_one_person": within,
        "missed_most_sentences": [
            f"{by_id[a]['name']} - {by_id[b]['name']} ({n} sentences)"
            for (a, b), n in sorted(planted.items(), key=lambda kv: (-kv[1], kv[0]))
            if (a, b) not in linked
        ][:worst],
    }


def _pairs(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    return {(a, b) for group in groups for a, b in combinations(sorted(group), 2)}


def _score_duplicates(conn: sqlite3.Connection, stories: list[list[str]], stored: set[str]) -> JSON:
    from threadline.query.duplicates import duplicates

    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "duplicate_clusters" not in tables:
        return {"available": False}
    clusters = [[Path(p).name for p in c["documents"]] for c in duplicates(conn)]
    truth_groups = [[d for d in g if d in stored] for g in stories]
    truth_pairs, db_pairs = _pairs(truth_groups), _pairs(clusters)
    exact = {tuple(sorted(g)) for g in truth_groups} & {tuple(sorted(c)) for c in clusters}
    return {
        "available": True,
        "story_groups": len(truth_groups),
        "db_clusters": len(clusters),
        "exact_clusters": len(exact),
        "pair_precision": _ratio(len(truth_pairs & db_pairs), len(db_pairs)),
        "pair_recall": _ratio(len(truth_pairs & db_pairs), len(truth_pairs)),
    }


def print_report(result: JSON) -> None:
    docs, people, frag, ment = (
        result["documents"],
        result["persons"],
        result["fragmentation"],
        result["mentions"],
    )
    merges, links, dup = result["merges"], result["links"], result["duplicates"]
    print(f"documents: {docs['in_db']} of {docs['truth']} in the database, {docs['not_in_truth']} others")
    print(
        f"planted persons found: {people['found']}/{people['named_in_full']} named in full"
        f" ({people['planted']} planted), recall={people['recall']:.3f}"
    )
    print("  by documents: " + ", ".join(f"{k} {v:.3f}" for k, v in people["recall_by_documents"].items()))
    for line in people["missing_most_documents"]:
        print(f"  missing: {line}")
    print(
        f"mentions: {ment['mapped']}/{ment['planted']} planted mentions found,"
        f" {ment['unresolved']} left without an entity, {ment['ambiguous']} naming two planted people,"
        f" {ment['person_mentions_of_nobody_planted']} person mentions of nobody planted"
    )
    print(
        f"fragmentation: {frag['mean_entities']:.3f} entities per person; one entity {frag['one_entity']:.3f};"
        f" share in the largest {frag['mean_share_in_largest']:.3f}"
    )
    for cause, n in frag["extra_entities"].items():
        print(f"  extra entities: {n} {cause}")
    for line in frag["most_spread"]:
        print(f"  spread: {line}")
    print(
        f"merge precision: {merges['precision']:.3f} ({merges['pure']}/{merges['with_planted_mentions']} person"
        f" entities are one planted person; {merges['mixed']} mix two or more;"
        f" {merges['without_planted_mentions']} name nobody planted)"
    )
    for line in merges["worst"]:
        print(f"  mixed: {line}")
    print(
        f"links: recall {links['recall']:.3f} ({links['recalled']}/{links['planted_pairs']} planted pairs),"
        f" {links['recall_3plus_sentences']:.3f} of pairs in 3+ sentences"
    )
    print(
        f"  precision {links['precision']:.3f} over {links['db_links_between_planted_people']} links between"
        f" planted people, {links['precision_2plus_sentences']:.3f} of those in 2+ sentences,"
        f" {links['precision_any_co_mention']:.3f} counting chance co-mentions;"
        f" {links['links_within_one_person']} links within one person"
    )
    for line in links["missed_most_sentences"]:
        print(f"  missed: {line}")
    if dup["available"]:
        print(
            f"duplicates: {dup['db_clusters']} clusters for {dup['story_groups']} story groups,"
            f" {dup['exact_clusters']} exact; pair precision {dup['pair_precision']:.3f}"
            f" recall {dup['pair_recall']:.3f}"
        )
    print(
        f"recall={people['recall']:.3f} one_entity={frag['one_entity']:.3f} merge_precision={merges['precision']:.3f}"
        f" link_recall={links['recall']:.3f} link_precision={links['precision']:.3f}"
        f" dup_precision={dup.get('pair_precision', 0.0):.3f} dup_recall={dup.get('pair_recall', 0.0):.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write fictional documents and truth.json")
    gen.add_argument("out", type=Path)
    gen.add_argument("--docs", type=int, default=2000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument(
        "--persons", type=int, default=None, help="population size (default docs/5, at least 40)"
    )
    gen.add_argument("--duplicates", type=float, default=0.1, help="share of documents that rewrite a story")
    sc = commands.add_parser("score", help="compare an ingested database with truth.json")
    sc.add_argument("db", type=Path)
    sc.add_argument("truth", type=Path)
    sc.add_argument("--worst", type=int, default=5, help="examples listed per figure")
    sc.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "generate":
        started = time.monotonic()
        truth = generate(args.out, args.docs, args.seed, args.persons, args.duplicates)
        print(
            f"{args.docs} documents ({truth['corpus']['words']} words), {len(truth['persons'])} persons,"
            f" {len(truth['links'])} planted pairs, {len(truth['stories'])} story groups"
            f" in {time.monotonic() - started:.1f}s -> {args.out}"
        )
        return 0
    result = score(args.db, json.loads(args.truth.read_text(encoding="utf-8")), worst=args.worst)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
