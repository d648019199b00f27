"""Regular expressions for the junk the cleaner removes, compiled once at import.

Two kinds of rule:

* Inline rules find pieces removed from inside a line (production stamps, redaction codes,
  e-mail quote markers). None may match across a newline, so every hit lies in one line.
  Python's ``re`` only scans fast for a literal first character, so each rule is a separate
  regex led by a literal, run only when the body contains one of its ``needles``; the
  lookbehinds that guard a match come after its first characters.
* ``JUNK_LINE``/``JUNK_LINE_ANY`` are matched against a whole stripped line (web-page
  furniture). Every alternative is length-bounded so a real sentence that merely contains
  "photo" or "subscribe" is not taken for a caption or a button.

Group names and ``InlineRule.reason`` are the reasons reported in ``CleanText.removed``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# --- inline rules -------------------------------------------------------------------------------


class InlineRule(NamedTuple):
    reason: str
    regex: re.Pattern[str]
    needles: tuple[str, ...]  # run only if the body contains one of these; () = always


# Reply quoting at the start of a line: "> ", ">>", "> > ", ">From:".
QUOTE = InlineRule("quote", re.compile(r"^[ \t]*>(?:[ \t]*>)*[ \t]?", re.MULTILINE), (">",))

# Stamps are upper case only: the prose "House Oversight Committee" must survive.
# OCR turns zeros into "O"/"C" and sometimes splits the number ("HOUSE_OVERSIGHT_O 12345").
HOUSE_OVERSIGHT = InlineRule(
    "bates",
    re.compile(r"HOUSE[ _]{1,2}OVERSIGHT[ _]{0,2}[0-9O] ?[0-9OC]{4,7}(?![\w])"),
    ("OVERSIGHT",),
)

# Generic Bates number: an upper-case prefix (words joined by "_" or "-") then a zero-padded
# 6-8 digit number, e.g. "EFTA00012345", "DOJ-OGR-00012345", "ABC 0012345", optionally after the
# "CONFIDENTIAL" legend stamped beside it. The leading zero and the length keep phone numbers,
# parcel ids, ISINs and Westlaw cites ("2008 WL 2875255") out; the deny list catches labelled
# numbers that are zero-padded too (fax, bar and case numbers).
# Found in two steps because a leading letter class makes ``re`` slow: BATES_NUMBER finds the
# number, then BATES_PREFIX must match the text right before it (search with endpos=start).
BATES_NUMBER = re.compile(r"0\d{5,7}(?![\w])(?!-\d)")  # "REG-013050-11" is no stamp
BATES_PREFIX = re.compile(
    r"(?<![\w-])"
    r"(?!(?:WL|FAX|TEL|PH|NO|ID|REF|ACCT|ISBN|ISSN|CUSIP|ISIN|ZIP|PO|SSN|EIN|INV|FBN|CA|CV|CR|MM)[ _-]?\Z)"
    r"(?:CONFIDENTIAL )?(?:[A-Z]{2,10}[_-]){0,3}[A-Z]{2,10}[ _-]?\Z"
)
BATES_PREFIX_MAX = 64  # longest prefix BATES_PREFIX can match, with room to spare

_REDACTION_RULES = (
    # FOIA exemptions stamped over withheld names: "(b)(6)", "(b) (7)(C)". Only the privacy
    # exemptions 6 and 7(A-F): statutes cite "(b)(1)" to "(b)(9)" all the time ("Rule 11(b)(2)",
    # "subsection (b)(6)", "240A(b)(6)(A)(i)"), so the code must also not follow a word, a
    # bracket or a section/paragraph label, nor be followed by a further "(".
    InlineRule(
        "redaction",
        re.compile(
            r"\(b\)(?<![\w)\]§]\(b\))(?<!§ \(b\))"
            r"(?i:(?<!section \(b\))(?<!paragraph \(b\))(?<!clause \(b\)))"
            r"[ \t]?(?:\(6\)|\(7\)[ \t]?\([A-F]\))(?!\()"
        ),
        ("(b)",),
    ),
    # The FBI vault style ("b6; b7C;"): lower-case b only, so "vitamin B6" is untouched, and
    # not inside URLs or identifiers.
    InlineRule("redaction", re.compile(r"b(?<![\w\-/=.#%&]b)[1-9][A-F]?(?![\w\-/=.#%&])"), ()),
    InlineRule(
        "redaction",
        re.compile(
            r"(?i:\[[ \t]*redacted[ \t]*\]|<[ \t]*redacted[ \t]*>"
            r"|(?:privileged|non-responsive)[ \t]*[-–—:]?[ \t]*redacted)"
            r"|REDACTED(?<![\w]REDACTED)(?![\w])"  # upper case only: "redacted" in prose is a word
        ),
        ("edacted", "EDACTED"),
    ),
    # "XXXXX" placeholders, but not the Xs inside a case number ("09CA040800XXXXMBAG").
    InlineRule("redaction", re.compile(r"(?:X(?<![\w]X)XXX+|x(?<![\w]x)xxx+)(?![\w])"), ("XXXX", "xxxx")),
    # Black boxes that survive text extraction.
    InlineRule("redaction", re.compile(r"[█■▇▆]{2,}"), ("█", "■", "▇", "▆")),
)

INLINE_RULES: tuple[InlineRule, ...] = (QUOTE, HOUSE_OVERSIGHT, *_REDACTION_RULES)

# Whitespace around an inline removal that may be dropped with it (never "\n").
HSPACE = frozenset(" \t\r\f\v\u00a0")

# --- whole-line rules ---------------------------------------------------------------------------

_DASH = r"[-–—|•·:\s]*"
_NETWORKS = r"(?:facebook|twitter|x|linkedin|whatsapp|reddit|e-?mail|pinterest|telegram|flipboard|messenger)"

# JUNK_LINE rules only apply to lines that do not start with a lower-case letter (the cleaner
# checks that): in text extracted from PDFs or narrow OCR columns a lower-case line continues
# the previous sentence ("...the agents\nrecommended that the case be dropped",
# "the\nsearch\nwarrant") and must be kept.
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
    # "+ ↺ − 16 px", "A A A", "A- A A+": two or more font-size buttons, at least one of them
    # a letter, a reset arrow or a pixel size (plain rules of dashes are left to the debris rule).
    "font-size": (
        r"(?:[-+−–⟲⟳]\s*)*(?:A[-+−]?|↺|\d{1,2}\s*px)\s*(?:(?:[-+−–↺⟲⟳]|A[-+−]?|\d{1,2}\s*px)\s*)+"
        r"|(?:text|font) size.{0,30}"
    ),
    "trust": r"why you can trust\b.{0,60}",
    "share": (
        r"share(?: this| the)?(?: article| story| post| page| link)?:?"
        rf"(?:\s*(?:on|via|to|with)?\s*{_NETWORKS})?"
        rf"|(?:{_NETWORKS}|copy link|print)(?:\s*[|·•,]?\s*(?:{_NETWORKS}|copy link|print)){{1,8}}"
    ),
    "print": r"print(?: this)?(?: article| page| story)?|print friendly.{0,20}",
    "subscribe": r"subscribe\b.{0,80}|(?:get|sign up for) (?:our|the) newsletters?.{0,60}",
    "navigation": (
        r"skip to (?:the )?(?:main )?(?:content|navigation|search|footer|menu)|back to top"
        r"|(?:sign|log) (?:in|out)|register|menu|search"
    ),
    # Banner buttons only; a bare "I agree" or "Got it" is more likely a chat message.
    "cookie": r"cookies?|(?:accept|reject) all(?: cookies)?|accept cookies",
    "related": (
        r"related(?: (?:articles?|stories|coverage|content|posts|reading|news|links?|topics))?:?"
        r"|related(?: \w+)?\s*:.{1,150}"
    ),
    "read-more": (
        r"(?:read more|read the full (?:story|article)|continue reading|read next|more stories)\b.{0,100}"
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
    "copyright": r"(?:©|(?:copyright\s*(?:©|\(c\))?|\(c\))\s*\d{4}).{0,120}",
    "redaction": r"redacted|\(?redaction\)?",
}

# Unambiguous phrases that make a line junk whatever case it starts with. Tried only when the
# lower-cased line contains one of JUNK_LINE_ANY_NEEDLES, since ".{0,200}" rules are slow.
_JUNK_RULES_ANY_START: dict[str, str] = {
    "copyright": r".{0,120}\ball rights reserved\.?.{0,60}",
    "cookie": (
        r".{0,200}\b(?:we use cookies|(?:site|website) uses cookies|accept (?:all )?cookies"
        r"|cookie (?:policy|settings|preferences|consent|notice|banner)|manage (?:cookies|consent)"
        r"|consent preferences)\b.{0,200}"
    ),
    "signature": r"sent (?:from|with|via) (?:my |mail for |yahoo mail|outlook|aol).{0,40}",
}
JUNK_LINE_ANY_NEEDLES = ("reserved", "cookie", "consent", "sent ")


def _compile_rules(rules: dict[str, str]) -> re.Pattern[str]:
    # Group names are the rule names with "_" for "-"; see junk_reason().
    return re.compile(
        "|".join(f"(?P<{name.replace('-', '_')}>{rule})" for name, rule in rules.items()), re.IGNORECASE
    )


JUNK_LINE = _compile_rules(_JUNK_RULES)
JUNK_LINE_ANY = _compile_rules(_JUNK_RULES_ANY_START)

# Lines longer than this are never whole-line junk; the bounded rules above cannot match them.
JUNK_LINE_MAX = 420


def junk_reason(group: str | None) -> str:
    """The removal reason for a JUNK_LINE or JUNK_LINE_ANY match's ``lastgroup``."""
    return "junk:" + (group or "line").replace("_", "-")
