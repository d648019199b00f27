"""Is a Cyrillic name token the Russian spelling of a Latin one? Трамп ~ Trump, Шольц ~ Scholz.

Russian writes foreign names by practical transcription: by sound, with rules per source language
(English "u" in Trump is а, German "sch" is ш and "z" is ц, French final "s" is silent, Japanese
"shi" is си). Two sources of evidence, tried in order:

1. **Wikidata name parts** as rigour ships them: a Latin and a Cyrillic token that rigour tags with
   the same Wikidata name item are one name (Donald/Дональд, Trump/Трамп, Scholz/Шольц).
2. **A scored transcription**: the Latin token's letters and letter groups are aligned with the
   Cyrillic letters by dynamic programming. Each Latin unit has the Cyrillic renderings the
   transcription rules of English, German, French, Italian, Polish, Spanish, Czech and Japanese
   give it (free); a vowel rendered by another vowel, or a vowel left out, costs a little; any
   consonant difference costs more than the threshold allows. So Söder/Зёдер and Epstein/Эпштейн
   align for free, Trump/Трамп costs nothing (English u is а), while Scholz/Шульц (a vowel) is a
   near miss and Scholz/Шольте (a consonant) is far.

Tuned on the shared Wikidata name pairs (``benchmarks/names.py`` reports precision and recall); the
threshold keeps precision first, since a false merge is the worst error threadline can make.
"""

from __future__ import annotations

from functools import lru_cache

_CYRILLIC_VOWELS = frozenset("аеёиоуыэюя")
_LATIN_VOWELS = frozenset("aeiouyäöüéèêëáàâíìîóòôúùûōūåøæąęý")

# Latin letter or letter group -> the Cyrillic spellings transcription gives it. Groups are tried
# before single letters; a rendering of "" is a silent letter.
_UNITS: dict[str, tuple[str, ...]] = {
    # vowels
    "a": ("а", "э", "е", "я", "о", "ей", "эй"),
    "e": ("е", "э", "и", "ё", "", "ье"),
    "i": ("и", "ай", "ы", "й", "ий", "ь"),
    "o": ("о", "а", "ё", "оу"),
    "u": ("у", "а", "ю", "ь", "ью"),
    "y": ("и", "ай", "й", "ы", "ь", "ий"),
    "ä": ("э", "е", "я"),
    "ö": ("ё", "е", "э"),
    "ü": ("ю", "у", "и"),
    "é": ("е", "э"),
    "è": ("е", "э"),
    "ê": ("е", "э"),
    "ë": ("е", "э"),
    "á": ("а",),
    "à": ("а",),
    "â": ("а",),
    "í": ("и",),
    "ì": ("и",),
    "î": ("и",),
    "ó": ("о", "у"),
    "ò": ("о",),
    "ô": ("о",),
    "ú": ("у",),
    "ù": ("у",),
    "û": ("у",),
    "ō": ("о",),
    "ū": ("у",),
    "ý": ("и", "ы"),
    "å": ("о",),
    "ø": ("ё", "е"),
    "æ": ("е", "э"),
    "ą": ("он", "ом", "а"),
    "ę": ("ен", "ем", "е"),
    "ee": ("и",),
    "ea": ("и", "е", "э", "иа"),
    "oo": ("у",),
    "ou": ("у", "ау", "оу"),
    "ow": ("оу", "ау", "о", "ов"),
    "ei": ("ей", "ай", "эй", "и"),
    "ie": ("и", "ье", "ьё", "е", "ай"),
    "ey": ("ей", "эй", "и", "ай"),
    "ay": ("ей", "эй", "ай"),
    "ai": ("ей", "ай", "е", "э"),
    "au": ("ау", "о"),
    "eu": ("ой", "ей", "ё", "э", "ью"),
    "oe": ("е", "ё", "о"),
    "ue": ("ю", "у", "уэ"),
    "ae": ("е", "э"),
    "oi": ("уа", "ой"),
    "ya": ("я", "ья", "йа"),
    "yu": ("ю", "ью"),
    "ye": ("е", "ье", "йе", "э"),
    "yo": ("ё", "йо", "ьо", "е"),
    "ia": ("ия", "ья", "иа", "я"),
    "iu": ("ию", "ью", "ю"),
    "io": ("ио", "ьо", "ьё", "ё"),
    "yū": ("ю",),
    "yō": ("ё",),
    "ew": ("ю", "ью", "ев"),
    "aw": ("о", "ав"),
    "eau": ("о",),
    "ault": ("о",),
    "ier": ("ье", "ьер", "иер"),
    "ois": ("уа",),
    "ja": ("я", "джа", "жа", "ха", "йа"),
    "ju": ("ю", "джу", "жу", "ху"),
    "je": ("е", "дже", "же", "хе", "йе"),
    "jo": ("ё", "джо", "жо", "хо", "йо"),
    # consonants
    "b": ("б",),
    "c": ("к", "с", "ц", "ч"),
    "cc": ("к", "кк", "ч"),
    "ch": ("ч", "х", "к", "ш", "тч"),
    "ck": ("к",),
    "cz": ("ч",),
    "cs": ("ч",),
    "sc": ("ск", "ш", "с"),
    "d": ("д",),
    "dj": ("дж",),
    "dzh": ("дж",),
    "dž": ("дж",),
    "dż": ("дж",),
    "dz": ("дз", "дж"),
    "dge": ("дж",),
    "f": ("ф",),
    "g": ("г", "ж", "дж", "х"),
    "gh": ("г", ""),
    "gn": ("нь", "гн"),
    "gu": ("г", "гу", "гв"),
    "h": ("х", "г", ""),
    "j": ("дж", "й", "ж", "х", "и", "дз"),
    "k": ("к",),
    "kh": ("х",),
    "l": ("л", "ль"),
    "ll": ("л", "лл", "ль", "й"),
    "m": ("м",),
    "n": ("н",),
    "ñ": ("нь", "н"),
    "ng": ("нг", "н"),
    "p": ("п",),
    "ph": ("ф",),
    "q": ("к",),
    "qu": ("к", "кв", "ку"),
    "r": ("р",),
    "rz": ("ж", "рж", "рз"),
    "ř": ("рж", "ж"),
    "s": ("с", "з", "ш"),
    "ss": ("с",),
    "ß": ("с", "сс"),
    "sch": ("ш",),
    "sh": ("ш", "с"),
    "shch": ("щ",),
    "sz": ("ш", "с", "ж"),
    "ś": ("с", "ш"),
    "š": ("ш",),
    "t": ("т",),
    "th": ("т", "с", "з"),
    "tch": ("ч",),
    "tsch": ("ч",),
    "ts": ("ц", "тс"),
    "tz": ("ц",),
    "tsu": ("цу",),
    "chi": ("ти", "чи", "ки"),
    "shi": ("си", "ши"),
    "ji": ("дзи", "джи", "жи", "хи"),
    "v": ("в", "ф"),
    "w": ("в", "у"),
    "wh": ("у", "в"),
    "x": ("кс", "х", "з", "с", "ш"),
    "z": ("з", "ц", "ж", "с", "дз"),
    "zz": ("ц", "дз", "з"),
    "zh": ("ж",),
    "ž": ("ж",),
    "ż": ("ж", "з"),
    "ź": ("ж", "з"),
    "č": ("ч",),
    "ć": ("ч", "ц"),
    "ł": ("л", "в"),
    "ń": ("нь", "н"),
    "ç": ("с",),
}
_LONGEST_UNIT = max(len(u) for u in _UNITS)
VOWEL_COST = 0.6  # a vowel rendered by another vowel, dropped or added
CONSONANT_COST = 1.5  # any consonant substituted, dropped or added: more than THRESHOLD
DOUBLED_COST = 0.2
FINAL_SILENT_COST = 0.3  # a Cyrillic consonant doubled where the Latin has one letter
THRESHOLD = 0.3  # a silent letter, or a doubled one; any vowel difference is too much


@lru_cache(maxsize=200_000)
def is_cyrillic(token: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in token)


def is_latin(token: str) -> bool:
    return any(ch.isalpha() and ch.isascii() for ch in token) and not is_cyrillic(token)


@lru_cache(maxsize=100_000)
def transcription_cost(latin: str, cyrillic: str) -> float:
    """The cheapest alignment of a Latin token with a Cyrillic one (both lower case), see module doc."""
    lat, cyr = latin.lower(), cyrillic.lower()
    n, m = len(lat), len(cyr)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            for ni, nj, extra in _moves(lat, cyr, i, j):
                if here + extra < cost[ni][nj]:
                    cost[ni][nj] = here + extra
    return cost[n][m]


def _moves(lat: str, cyr: str, i: int, j: int) -> list[tuple[int, int, float]]:
    """Every step from aligning ``lat[:i]`` with ``cyr[:j]``: (next i, next j, its cost)."""
    n, m = len(lat), len(cyr)
    moves: list[tuple[int, int, float]] = []
    if j < m and cyr[j] in "ьъ":
        moves.append((i, j + 1, 0.0))  # soft and hard signs carry no sound of their own
    if 0 < j < m and cyr[j] == cyr[j - 1] and cyr[j] not in _CYRILLIC_VOWELS:
        moves.append((i, j + 1, DOUBLED_COST))
    if 0 < i < n and lat[i] == lat[i - 1] and lat[i] not in _LATIN_VOWELS:
        moves.append((i + 1, j, 0.0))  # a doubled Latin consonant is written once
    if i < n:
        for size in range(1, min(_LONGEST_UNIT, n - i) + 1):
            for rendering in _UNITS.get(lat[i : i + size], ()):
                if cyr.startswith(rendering, j):
                    silent = 0.0 if rendering or size > 1 or lat[i] in _LATIN_VOWELS else 0.3
                    moves.append((i + size, j + len(rendering), silent))
        if lat[i] in _LATIN_VOWELS:
            moves.append((i + 1, j, VOWEL_COST))
            if j < m and cyr[j] in _CYRILLIC_VOWELS:
                moves.append((i + 1, j + 1, VOWEL_COST))
        else:
            # French and English final consonants often go unwritten (Gaspard/Гаспар)
            final = i == n - 1 and lat[i] in "dtsxzp"
            moves.append((i + 1, j, FINAL_SILENT_COST if final else CONSONANT_COST))
            if j < m:
                moves.append((i + 1, j + 1, CONSONANT_COST))
    if j < m:
        moves.append((i, j + 1, VOWEL_COST if cyr[j] in _CYRILLIC_VOWELS else CONSONANT_COST))
    return moves


def transcribed(latin: str, cyrillic: str, threshold: float = THRESHOLD) -> bool:
    """Whether ``cyrillic`` is a Russian transcription of ``latin`` (tokens in their own scripts)."""
    if min(len(latin), len(cyrillic)) < 2:
        return False
    return transcription_cost(latin.lower(), cyrillic.lower()) <= threshold


# Coarse consonant classes shared by both scripts, for blocking candidate pairs before the scored
# comparison: Trump and Трамп are both "TRMP", Scholz and Шольц "SLS", Söder and Зёдер "STR".
# A Cyrillic letter has one sound; some Latin letters have two (g in Kissinger is дж, in Hugo г;
# w in Powell is silent, in Wolf в), so a Latin token has a key per reading (at most 8).
_COARSE_DIGRAPHS = (
    ("tsch", "s"), ("dzh", "j"), ("sch", "s"), ("shch", "s"), ("sh", "s"), ("zh", "s"),
    ("kh", "h"), ("ts", "s"), ("tz", "s"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("qu", "k"),
)  # fmt: skip
_COARSE_CLASSES = str.maketrans("bpfvtdkqxszjlrmn", "PPFFTTKKKSSSLRMM")
_AMBIGUOUS = {"c": ("K", "S"), "g": ("K", "S"), "w": ("F", ""), "ch": ("S", "K")}
_MAX_AMBIGUOUS = 3


@lru_cache(maxsize=200_000)  # resolution asks once per mention, of far fewer distinct tokens
def coarse_keys(token: str) -> frozenset[str]:
    """Consonant skeletons of a name token in broad sound classes, one per reading of its ambiguous
    letters; a Cyrillic token has exactly one."""
    from anyascii import anyascii

    cyrillic = is_cyrillic(token)
    s = anyascii(token.translate(_SIGNS)).lower()
    for digraph, single in _COARSE_DIGRAPHS:
        s = s.replace(digraph, single)
    if cyrillic:  # ch here is only ч, g only г
        s = s.replace("ch", "s")
    readings = [""]
    i = 0
    ambiguous = 0
    while i < len(s):
        unit = "ch" if s.startswith("ch", i) else s[i]
        i += len(unit)
        if not cyrillic and unit in _AMBIGUOUS and ambiguous < _MAX_AMBIGUOUS:
            ambiguous += 1
            readings = [r + c for r in readings for c in _AMBIGUOUS[unit]]
            continue
        # past the cap, an ambiguous letter takes its first reading
        cls = _AMBIGUOUS[unit][0] if unit in _AMBIGUOUS else unit.translate(_COARSE_CLASSES)
        if cls.isupper():
            readings = [r + cls for r in readings]
    return frozenset(_collapse(r) for r in readings)


def _collapse(classes: str) -> str:
    out: list[str] = []
    for ch in classes:
        if ch.isupper() and (not out or out[-1] != ch):
            out.append(ch)
    return "".join(out)


_SIGNS = str.maketrans("", "", "ьъЬЪ'’")
