"""Are two name tokens one spelling? Transliteration-aware comparison across Latin and Cyrillic.

Names reach the resolver as ASCII keys (``name_key``: anyascii, lower case, letters only) that are
compared on a *skeleton* collapsing the spellings romanisation produces. Russian-language sources
add the Cyrillic originals, whose anyascii forms differ from English press spellings in ways the
skeleton in ``compare.py`` does not cover:

- the soft and hard signs (ь, ъ) become apostrophes, which ``name_key`` reads as word breaks:
  "Ильхам" became "il kham" and "Игнатьев" "ignat ev" (two tokens, so never the same name);
- word-initial and post-consonant е is "ye" in English ("Yerlan", "Vasilyev") but "e" in
  anyascii ("Erlan", "Vasil'ev"), and ё is "yo"/"io" in English ("Pyotr", "Semyonov") but "e";
- дж is "dzh" in anyascii but "j" in English ("Jaksybekov", "Джаксыбеков");
- German romanisations: "sch" for ш, "tz" for ц.

``name_key`` (names/keys.py) drops the signs; ``skeleton`` handles the rest; ``same_token``
compares skeletons, with a narrow sounds-alike fallback that accepts a one-consonant difference
that sounds the same but never a one-vowel one (Safronov/Sofronov, Valchev/Velchev are different
names). ``benchmarks/names.py`` measures it.

rigour's own helpers were considered: ``rigour.text.translit.maybe_ascii`` drops the soft sign too,
but writes х as "h" and й as "y"/"i" depending on position, and ``rigour.names`` compares whole
names with a typo-budget edit distance that accepts exactly the one-letter differences
(Masimov/Maksimov) this project must refuse; the rules below are the few that matter, testable
one by one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.text.distance import levenshtein
from rigour.text.phonetics import metaphone

_VOWELS = set("aeiou")
# Feminine forms of Slavic/Central Asian surnames: a different person from the masculine form.
_FEMININE = re.compile(r"(?:ova|eva|yeva|ina|yna|aya|skaya|tskaya)$")
_MASCULINE = re.compile(r"(?:ov|ev|yev|in|yn|iy|ii|y|sky|skiy|ski|tsky)$")


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Collapse romanisation variance: Massimov/Masimov, Nazarbayev/Nazarbaev, Yerlan/Erlan,
    Vasilyev/Vasiliev/Vasilev, Semyonov/Semenov, Jaksybekov/Dzhaksybekov, Dmitriy/Dmitry."""
    s = token.lower()
    s = s.replace("dzh", "j")  # Джаксыбеков: Dzhaksybekov / Jaksybekov
    s = s.replace("tsch", "ch").replace("tch", "ch")  # German, French ч: Fedortschenko, Lubtchansky
    s = s.replace("sch", "sh").replace("tz", "ts")  # German: Perwuschin, Moritz
    s = s.replace("sz", "sh").replace("cz", "ch")  # Polish: Lubaszenko, Czernow
    s = re.sub(r"(?<=o)f(?=sk)", "v", s)  # -ofsky for -овский: Yanofsky
    s = s.replace("kh", "h").replace("ph", "f").replace("th", "t").replace("ou", "u")  # French ou: Vinokourov
    s = s.replace("x", "ks").replace("w", "v").replace("ck", "k").replace("q", "k")
    # й, ы: Sergey/Sergei/Sergej, Yuriy/Yurij. A word-initial j is English дж (Jenna), never the
    # й of "Yerlan": it must not reach the "ye" rule below.
    s = s.replace("y", "i")
    s = s[:1] + s[1:].replace("j", "i")
    s = re.sub(r"(.)\1+", r"\1", s)  # doubled letters: Massimov; Aliyev -> aliiev -> aliev
    # е written "ye"/"ie": word-initially, after a vowel, and in -yev/-yevich (Yerlan, Nazarbayev,
    # Vasilyev, Yuryevich -> erlan, nazarbaev, vasilev, iurevich); Dmitrienko keeps its i.
    s = re.sub(r"(?:^|(?<=[aeiou]))ie|ie(?=v)", "e", s)
    # ё written "yo"/"io": Semyonov, Pyotr, Fyodorov, Yoskov -> semenov, petr, fedorov, eskov; and
    # "o" after ж/ч/ш/щ: Gorbachov, Khrushchov -> gorbachev, hrushchev.
    s = re.sub(r"(?:^|(?<=[^aeiou]))io(?=[^aeiou])", "e", s)
    s = re.sub(r"(?<=[csz]h)o(?=va?$)", "e", s)
    # ль before ю/я written without y: Lyudmila/Ludmila, Shilyansky/Shilansky.
    s = re.sub(r"(?<=l)i(?=[au][^aeiou])", "", s)
    return re.sub(r"(.)\1+", r"\1", s)


def is_feminine_pair(a: str, b: str) -> bool:
    """Nazarbayev vs Nazarbayeva: the same stem, different gender forms."""
    return bool(
        (_FEMININE.search(a) and _MASCULINE.search(b) and a.startswith(b[: max(3, len(b) - 3)]))
        or (_FEMININE.search(b) and _MASCULINE.search(a) and b.startswith(a[: max(3, len(a) - 3)]))
    )


@lru_cache(maxsize=1_000_000)
def same_token(a: str, b: str) -> str | None:
    """Reason two name tokens (ASCII keys) are one spelling, or None."""
    if a == b:
        return "same spelling"
    if is_feminine_pair(a, b) or is_feminine_pair(skeleton(a), skeleton(b)):
        return None
    if skeleton(a) == skeleton(b):
        return f"spelling variant ({a} ~ {b}: transliteration)"
    if (
        min(len(a), len(b)) >= 6
        and levenshtein(a, b) <= 1
        and not _vowel_edit(a, b)
        and metaphone(a) == metaphone(b)
    ):
        return f"spelling variant ({a} ~ {b}: sounds alike, one letter apart)"
    if _german_kh(a, b) or _german_kh(b, a):
        return f"spelling variant ({a} ~ {b}: German or Polish ch for kh)"
    return None


def _german_kh(a: str, b: str) -> bool:
    """German and Polish write х as "ch" (Michalina, Tichow) where English writes "kh": ``a``
    with an inner "ch" read as "kh" is ``b``, which has a "kh" (so "ch" is х there, not ч).
    Not word-initially, where English "Ch" is ч and both names exist (Chaikin, Khaikin)."""
    if "ch" not in a[1:] or "kh" not in b[1:] or "ch" in b:
        return False
    return skeleton(a[0] + a[1:].replace("ch", "kh")) == skeleton(b)


def _vowel_edit(a: str, b: str) -> bool:
    """Whether two strings one edit apart differ in a vowel (Safronov/Sofronov: different names)."""
    if len(a) == len(b):
        return any(x != y and (x in _VOWELS or y in _VOWELS) for x, y in zip(a, b, strict=True))
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    for i, ch in enumerate(longer):
        if longer[:i] + longer[i + 1 :] == shorter:
            return ch in _VOWELS
    return False
