"""Who published or wrote a document, and which outlets it cites.

Counting documents overstates how many independent sources say something when outlets rewrite
each other ("News.Az reports, citing TASS"). This module reads, for one document:

- its **outlet** (or author): from the email sender, the document's ``source`` (site name, mail
  domain, record source), an agency dateline (``ASTANA, March 11. /Steppe News Agency/.``,
  ``LONDON (Reuters) -``), a masthead first line (``NORD COURIER``) or a byline (``By Jane Doe``),
  in that order of preference;
- the **sources it cites**: ``citing X``, ``according to X``, ``X reports``/``reported``,
  ``as reported by X``, ``X said in a report``, their Russian forms (``со ссылкой на X``,
  ``по данным X``, ``сообщает X``, ``пишет «X»``, with an optional ``агентство``/``газета``/…
  before the name), and a dateline agency other than the outlet.

The patterns are deliberately conservative: a cited name must be capitalised (1-6 words, an
optional leading "The", inner "of"/"for"/"de"/"&"), so "according to prosecutors" is never a
source; pronouns, officials and institutions ("Police", "the Prosecutor General's Office",
"Interior Minister X") are dropped, and so are names after an honorific ("according to Mr Smith").
A plain capitalised name ("according to John Smith") is kept with ``kind="person_or_outlet"``;
names with an outlet word (News, Agency, Times, Reuters, ...), a news domain (``.kz``, ``.com``)
or a short all-capitals name (``TASS``, ``ТАСС``) are ``kind="outlet"``. Russian datelines
(``МОСКВА, 27 февраля. /ТАСС/.``, ``МОСКВА, 3 мар — РИА Новости.``) are read too. A Russian name in
an oblique case ("по данным Интерфакса") keeps its spelling; :func:`source_key` folds the case
ending so it is one source with "Интерфакс".

Pure functions over plain data; ``threadline.store.duplicates.rebuild_sources`` stores the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr

from threadline.ingest.printed import read_printed_header

OUTLET = "outlet"
PERSON_OR_OUTLET = "person_or_outlet"


def _wordset(*parts: str) -> frozenset[str]:
    return frozenset(" ".join(parts).split())


# How far into the text a dateline, masthead or byline may appear.
_HEAD_CHARS = 600
_BYLINE_CHARS = 1500
_MAX_NAME_WORDS = 6

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁ"
_DOMAIN_TLDS = "az|kz|ru|ру|рф|uz|kg|tj|tm|ua|by|ge|am|com|net|org|info|news|co\\.uk|uk|eu|de|fr|us"
# A capitalised word ("Herald", "O'Brien", "News.Az", "RFE/RL", "TASS") or a news domain.
_CAP_WORD = rf"(?:[{_UPPER}][\w'’&-]*(?:[./][A-Za-zА-Яа-яЁё][\w-]*)*)"
_DOMAIN_WORD = rf"(?:[\w-]+(?:\.[\w-]+)*\.(?:{_DOMAIN_TLDS})\b)"
_TOKEN = rf"(?:{_CAP_WORD}|{_DOMAIN_WORD})"
_SP = r"(?:[ \t]+\n?[ \t]*|\n[ \t]*)"  # spaces, or at most one line break
_CONNECTOR = r"(?:of|for|de|del|du|la|&)"
NAME = rf"(?:The{_SP})?{_TOKEN}(?:{_SP}(?:{_CONNECTOR}{_SP})?{_TOKEN}){{0,{_MAX_NAME_WORDS - 1}}}"

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_CITY = rf"[{_UPPER}][{_UPPER}.'’ -]*[{_UPPER}]"  # ASTANA, NUR-SULTAN, NEW YORK
_RU_MONTHS = (
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
    "|янв|фев|мар|апр|июн|июл|авг|сен|сент|окт|ноя|дек"
)
_DATE = (
    rf"(?:(?:{_MONTHS})\.?[ \t]+\d{{1,2}}|\d{{1,2}}[ \t]+(?:{_MONTHS}|{_RU_MONTHS})\.?)"
    rf"(?:,?[ \t]+\d{{4}}(?:[ \t]+г\.)?)?"
)

# "ASTANA, March 11. /Steppe News Agency/."  and  "MOSCOW, Feb. 27 /TASS/ -"
_DATELINE_SLASH = re.compile(
    rf"^[ \t]*{_CITY}(?:,[ \t]*[\w .'-]{{1,30}}?)?,[ \t]*{_DATE}\.?[ \t]*/(?P<name>[^/\n]{{2,60}})/",
    re.MULTILINE,
)
# "LONDON (Reuters) -"  and  "ALMATY, March 3 (Steppe News) —"
_DATELINE_PAREN = re.compile(
    rf"^[ \t]*{_CITY}(?:,[ \t]*[\w .'-]{{1,30}}?)?(?:,[ \t]*{_DATE})?[ \t]*\((?P<name>[^()\n]{{2,60}})\)[ \t]*[-–—]",
    re.MULTILINE,
)
# A byline stays on its line: "By Jane Doe", "By JANE DOE, Staff Writer".
_NAME_ON_LINE = rf"{_TOKEN}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_TOKEN}){{0,{_MAX_NAME_WORDS - 1}}}"
# "МОСКВА, 3 мар — РИА Новости." (Russian agencies' own style)
_DATELINE_DASH = re.compile(
    rf"^[ \t]*{_CITY}(?:,[ \t]*[\w .'-]{{1,30}}?)?,[ \t]*{_DATE}\.?[ \t]*[-–—][ \t]*(?P<name>{_NAME_ON_LINE})\.",
    re.MULTILINE,
)
_BYLINE = re.compile(
    rf"^[ \t]*\ufeff?[Bb][Yy][ \t]+(?P<name>{_NAME_ON_LINE})[ \t]*(?:$|,|\||[-–—]|\band\b)", re.MULTILINE
)
_NOT_BYLINES = _wordset("email e-mail mail fax phone telephone hand special appointment invitation")

# Patterns that start with a fixed phrase. Each starts with a literal so Python's regex engine can
# jump to candidates quickly on long OCR texts; word boundaries are checked afterwards.
_LEAD_PATTERNS = [
    re.compile(rf"[Cc]iting{_SP}(?P<name>{NAME})"),
    re.compile(rf"[Aa]ccording{_SP}to{_SP}(?:the{_SP})?(?P<name>{NAME})"),
    re.compile(rf"[Aa]s{_SP}reported{_SP}by{_SP}(?:the{_SP})?(?P<name>{NAME})"),
]
# Russian: the name follows a fixed phrase, in quotes or capitalised, after an optional word for
# the kind of outlet ("со ссылкой на агентство Bloomberg", "пишет газета «Ведомости»"). "Сообщил"
# (he said) is left out: it introduces people, "сообщает" and "пишет" introduce outlets.
_RU_OUTLET_NOUN = (
    r"(?:(?:информ)?агентств[оау]|газет[аеуы]|издани[еяю]|интернет-издани[еяю]|телеканал[аеу]?"
    r"|канал[аеу]?|портал[аеу]?|сайт[аеу]?|радиостанци[яию]|радио|журнал[аеу]?|телеграм-канал[аеу]?)"
)
_QUOTED = r"«[^«»\n]{2,60}»"
_RU_NAME = rf"(?:{_QUOTED}|{NAME})"
_RU_LEAD_PATTERNS = [
    re.compile(rf"[Сс]о{_SP}ссылкой{_SP}на{_SP}(?P<noun>{_RU_OUTLET_NOUN}{_SP})?(?P<name>{_RU_NAME})"),
    re.compile(
        rf"[Пп]о{_SP}(?:данным|информации|сообщению|сведениям){_SP}(?P<noun>{_RU_OUTLET_NOUN}{_SP})?(?P<name>{_RU_NAME})"
    ),
    re.compile(
        rf"(?:сообщает|сообщают|сообщило|пишет|передает|передаёт|информирует)"
        rf"{_SP}(?P<noun>{_RU_OUTLET_NOUN}{_SP})?(?P<name>{_RU_NAME})"
    ),
]
# Patterns where the name comes first ("Compromat reports"): the verb is found first, then the name
# is matched in a short window before it (trying NAME at every capital letter is slow).
_TAIL_VERB = re.compile(rf"report(?:s|ed)\b|said{_SP}in{_SP}a{_SP}report\b")
_AUX = re.compile(r"(?:^|\s)(?:has|had)\s*$")
_TAIL_NAME = re.compile(rf"(?<![\w'’.&-])(?P<name>{NAME})\Z")
_TAIL_WINDOW = 160
# What follows a cited name: a lowercase word it qualifies, or " v. " of a court case.
_FOLLOWER = re.compile(r"(?:['’]s)?[ \t]+(?:(?P<case>v\.?[ \t])|(?P<word>[a-z][a-z-]*))")
# Lowercase words that may follow a source without making it a modifier.
_FREE_FOLLOWERS = frozenset(
    [
        "and",
        "or",
        "that",
        "which",
        "who",
        "in",
        "on",
        "at",
        "as",
        "to",
        "from",
        "of",
        "for",
        "last",
        "this",
        "earlier",
        "later",
        "said",
        "says",
        "reported",
        "reports",
        "wrote",
        "writes",
        "has",
        "had",
        "is",
        "was",
        "quoted",
        "citing",
        "cited",
        "via",
        "by",
        "with",
        "about",
        "over",
        "after",
        "before",
        "yesterday",
        "today",
    ]
)


_OUTLET_WORDS = _wordset(
    "news agency times post herald reuters tass interfax afp ap bbc radio tv journal gazette courier"
    " press daily telegraph guardian tribune bulletin wire ria novosti bloomberg xinhua kommersant"
    " vedomosti izvestia media magazine review chronicle observer standard express mirror"
    " television broadcasting channel",
    "тасс риа новости интерфакс коммерсантъ коммерсант ведомости известия газета вести медиа"
    " агентство радио журнал телеканал иа тв",
)
# Not outlets: pronouns, officials, institutions and roles ("Police reported", "according to the
# Ministry", "Interior Minister X reported").
_NOT_SOURCES = _wordset(
    "he she it they we i you him her them his this that these those there who which one"
    " prosecutors prosecutor police officials official sources source investigators authorities"
    " reporters witnesses witness experts analysts residents lawyers lawyer spokesman spokeswoman"
    " spokesperson ministry minister office court government department committee council"
    " parliament senate mazhilis bureau commission service army military embassy president"
    " senator governor mayor judge director chairman ceo deputy secretary general attorney"
    " company bank university plaintiffs plaintiff defendants defendant petitioners respondents"
)
# Acronyms of governments and agencies: sources of claims, not outlets.
_NOT_OUTLET_ACRONYMS = _wordset(
    "us u.s usa u.s.a uk u.k un u.n eu fbi cia nsa sec fda cbo doj irs nato imf who osce kgb fsb gdp opec nasa dea atf",
    "рф сша ес оон нато мвд умвд гувд фсб мчс ск скр фнс цб ввп обсе кгб гибдд фсин сми",
)
# Russian institutions and officials, whatever case they stand in ("по данным Минздрава").
_NOT_SOURCE_PREFIXES_RU = (
    "мин", "министерств", "прокурат", "генпрокурат", "полиц", "правительств", "кремл", "суд",
    "следствен", "пресс-служб", "губернатор", "президент", "глав", "мэр", "источник", "депутат",
    "администрац", "росстат", "роспотребнадзор", "центробанк", "банк", "ведомств", "управлен",
    "комитет", "отдел", "департамент", "госслужб", "служб", "штаб", "оперштаб",
)  # fmt: skip
# A lone Russian adjective is the start of a longer lower-case name ("сайт Русской православной
# церкви"), not a name of its own.
_RU_ADJECTIVE = re.compile(r"^[а-яё-]+(?:ой|ого|ому|ей|его|ему|ых|их|ым|им|ая|яя|ое|ее|ую|юю)$")
_HONORIFICS = _wordset("mr mrs ms miss dr prof sir lord lady mr. mrs. ms. dr. prof. gen. col.")
# Leading words a name pattern may sweep up before the real name ("Yesterday Reuters reported").
_LEADING_NOISE = _wordset(
    "yesterday today tonight earlier later meanwhile also and but however on in last this then"
    " monday tuesday wednesday thursday friday saturday sunday separately previously as when while"
    " since because if what where after before although though so thus now first some many most"
    " several others both each all few yet still value research data sales revenue earnings results"
    " figures studies surveys polls reports documents records"
)
_FREE_MAIL = _wordset(
    "gmail.com googlemail.com yahoo.com yahoo.co.uk hotmail.com outlook.com live.com msn.com aol.com"
    " icloud.com me.com mac.com mail.ru bk.ru inbox.ru list.ru yandex.ru yandex.kz ya.ru gmx.com"
    " gmx.de protonmail.com proton.me zoho.com"
)
_CYRILLIC_WORD = re.compile(r"^[а-яё-]+$")
_ALL_CAPS = re.compile(rf"^[{_UPPER}]{{2,8}}$")
_DOMAIN_NAME = re.compile(rf"^{_DOMAIN_WORD}$|\.(?:{_DOMAIN_TLDS})$", re.IGNORECASE)
_WORDS = re.compile(r"[\w'’&./-]+")


@dataclass(frozen=True, slots=True)
class Citation:
    """A source named in the text; ``text[start:end] == name``."""

    name: str
    start: int
    end: int
    kind: str = OUTLET  # OUTLET | PERSON_OR_OUTLET


@dataclass(slots=True)
class SourceInfo:
    """A document's outlet or author, how it was found, and the sources the document cites."""

    outlet: str | None
    cites: list[Citation] = field(default_factory=list)
    # email-from | printed-from | source | dateline | masthead | byline | author-meta (None when none)
    found_by: str | None = None


def document_sources(
    text: str, title: str | None, source: str | None, meta: Mapping[str, str], format: str
) -> SourceInfo:
    """The outlet or author of a document and the sources it cites, with offsets into ``text``."""
    del title  # titles rarely name the outlet reliably; kept for a stable signature
    dateline = _dateline(text)
    outlet, found_by = None, None
    if format == "email":
        outlet = _email_sender(meta.get("from", ""))
        found_by = "email-from" if outlet else None
    elif (printed := _printed_sender(text)) is not None:
        outlet, found_by = printed, "printed-from"
    if outlet is None and source and source.strip():
        outlet, found_by = _clean_source(source), "source"
    if outlet is None and dateline is not None:
        outlet, found_by = dateline.name, "dateline"
    if outlet is None:
        masthead = _masthead(text)
        if masthead:
            outlet, found_by = masthead, "masthead"
    if outlet is None:
        byline = _byline(text)
        if byline:
            outlet, found_by = byline, "byline"
    if outlet is None and meta.get("author", "").strip():
        outlet, found_by = meta["author"].strip(), "author-meta"

    cites: dict[tuple[int, int], Citation] = {}
    if dateline is not None and found_by != "dateline" and not same_source(dateline.name, outlet):
        cites[(dateline.start, dateline.end)] = dateline
    for start, end, named_outlet in _cited_names(text):
        citation = _citation(text, start, end, named_outlet)
        if citation is None or same_source(citation.name, outlet):
            continue
        key = (citation.start, citation.end)
        if not any(s <= key[0] and key[1] <= e for s, e in cites):  # not inside a longer one
            cites[key] = citation
    return SourceInfo(outlet, sorted(cites.values(), key=lambda c: (c.start, c.end)), found_by)


# A Cyrillic word's case ending ("Интерфакса", "Ведомостей", "Коммерсантъ"), dropped from the
# comparison key when at least four letters remain.
_RU_ENDING = re.compile(r"(?<=[а-яё]{4})(?:ами|ями|ого|его|ому|ему|ой|ей|ом|ем|ах|ях|ов|ев|[аяуюеиыъьй])$")


def source_key(name: str) -> str:
    """Comparison form of a source name: "The Caspian Herald", "caspianherald.kz" and
    "www.CaspianHerald.kz" are one source (case, "The", "www.", the domain suffix, spaces and
    punctuation ignored)."""
    key = " ".join(name.split()).casefold().strip('«»"').removeprefix("the ").removeprefix("www.")
    key = re.sub(rf"\.(?:{_DOMAIN_TLDS})$", "", key)
    key = _RU_ENDING.sub("", key)
    return re.sub(r"[\W_]+", "", key) or key


def same_source(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and source_key(a) == source_key(b)


def outlet_kind(name: str) -> str:
    """``outlet`` when the name looks like a news outlet, else ``person_or_outlet``."""
    if _ALL_CAPS.match(name) or _DOMAIN_NAME.search(name):
        return OUTLET
    tokens = {w.casefold().strip(".") for w in _WORDS.findall(name)}
    return OUTLET if tokens & _OUTLET_WORDS else PERSON_OR_OUTLET


# --- helpers -----------------------------------------------------------------------------------------


def _cited_names(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, named as an outlet) of every name in a citing phrase, before filtering."""
    for pattern in _LEAD_PATTERNS:
        for match in pattern.finditer(text):
            if match.start() == 0 or not _is_word_char(text[match.start() - 1]):
                yield match.start("name"), match.end("name"), False
    for pattern in _RU_LEAD_PATTERNS:
        for match in pattern.finditer(text):
            if match.start() == 0 or not _is_word_char(text[match.start() - 1]):
                yield match.start("name"), match.end("name"), match.group("noun") is not None
    for verb in _TAIL_VERB.finditer(text):
        end = verb.start()
        if end == 0 or not text[end - 1].isspace():  # "misreported", or no name before the verb
            continue
        if verb.group().startswith("report"):  # "X has reported"
            aux = _AUX.search(text, max(0, end - 12), end)
            if aux:
                end = aux.start()
        while end > 0 and text[end - 1].isspace():
            end -= 1
        name = _TAIL_NAME.search(text, max(0, end - _TAIL_WINDOW), end)
        if name:
            yield name.start("name"), name.end("name"), False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _citation(text: str, start: int, end: int, named_outlet: bool = False) -> Citation | None:
    """A Citation for ``text[start:end]`` after trimming noise words, or None if it is no source.

    ``named_outlet``: the text calls it an outlet ("агентство Bloomberg")."""
    if end - start > 2 and text[start] == "«" and text[end - 1] == "»":
        start, end = start + 1, end - 1
    start, end = _trim(text, start, end)
    if start >= end:
        return None
    name = text[start:end]
    words = name.split()
    if len(words) > _MAX_NAME_WORDS:
        return None
    folded = [w.casefold().strip(".,'’") for w in words]
    if folded[0] in _HONORIFICS:
        return None
    kind = OUTLET if named_outlet else outlet_kind(name)
    if kind != OUTLET and any(w in _NOT_SOURCES for w in folded):
        return None
    if not named_outlet and any(w.startswith(_NOT_SOURCE_PREFIXES_RU) for w in folded):
        return None
    if any(w in _NOT_OUTLET_ACRONYMS for w in folded if _CYRILLIC_WORD.match(w)):
        return None  # "МО МВД России"
    if len(folded) == 1 and _RU_ADJECTIVE.match(folded[0]):
        return None
    if name.casefold() in _NOT_OUTLET_ACRONYMS:
        return None
    if name[0].islower() and not _DOMAIN_NAME.search(name):
        return None
    follow = _FOLLOWER.match(text, end)
    if follow:
        if follow.group("case"):  # "citing Robinson v. Overseas Military Sales": a court case
            return None
        word = follow.group("word")
        if word and word not in _FREE_FOLLOWERS and word not in _OUTLET_WORDS:
            # "according to the Chinese version", "according to Epstein's attorney": the name only
            # qualifies the real source.
            return None
    return Citation(name, start, end, kind)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "The" and leading time words; drop a trailing possessive "'s"."""
    while True:
        word = re.match(r"[\w'’.-]+", text[start:end])
        if word is None:
            return start, end
        w = word.group().casefold()
        if w == "the" or w in _LEADING_NOISE:
            rest = re.match(r"[\w'’.-]+\s+", text[start:end])
            if rest is None:
                return end, end
            start += rest.end()
            continue
        break
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    return start, end


def _dateline(text: str) -> Citation | None:
    head = text[:_HEAD_CHARS]
    for pattern in (_DATELINE_SLASH, _DATELINE_PAREN, _DATELINE_DASH):
        match = pattern.search(head)
        if match:
            raw_start, raw_end = match.start("name"), match.end("name")
            start = raw_start + len(head[raw_start:raw_end]) - len(head[raw_start:raw_end].lstrip())
            end = raw_start + len(head[raw_start:raw_end].rstrip())
            name = text[start:end]
            if name and not name[0].islower():
                return Citation(name, start, end, outlet_kind(name))
    return None


def _masthead(text: str) -> str | None:
    """A first line in capitals naming an outlet ("NORD COURIER", "THE CASPIAN HERALD")."""
    for line in text[:_HEAD_CHARS].split("\n"):
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        words = line.split()
        capitals = line.upper() == line and any(c.isalpha() for c in line)
        if (
            capitals
            and len(words) <= _MAX_NAME_WORDS
            and {w.casefold().strip(".,") for w in words} & _OUTLET_WORDS
        ):
            return line
        return None
    return None


def _byline(text: str) -> str | None:
    match = _BYLINE.search(text[:_BYLINE_CHARS])
    if match is None:
        return None
    start, end = _trim(text, match.start("name"), match.end("name"))
    name = text[start:end].strip()
    if not name or name.split()[0].casefold() in _NOT_BYLINES:
        return None
    return name


def _email_sender(value: str) -> str | None:
    """The sender's display name; else the address's domain, or the address on free mail."""
    display, address = parseaddr(value)
    display = display.strip().strip("\"'")
    if display and "@" not in display:
        return _given_name_first(display)
    address = address.strip().lower()
    if "@" not in address:
        return display or None
    domain = address.rsplit("@", 1)[1]
    return address if domain in _FREE_MAIL else domain


def _printed_sender(text: str) -> str | None:
    """The sender of a printed email (a text or scan opening with a printed header block): the
    display name, given name first, or else what :func:`_email_sender` makes of the address."""
    header = read_printed_header(text)
    sender = header.sender if header is not None else None
    if sender is None:
        return None
    if sender.name:
        return _given_name_first(" ".join(sender.name.split()))
    return _email_sender(sender.address) if sender.address else None


def _given_name_first(display: str) -> str:
    """ "Weingarten, Reid" -> "Reid Weingarten"; "Thomas Jr., Landon" -> "Landon Thomas Jr."

    Mail programs show senders surname first; the same person signs and is cited given name first."""
    match = _SURNAME_FIRST.fullmatch(display)
    return f"{match.group(2)} {match.group(1)}" if match else display


# "Surname, Given" with one to three words each side, letters only (and a Jr./Sr. suffix).
_SURNAME_FIRST = re.compile(
    r"([^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,2}),[ \t]*([^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,2})"
)


def _clean_source(source: str) -> str:
    value = source.strip()
    if value.lower().startswith("www."):
        value = value[4:]
    return value
