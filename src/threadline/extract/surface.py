"""Person-name surfaces as NER finds them: possessives, titles and roles stripped, and junk that is never
a person rejected. Comparing names is ``threadline.names``'s job."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from threadline.names.keys import is_initial, name_tokens

# Roles and titles that precede a name. Longest first so "Deputy Prime Minister" wins over "Prime Minister".
_ROLE_WORDS = [
    "Deputy Prime Minister",
    "Prime Minister",
    "Deputy Minister",
    "Foreign Minister",
    "Finance Minister",
    "Interior Minister",
    "Justice Minister",
    "Energy Minister",
    "Minister",
    "Prosecutor General",
    "Attorney General",
    "Deputy Attorney General",
    "Solicitor General",
    "Secretary of State",
    "Secretary General",
    "Vice President",
    "President",
    "Vice Chairman",
    "Chairman",
    "Chairwoman",
    "Chair",
    "Chief Executive",
    "Senator",
    "Sen.",
    "Congressman",
    "Congresswoman",
    "Representative",
    "Rep.",
    "MP",
    "Governor",
    "Gov.",
    "Mayor",
    "Ambassador",
    "Judge",
    "Justice",
    "Magistrate",
    "Prosecutor",
    "Detective",
    "Inspector",
    "Agent",
    "Special Agent",
    "Officer",
    "General",
    "Gen.",
    "Colonel",
    "Col.",
    "Major",
    "Captain",
    "Capt.",
    "Lieutenant",
    "Lt.",
    "Sergeant",
    "Sgt.",
    "Admiral",
    "Commissioner",
    "Director",
    "Deputy Director",
    "Deputy",
    "Professor",
    "Prof.",
    "Dr.",
    "Dr",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Miss",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Prince",
    "Princess",
    "King",
    "Queen",
    "Sheikh",
    "Emir",
    "Rev.",
    "Reverend",
    "Father",
    "Akim",
    "Speaker",
    "Counsel",
    "Attorney",
    "Lawyer",
    "Banker",
    "Businessman",
    "Businesswoman",
    "Tycoon",
    "Oligarch",
    "CEO",
    "CFO",
    "COO",
    "Editor",
    "Journalist",
    "Reporter",
    "Defendant",
    "Plaintiff",
    "Witness",
]
_ROLE_MODIFIERS = [
    "former",
    "ex-",
    "ex",
    "then-",
    "then",
    "acting",
    "late",
    "deputy",
    "first",
    "current",
    "the",
]

_role_alt = "|".join(re.escape(r) for r in sorted(_ROLE_WORDS, key=len, reverse=True))
_mod_alt = "|".join(re.escape(m) for m in _ROLE_MODIFIERS)
# A role phrase: optional modifiers, then one or more role words ("former Deputy Energy Minister").
_ROLE_PHRASE = rf"(?:(?:{_mod_alt})\s*)*(?:(?:{_role_alt})(?:\s+|(?<=-)))+"
ROLE_PREFIX_RE = re.compile(rf"^\s*(?P<role>{_ROLE_PHRASE})", re.IGNORECASE)
# Role phrase ending right before a name in running text ("... former Prime Minister |Karim").
ROLE_BEFORE_RE = re.compile(rf"(?P<role>{_ROLE_PHRASE})$", re.IGNORECASE)
# Role words are case-sensitive in running text so "the general public" does not become a role.
_ROLE_CASED = {r.lower(): r for r in _ROLE_WORDS}

_SUFFIX_ROLES = (
    "Chief",
    "President",
    "Asst",
    "Assistant",
    "Member",
    "Trustee",
    "Director",
    "Chairman",
    "CEO",
    "CFO",
    "COO",
    "Secretary",
    "Manager",
    "Partner",
    "Counsel",
    "Esq",
    "Attorney",
    "Treasurer",
    "Principal",
)
_ROLE_SUFFIX_RE = re.compile(rf"[\s,]+(?P<role>(?:{'|'.join(_SUFFIX_ROLES)})\.?)$", re.IGNORECASE)
POSSESSIVE_RE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_EDGE_JUNK = " \t\n\r\"'“”‘’«»()[]{}<>,;:|*_=+~^`#"

# Words that are never part of a person's name, though NER sometimes tags them.
_NON_NAME_WORDS = {
    "advertisement",
    "reading",
    "time",
    "youtube",
    "video",
    "player",
    "share",
    "subscribe",
    "newsletter",
    "cookie",
    "cookies",
    "privacy",
    "policy",
    "click",
    "here",
    "print",
    "email",
    "e-mail",
    "mail",
    "page",
    "pages",
    "exhibit",
    "bates",
    "oversight",
    "house",
    "committee",
    "subject",
    "sent",
    "from",
    "to",
    "cc",
    "bcc",
    "re",
    "fw",
    "fwd",
    "date",
    "attachment",
    "attachments",
    "redacted",
    "confidential",
    "tel",
    "fax",
    "phone",
    "mobile",
    "iphone",
    "ipad",
    "blackberry",
    "http",
    "https",
    "www",
    "com",
    "org",
    "net",
    "inc",
    "llc",
    "ltd",
    "corp",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "am",
    "pm",
    "pdt",
    "pst",
    "est",
    "edt",
    "gmt",
    "utc",
    "ok",
    "thanks",
    "thank",
    "regards",
    "dear",
    "hi",
    "hello",
    "best",
    "sincerely",
    "trust",
    "why",
    "rights",
    "reserved",
    "photo",
    "image",
    "source",
    "update",
    "breaking",
    "news",
    "read",
    "more",
    "login",
    "sign",
    "menu",
    "search",
    "home",
    "follow",
    "twitter",
    "facebook",
    "instagram",
    "linkedin",
    "whatsapp",
    "telegram",
    "office",
    "press",
    "team",
    "desk",
    "department",
    "support",
    "info",
    "admin",
    "noreply",
    "newsroom",
    "staff",
    "service",
    "services",
    "px",
    "uk",
    "eu",
    "usa",
}
# Report, table and place-description words that NER glues onto names ("Balance Sheet Drilldown",
# "HOTEL CO-OP", "Western China"); none is a plausible part of a person's name.
_NON_NAME_WORDS |= {
    "hotel",
    "co-op",
    "coop",
    "ownership",
    "role",
    "managing",
    "shareholder",
    "shareholders",
    "teaching",
    "buy",
    "sell",
    "sheet",
    "drilldown",
    "limited",
    "fashion",
    "total",
    "subtotal",
    "account",
    "accounts",
    "summary",
    "table",
    "figure",
    "chart",
    "index",
    "revenue",
    "income",
    "equity",
    "portfolio",
    "medicare",
    "medicaid",
    "western",
    "eastern",
    "northern",
    "southern",
    "greater",
    "central",
    "trustee",
    "asst",
    "honor",
    "honour",
    "sender",
    "recipient",
    "forwarded",
    "original",
    "message",
}
# Letter openings NER reads as part of the name that follows.
_SALUTATION_RE = re.compile(r"(?:Dear|Dearest|Hi|Hello|Hey)\s+(?=\w)")
_COURTESY_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "professor"}

# Spanish, Portuguese and Italian function words that start phrases NER reads as names; never the
# first word of a person's name (a particle such as "de" or "la" may be, and is left alone).
_LEADING_FUNCTION_WORDS = {
    "lo",
    "si",
    "los",
    "las",
    "una",
    "un",
    "que",
    "por",
    "para",
    "con",
    "sin",
    "y",
    "o",
    "e",
    "il",
    "gli",
}

# Weekday and month abbreviations of mail and reply headers: never a person on their own.
_DATE_ABBREVIATIONS = {
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip

# Lower-case particles that legitimately sit inside names.
_PARTICLES = {
    "de",
    "da",
    "del",
    "della",
    "der",
    "den",
    "van",
    "von",
    "bin",
    "ibn",
    "al",
    "el",
    "la",
    "le",
    "du",
    "di",
    "dos",
    "das",
    "ter",
    "zu",
    "y",
    "ben",
    "abu",
    "st.",
}
_TOKEN_RE = re.compile(r"^(?:[^\W\d_]\.|[^\W\d_][^\W\d_'’\-.]*(?:[-'’][^\W\d_]+)*\.?)$")
_VOWELS = set("aeiouyаеёиоуыэюяäöüéèêáàóòíìúùåæø")


# "the" before an organisation or place name ("the Astana Energy Ministry") is not part of it.
LEADING_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)

# Words that mark a name as an organisation or place, never a person ("Massimov Foundation").
ORG_WORDS = re.compile(
    r"\b(?:bank|group|holdings?|company|corp|corporation|inc|ltd|llc|llp|plc|fund|foundation|trust|"
    r"ministry|agency|office|court|council|committee|university|institute|party|centre|center|"
    r"association|partners|capital|energy|oil|gas|international|national|republic|city|news|times|post|"
    r"street|avenue|road|herald|tribune|gazette|journal|telegraph|chronicle)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CleanName:
    name: str  # the bare name
    offset: int  # where the name starts inside the surface it came from
    role: str | None


def strip_name(surface: str) -> CleanName:
    """Remove a leading salutation and role/title and a trailing possessive from a name surface."""
    start, end = 0, len(surface)
    while start < end and surface[start] in _EDGE_JUNK:
        start += 1
    while end > start and surface[end - 1] in _EDGE_JUNK:
        end -= 1
    greeting = _SALUTATION_RE.match(surface, start, end)
    if greeting and greeting.end() < end:  # "Dear Ms Haddon", read by NER as one span
        inner = strip_name(surface[greeting.end() : end])
        return CleanName(inner.name, greeting.end() + inner.offset, inner.role)
    role: str | None = None
    m = ROLE_PREFIX_RE.match(surface, start, end)
    if m and m.end() < end:
        role = normalise_role(m.group("role"))
        start = m.end()
    text = surface[start:end]
    pm = POSSESSIVE_RE.search(text)
    if pm:
        end = start + pm.start()
    while end > start and surface[end - 1] in _EDGE_JUNK + ".":
        # a trailing full stop is sentence punctuation unless it ends an initial ("John F.")
        if (
            surface[end - 1] == "."
            and end - start >= 2
            and surface[end - 2].isalpha()
            and (end - start == 2 or not surface[end - 3].isalpha())
        ):
            break
        end -= 1
    # A role written after the name in lists and signatures: "Bernhard Beck, Chief", "Lang Asst".
    tail = _ROLE_SUFFIX_RE.search(surface, start, end)
    if tail and tail.start() > start:
        role = role or normalise_role(tail.group("role"))
        end = tail.start()
        while end > start and surface[end - 1] in _EDGE_JUNK:
            end -= 1
    return CleanName(surface[start:end], start, role)


def is_particle(token: str) -> bool:
    """ "de", "van", "al", "El": a particle that sits before a surname ("De Gaulle", "El Chapo")."""
    return token.lower() in _PARTICLES


def is_courtesy_title(role: str | None) -> bool:
    """Mr, Ms, Dr and the like: a name after one is a person's, whatever NER typed the span."""
    return role is not None and role.lower().rstrip(".") in _COURTESY_TITLES


def role_before(text: str, pos: int) -> str | None:
    """A role phrase ending right before ``pos`` in running text, e.g. "former Prime Minister"."""
    window = text[max(0, pos - 80) : pos]
    if not window.endswith((" ", "\u00a0")):
        return None
    m = ROLE_BEFORE_RE.search(window)
    if not m:
        return None
    role = m.group("role").strip()
    # The role's head word must be capitalised as written ("Senator"), not a common noun ("the judge").
    words = [w for w in re.split(r"\s+", role) if w.lower() not in _ROLE_MODIFIERS]
    if not words or not words[0][:1].isupper():
        return None
    return normalise_role(role)


def normalise_role(role: str) -> str:
    return re.sub(r"\s+", " ", role).strip(" -")


def looks_like_person(name: str) -> bool:
    """False for headings, widgets, Bates numbers, addresses, numbers and OCR debris."""
    # Imported here: importing spaCy takes seconds, and read-only commands (show, search) that
    # use this module's name_key must start fast.
    from spacy.lang.en.stop_words import STOP_WORDS

    if not name or len(name) > 60 or any(ch.isdigit() for ch in name):
        return False
    if "@" in name or "/" in name or "\\" in name or "http" in name.lower():
        return False
    tokens = name_tokens(name)
    if not 1 <= len(tokens) <= 5:
        return False
    letters_only = [t for t in tokens if not is_initial(t)]
    if not letters_only:
        return False  # "J. K." alone
    if len(tokens) == 1 and len(tokens[0]) < 3:
        return False
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 4:
        return False  # "JEE", "NSA": acronyms, not surnames
    if tokens[0].lower() in _LEADING_FUNCTION_WORDS:
        return False  # "Si el Brexit", "Lo del Brexit": NER on Spanish text
    if len(tokens) == 1 and tokens[0].lower().rstrip(".") in _DATE_ABBREVIATIONS:
        return False  # "Fri" from "On Fri, 5 Jan 2018 ... wrote:"; "Justin Sun" is still a name
    if any(POSSESSIVE_RE.search(t) for t in tokens[:-1]) or ORG_WORDS.search(name):
        return False  # "Putin’s Russia"; "Astana Energy Holdings"
    caps_tokens = 0
    for token in tokens:
        low = token.lower().strip(".")
        if low in _PARTICLES:
            continue
        if not _TOKEN_RE.match(token):
            return False
        if low in _NON_NAME_WORDS or low in STOP_WORDS:
            return False
        if not token[0].isupper():
            return False
        if not is_initial(token):
            core = low.replace("-", "").replace("'", "").replace("’", "")
            if not any(ch in _VOWELS for ch in core):
                return False  # "Mr", "Jkl" — OCR debris or abbreviations
            if len(core) > 3 and _case_flips(token.replace("-", "")) > 3:
                return False  # "McDoNaLd"-style OCR noise; "McDonald" has 3 flips
        if token.isupper() and len(token) > 1:
            caps_tokens += 1
    # Long all-caps runs are headings ("UNITED STATES DISTRICT COURT"), not names.
    return not (caps_tokens == len(tokens) and len(tokens) > 3)


def _case_flips(token: str) -> int:
    flips = 0
    for a, b in pairwise(token):
        if a.isalpha() and b.isalpha() and a.isupper() != b.isupper():
            flips += 1
    return flips
