"""Regular expressions for the junk the cleaner removes, compiled once at import.

Two kinds of rule:

* ``INLINE`` finds pieces removed from inside a line (production stamps, redaction
  codes, e-mail quote markers). It runs once over a whole document body; no
  alternative may match across a newline, so every hit lies inside one line.
* ``JUNK_LINE`` is matched against a whole stripped line (web-page furniture).
  Every alternative is length-bounded so a real sentence that merely contains
  "photo" or "subscribe" is not taken for a caption or a button.

Named groups are the removal reasons reported in ``CleanText.removed``.
"""

from __future__ import annotations

import re

# --- inline rules -------------------------------------------------------------------------------

# Stamps are upper case only: the prose "House Oversight Committee" must survive.
# OCR turns zeros into "O"/"C" and sometimes splits the number ("HOUSE_OVERSIGHT_O 12345").
_HOUSE_OVERSIGHT = r"HOUSE[ _]{1,2}OVERSIGHT[ _]{0,2}[0-9O] ?[0-9OC]{4,7}(?![\w])"

# Generic Bates number: an upper-case prefix (words joined by "_" or "-") then a zero-padded
# 6-8 digit number, e.g. "EFTA00012345", "DOJ-OGR-00012345", "ABC 0012345", optionally after the
# "CONFIDENTIAL" legend stamped beside it. The leading zero and the length keep phone numbers,
# parcel ids, ISINs and Westlaw cites ("2008 WL 2875255") out; the deny list catches labelled
# numbers that are zero-padded too (fax, bar and case numbers).
_BATES = (
    r"(?<![\w-])"
    r"(?!(?:WL|FAX|TEL|PH|NO|ID|REF|ACCT|ISBN|ISSN|CUSIP|ISIN|ZIP|PO|SSN|EIN|INV|FBN|CA|CV|CR|MM)[ _-]?\d)"
    r"(?:CONFIDENTIAL )?(?:[A-Z]{2,10}[_-]){0,3}[A-Z]{2,10}[ _-]?0\d{5,7}"
    r"(?![\w])(?!-\d)"  # "REG-013050-11" and similar dashed ids are not stamps
)

# FOIA exemption codes as stamped on released pages: "(b)(6)", "(b) (7)(C)". Statutory
# references look the same ("subsection (b)(6)", "240A(b)(6)(A)"), so require that the code
# does not follow a word, a bracket or a section/paragraph label.
_FOIA_PAREN = (
    r"(?<![\w)\]§])(?<!§ )(?i:(?<!section )(?<!paragraph )(?<!clause )(?<!subsection ))"
    r"\(b\)[ \t]?\([1-9]\)(?:[ \t]?\([A-F]\))?(?!\()"  # "(b)(6)(A)(i)" is a statute
)
# The FBI vault style ("b6; b7C;"); lower-case b only, so "vitamin B6" is untouched.
_FOIA_BARE = r"(?<![\w\-/=.#%&])b[1-9][A-F]?(?![\w\-/=.#%&])"  # not inside URLs or ids

_REDACTION_MARK = (
    r"(?i:\[[ \t]*redacted[ \t]*\]|<[ \t]*redacted[ \t]*>"
    r"|(?:privileged|non-responsive)[ \t]*[-–—:]?[ \t]*redacted)"
    r"|(?<![\w])REDACTED(?![\w])"  # upper case only: "redacted" in prose is a word
    r"|(?<![\w])[Xx]{4,}(?![\w])"  # "XXXXX" placeholders, not "09CA040800XXXXMBAG"
    r"|[█■▇▆]{2,}"  # black boxes that survive text extraction
)

# Reply quoting at the start of a line: "> ", ">>", "> > ", ">From:".
_QUOTE = r"^[ \t]*>(?:[ \t]*>)*[ \t]?"

INLINE = re.compile(
    rf"(?P<quote>{_QUOTE})"
    rf"|(?P<bates>{_HOUSE_OVERSIGHT}|{_BATES})"
    rf"|(?P<redaction>{_FOIA_PAREN}|{_FOIA_BARE}|{_REDACTION_MARK})",
    re.MULTILINE,
)

# Whitespace around an inline removal that may be dropped with it (never "\n").
HSPACE = frozenset(" \t\r\f\v\u00a0")

# --- whole-line rules ---------------------------------------------------------------------------

_DASH = r"[-–—|•·:\s]*"
_NETWORKS = r"(?:facebook|twitter|x|linkedin|whatsapp|reddit|e-?mail|pinterest|telegram|flipboard|messenger)"
# Most rules only fire on lines that do not start with a lower-case letter: in text extracted
# from PDFs or narrow OCR columns a lower-case line continues the previous sentence
# ("...the agents\nrecommended that the case be dropped", "the\nsearch\nwarrant").
_NOT_LOWER_START = r"(?-i:(?![a-z]))"

_JUNK_RULES: dict[str, str] = {
    "advertisement": (
        rf"{_DASH}(?:advertisement|advert|sponsored(?: content)?|paid (?:post|content))"
        rf"(?:{_DASH}(?:scroll|continue)[\w ]{{0,40}})?{_DASH}"
        r"|story continues below(?: advertisement)?|continue reading (?:the main story|below)"
    ),
    "reading-time": (
        r"(?:estimated )?(?:reading|read) time:?\s*\d{1,3}\s*(?:min(?:ute)?s?|m)\.?(?:\s*read)?"
        r"|\d{1,3}\s*-?\s*min(?:ute)?s?\.?\s*(?:read|to read|listen)(?:\s*[·•|]\s*.{0,40})?"
        r"|listen to this (?:article|story).{0,40}"
    ),
    "video-player": r"youtube video player|video player is loading\.?|(?:watch|play) video",
    # "+ ↺ − 16 px", "A A A", "A- A A+": runs of font-size buttons (plain rules of dashes are
    # left to the debris rule).
    "font-size": (r"(?=.*(?:a|px|↺))(?:(?:[-+−–↺⟲⟳]|A[-+−]?|\d{1,2}\s*px)\s*){2,}|(?:text|font) size.{0,30}"),
    "trust": r"why you can trust\b.{0,60}",
    "share": (
        r"share(?: this| the)?(?: article| story| post| page| link)?:?"
        rf"(?:\s*(?:on|via|to|with)?\s*{_NETWORKS})?"
        rf"|(?:{_NETWORKS}|copy link|print)(?:\s*[|·•,]?\s*(?:{_NETWORKS}|copy link|print)){{1,8}}"
    ),
    "print": r"print(?: this)?(?: article| page| story)?|print friendly.{0,20}",
    "subscribe": (r"(?:subscribe\b.{0,80}|(?:get|sign up for) (?:our|the) newsletters?.{0,60})"),
    "navigation": (
        r"skip to (?:the )?(?:main )?(?:content|navigation|search|footer|menu)|back to top"
        r"|(?:sign|log) (?:in|out)|register|menu|search"
    ),
    "cookie": (r"cookies?|accept(?: all)?(?: cookies)?|reject(?: all)?|i agree|got it"),
    "related": (
        r"related(?: (?:articles?|stories|coverage|content|posts|reading|news|links?|topics))?:?"
        r"|related(?: \w+)?\s*:.{1,150}"
    ),
    "read-more": (
        r"(?:read more|read the full (?:story|article)|continue reading|read next|more stories)"
        r"\b.{0,100}"
        r"|(?:recommended|most (?:read|popular|viewed|shared)|trending)"
        r"(?: (?:now|stories|links|articles|videos|reading|for you|(?:on|by) \w+))?:?"
    ),
    "click-here": r"click here\b.{0,120}",
    # Captions and credit lines; long lines mentioning a photo are prose and fail the bound.
    "caption": (
        r"\(?(?:image|photo|photograph|picture|video|graphic|illustration)s?(?: credits?)?"
        r"\s*(?::|by\b|credits?\b:?).{0,100}"
    ),
    "sign-up": r"sign up\b.{0,80}",
    "follow": r"follow (?:us|me)\b.{0,80}",
    "redaction": r"redacted|\(?redaction\)?",
}

# Rules that hold whatever case the line starts with (unambiguous whole phrases).
_JUNK_RULES_ANY_START: dict[str, str] = {
    "copyright": (
        r".{0,120}\ball rights reserved\.?.{0,60}"
        r"|(?:©|(?:copyright\s*(?:©|\(c\))?|\(c\))\s*\d{4}).{0,120}"
    ),
    "cookie": (
        r".{0,200}\b(?:we use cookies|(?:site|website) uses cookies|accept (?:all )?cookies"
        r"|cookie (?:policy|settings|preferences|consent|notice|banner)|manage (?:cookies|consent)"
        r"|consent preferences)\b.{0,200}"
    ),
    "signature": r"sent (?:from|with|via) (?:my |mail for |yahoo mail|outlook|aol).{0,40}",
}

# Group names are the rule names ("read-more" -> "read_more"); rules that exist in both
# tables get a trailing "_" on the any-start variant. See junk_reason().
JUNK_LINE = re.compile(
    "|".join(
        [f"(?P<{name.replace('-', '_')}>{_NOT_LOWER_START}(?:{rule}))" for name, rule in _JUNK_RULES.items()]
        + [f"(?P<{name.replace('-', '_')}_>{rule})" for name, rule in _JUNK_RULES_ANY_START.items()]
    ),
    re.IGNORECASE,
)


def junk_reason(group: str | None) -> str:
    """The removal reason for a JUNK_LINE match's ``lastgroup``."""
    return "junk:" + (group or "line").rstrip("_").replace("_", "-")


# Lines longer than this are never whole-line junk; the bounded rules above cannot match them.
JUNK_LINE_MAX = 420
