"""Tests for the cleaning stage. All text here is invented for the tests."""

from __future__ import annotations

import random

import pytest

from threadline.clean import clean, line_key, line_keys
from threadline.model import CleanText, Document


def doc(text: str, body_start: int = 0) -> Document:
    return Document(path="t.txt", sha256="0" * 64, text=text, body_start=body_start)


def removed_texts(document: Document, ct: CleanText) -> list[str]:
    return [document.text[span.start : span.end] for span, _ in ct.removed]


def assert_maps_back(document: Document, ct: CleanText) -> None:
    """The core invariant: every clean character is the original character it maps to."""
    text = document.text
    assert sum(length for _, _, length in ct.segments) == len(ct.text)
    previous_clean, previous_orig = 0, document.body_start
    for clean_start, orig_start, length in ct.segments:
        assert clean_start >= previous_clean and orig_start >= previous_orig
        previous_clean, previous_orig = clean_start + length, orig_start + length
    for i, char in enumerate(ct.text):
        orig = ct.to_original(i)
        assert orig >= document.body_start
        assert text[orig] == char or (char == " " and text[orig] == "\n"), (i, orig)


def assert_spans_keep_words(document: Document, ct: CleanText, rng: random.Random) -> None:
    """A clean span maps to an original span holding the same words in the same order."""
    if not ct.text:
        return
    for _ in range(20):
        s = rng.randrange(len(ct.text))
        e = rng.randrange(s + 1, len(ct.text) + 1)
        original = document.text[ct.to_original(s) : ct.to_original(e - 1) + 1]
        pos = 0
        for word in ct.text[s:e].split():
            found = original.find(word, pos)
            assert found >= 0, (word, original)
            pos = found + len(word)


# --- line rules ---------------------------------------------------------------------------------

JUNK_LINES = [
    "Advertisement",
    "ADVERTISEMENT",
    "- Advertisement -",
    "Reading Time: 3 minutes",
    "3 min read",
    "YouTube video player",
    "+ ↺ − 16 px",
    "A A A",
    "Why you can trust Brightwater Review",
    "Share this article",
    "Share on Facebook",
    "Share on X",
    "Print",
    "Subscribe to our newsletter",
    "Skip to content",
    "We use cookies to improve your experience on this site. Accept all cookies",
    "Cookie settings",
    "Related: Harbour council votes on new ferry terminal",
    "Read more",
    "Read more: Inside the Velmont bidding war",
    "Click here to download the full report",
    "Image: Tarn Valley Gazette",
    "Photo: Ondine Marsh/Northwind Wire",
    "Photograph by Casimir Vell",
    "Sign up",
    "Sign up for the morning briefing",
    "Follow us on Twitter",
    "All rights reserved.",
    "Copyright 2021 Lanternfish Media Group. All rights reserved.",
    "© 2024 Brightwater Review",
    "Sent from my iPhone",
    "including all attachments. copyright -all rights reserved",
]


@pytest.mark.parametrize("line", JUNK_LINES)
def test_junk_lines_are_removed(line: str) -> None:
    text = f"Corvin Ashdale met the board.\n{line}\nThe vote was held on Tuesday.\n"
    d = doc(text)
    ct = clean(d)
    assert ct.text == "Corvin Ashdale met the board.\nThe vote was held on Tuesday.\n"
    assert removed_texts(d, ct) == [line]
    assert ct.removed[0][1].startswith("junk:")
    assert_maps_back(d, ct)


KEPT_LINES = [
    # Real sentences that merely mention the junk words.
    "The photo that Ilse Varga took at the marina was later printed in three newspapers, and "
    "her lawyer said the image had been cropped without her consent before anyone saw it.",
    "Share prices of Corvane Holdings fell after Tobias Renfield resigned.",
    "Related parties, including Mirela Dunstan, were paid through the trust.",
    "Subscribers were told by Halvard Oyelaran that the service would end.",
    "She asked him to print the ledger before the auditors from Quill & Harrow arrived.",
    "Advertisements for the gala named Perpetua Lindqvist as the host.",
    "Photographers waited outside the courthouse for Desmond Achterberg.",
    # Lower-case lines continue the previous sentence in text extracted from PDFs.
    "recommended that the charges against Ansel Marwick be dropped.",
    "search warrant was signed by Judge Oriel Fenwick.",
    "subscribe for shares in the fund, according to the filing.",
    "(c) Affirmative defenses raised by the respondent",
    "Follow-up questions were sent to Wendeline Brask on Friday.",
    "150",
    "10%",
    "9/29/16 5:51 PM",
    "I agree",  # a chat reply, not a cookie button
    "Got it",
]


@pytest.mark.parametrize("line", KEPT_LINES)
def test_real_lines_are_kept(line: str) -> None:
    text = f"The hearing began.\n{line}\nIt ended at noon.\n"
    d = doc(text)
    ct = clean(d, unwrap=False)
    assert ct.text == text
    assert ct.removed == []
    assert ct.segments == [(0, 0, len(text))]


@pytest.mark.parametrize(
    "line",
    ["|| ~ ._ ' ;", "-----", "=====", "* * *", "l", "i i", ". , ;", "--1,", "•", "�"],
)
def test_ocr_debris_lines_are_removed(line: str) -> None:
    d = doc(f"Odile Farrant signed.\n{line}\nThe clerk filed it.\n")
    ct = clean(d)
    assert ct.text == "Odile Farrant signed.\nThe clerk filed it.\n"
    assert ct.removed[0][1] == "ocr-debris"


# --- inline rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    [
        "HOUSE OVERSIGHT 013405",
        "HOUSE_OVERSIGHT_013405",
        "HOUSE OVERSIGHT_01340C",  # OCR misread the last zero
        "EFTA00012345",
        "DOJ-OGR-00012345",
        "KLM 0012345",
        "KLM-0012345",
        "CONFIDENTIAL VARGA004146",
    ],
)
def test_bates_stamp_mid_line_keeps_one_space(stamp: str) -> None:
    d = doc(f"Marta Quellinor wrote to {stamp} the trustees in March.\n")
    ct = clean(d)
    assert ct.text == "Marta Quellinor wrote to the trustees in March.\n"
    assert removed_texts(d, ct) == [stamp]
    assert ct.removed[0][1] == "bates"
    assert_maps_back(d, ct)


def test_stamp_alone_on_a_line_removes_the_line() -> None:
    d = doc("the trustees met\nHOUSE OVERSIGHT 020001 \nin the library.\n")
    ct = clean(d)
    assert ct.text == "the trustees met\nin the library.\n"
    assert_maps_back(d, ct)


def test_stamp_at_line_edges_and_glued_to_punctuation() -> None:
    d = doc("HOUSE OVERSIGHT 020001 Renata Solberg arrived.\nShe left. EFTA00004567\nFiled (KLM-0001234).\n")
    ct = clean(d)
    assert ct.text == "Renata Solberg arrived.\nShe left.\nFiled ().\n"
    assert_maps_back(d, ct)


@pytest.mark.parametrize(
    "text",
    [
        "The call lasted 2008 WL 2875255 minutes.",  # Westlaw citation
        "Fax 5618021787 was busy.",
        "FAX 0012345678 was busy.",
        "Parcel 50434435020007110 was sold.",
        "See Case No. 50 2009 CA 040800 for details.",
        "The House Oversight Committee met on 012345.",
        "Bond XS0972523947 matured.",
        "Order REG-013050-11 was issued.",
        "Steven Marlow, FBN 057028, appeared.",
    ],
)
def test_numbers_that_are_not_stamps_are_kept(text: str) -> None:
    ct = clean(doc(text))
    assert ct.text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agent (b)(6) met Lorna Deveraux.", "Agent met Lorna Deveraux."),
        ("Agent (b)(7)(C) met her.", "Agent met her."),
        ("Agent (b) (6) met her.", "Agent met her."),
        ("Agent (b)(6), (b)(7)(C) met her.", "Agent , met her."),
        ("The witness [REDACTED] met her.", "The witness met her."),
        ("The witness [redacted] met her.", "The witness met her."),
        ("The witness REDACTED met her.", "The witness met her."),
        ("His number is XXXXX today.", "His number is today."),
        ("Page 44 - b6; b7C; b7E", "Page 44 - ; ;"),
        ("Privileged - Redacted", ""),
    ],
)
def test_redaction_codes_are_removed(text: str, expected: str) -> None:
    d = doc(text)
    ct = clean(d)
    assert ct.text == expected
    assert all(reason == "redaction" for _, reason in ct.removed)
    assert_maps_back(d, ct)


@pytest.mark.parametrize(
    "text",
    [
        "Under subsection (b)(6) of the act the board may refuse.",
        "See Fed. R. Civ. P. 11(b)(2) and 240A(b)(6)(A).",
        "Rule (b)(6)(A)(i) applies.",
        "As held in Id. § (b)(6), the request fails.",
        "Many documents were redacted before release.",
        "Vitamin B6 was listed.",
        "Case 09CA040800XXXXMBAG was closed.",
        "See https://example.org/b6/page for the filing.",
    ],
)
def test_redaction_lookalikes_are_kept(text: str) -> None:
    assert clean(doc(text)).text == text


def test_quote_markers_are_stripped_but_text_kept() -> None:
    text = "Thanks, see below.\n> Dear Petra Lindgren,\n>> the meeting is moved.\n>\n> > Regards\n"
    d = doc(text)
    ct = clean(d)
    assert ct.text == "Thanks, see below.\nDear Petra Lindgren,\nthe meeting is moved.\n\nRegards\n"
    assert {reason for _, reason in ct.removed} == {"quote"}
    assert_maps_back(d, ct)


def test_quoted_junk_line_is_removed_whole() -> None:
    d = doc("Fine by me.\n> Sent from my iPhone\n")
    ct = clean(d)
    assert ct.text == "Fine by me.\n"
    assert removed_texts(d, ct) == ["> Sent from my iPhone"]


def test_name_spans_map_to_the_original() -> None:
    text = (
        "> Call HOUSE OVERSIGHT 000123 Wendeline Brask (b)(6) and\nAdvertisement\n> > Ansel Marwick today.\n"
    )
    d = doc(text)
    ct = clean(d)
    assert ct.text == "Call Wendeline Brask and\nAnsel Marwick today.\n"
    for name in ("Wendeline Brask", "Ansel Marwick"):
        s = ct.text.index(name)
        assert text[ct.to_original(s) : ct.to_original(s + len(name) - 1) + 1] == name
    # A span across removed pieces maps to a longer original holding the same words.
    s = ct.text.index("Brask")
    e = ct.text.index("Ansel") + len("Ansel")
    assert text[ct.to_original(s) : ct.to_original(e - 1) + 1] == (
        "Brask (b)(6) and\nAdvertisement\n> > Ansel"
    )
    assert ct.to_original(len(ct.text)) == len(text)


# --- layout -------------------------------------------------------------------------------------


def test_blank_runs_collapse_to_two() -> None:
    d = doc("One.\n\n\n\n\n\nTwo.\n \t\n\nThree.\n")
    ct = clean(d)
    assert ct.text == "One.\n\n\nTwo.\n\n\nThree.\n"
    assert_maps_back(d, ct)


def test_removed_lines_do_not_glue_neighbours() -> None:
    d = doc("First paragraph ends here.\nAdvertisement\nSecond begins.")
    ct = clean(d)
    assert ct.text == "First paragraph ends here.\nSecond begins."
    d = doc("Last words.\nAdvertisement")
    assert clean(d).text == "Last words.\n"


def test_crlf_lines() -> None:
    d = doc("Anselm Threlkeld spoke.\r\nAdvertisement\r\nHe left HOUSE OVERSIGHT 010101\r\n")
    ct = clean(d)
    assert ct.text == "Anselm Threlkeld spoke.\r\nHe left\n"
    assert_maps_back(d, ct)


def test_header_block_is_not_part_of_the_clean_text() -> None:
    header = "From: Ysolde Marrack <ym@example.org>\nTo: Piet Harlow\nSubject: Advertisement\n\n"
    body = "Piet, the dinner with Coralie Vance is on.\nSent from my iPad\n"
    d = doc(header + body, body_start=len(header))
    ct = clean(d)
    assert ct.text == "Piet, the dinner with Coralie Vance is on.\n"
    assert ct.to_original(0) == len(header)
    assert all(span.start >= len(header) for span, _ in ct.removed)
    assert_maps_back(d, ct)


def test_empty_and_all_junk_bodies() -> None:
    assert clean(doc("")).text == ""
    header = "From: A. Person\n\n"
    ct = clean(doc(header + "Advertisement\n-----\n", body_start=len(header)))
    assert ct.text == ""
    assert ct.to_original(0) == len(header)


# --- boilerplate --------------------------------------------------------------------------------


def test_line_key_normalises() -> None:
    assert line_key("  The Information In This   Message is confidential 2024 ") == (
        "the information in this message is confidential 0000"
    )
    assert line_key("> > The information in this message is confidential 1999") == line_key(
        "The information in this message is confidential 2024"
    )
    assert line_key("") is None
    assert line_key("Short line") is None  # < 12 characters
    assert line_key("x" * 201) is None
    assert line_key("12/03/2019 10:15 AM") is None  # no words: too generic
    assert line_key("ab " * 70) is None  # > 200 after collapsing
    # Signatures, bylines and letterheads name people: never boilerplate.
    assert line_key("Marisol K. Oyelaran, Esq.") is None
    assert line_key("TOBIAS VAN DER RENFIELD") is None
    assert line_key("Ludo van der Berghe, Partner") is None
    assert line_key("Sent from my Brightphone") == "sent from my brightphone"
    assert line_key("> From: Odile Farrant [odile@example.org]") is None  # quoted header
    assert line_key("To: board-list@example.org; Piet Harlow") is None


def test_line_keys_skip_the_header() -> None:
    header = "Subject: Quarterly numbers for Halloran\n\n"
    d = doc(header + "Please read the notice below carefully.\nok\n", body_start=len(header))
    assert line_keys(d) == {"please read the notice below carefully."}


def test_boilerplate_lines_are_removed() -> None:
    footer = "Lanternfish Media Group, 12 Quay Street, Port Avel"
    d = doc(f"Reporter Isaura Penhallow filed this story.\n{footer}\nIt was updated 14 May.\n")
    keys = frozenset(k for k in line_keys(d) if k.startswith("lanternfish"))
    ct = clean(d, keys, unwrap=False)
    assert ct.text == "Reporter Isaura Penhallow filed this story.\nIt was updated 14 May.\n"
    assert ct.removed[0][1] == "boilerplate"
    # The same line with other digits is the same boilerplate.
    other = doc(footer.replace("12", "98") + "\nBody.\n")
    assert clean(other, keys).text == "Body.\n"


# --- property test over generated documents -----------------------------------------------------

_NAMES = [
    "Corvin Ashdale",
    "Ilse Varga",
    "Tobias Renfield",
    "Mirela Dunstan",
    "Ondine Marsh",
    "Бронислав Кеддер",
]
_PROSE = [
    "{n} met {m} at the harbour office on Tuesday.",
    "According to {n}, the payment reached {m} in 2011.",
    "The letter from {n} (dated 4 May) mentioned {m} twice.",
    "recommended that {n} call {m} before the hearing.",
    "{n} said: “we never discussed the yacht with {m}.”",
    "Photographs of {n} and {m} were entered as exhibits.",
]
_JUNK = [
    "Advertisement",
    "3 min read",
    "Share on Facebook",
    "Photo: Northwind Wire",
    "Sent from my iPhone",
    "-----",
    "|| ~ ._ ' ;",
    "HOUSE OVERSIGHT 0{d}",
    "b6; b7C;",
    "© 2020 Lanternfish Media",
    "Privileged - Redacted",
]
_INLINE = ["HOUSE OVERSIGHT 0{d}", "HOUSE_OVERSIGHT_0{d}", "EFTA000{d}", "(b)(6)", "[REDACTED]", "XXXXX"]
_SPACES = [" ", "  ", "\t", " \u00a0", ""]
_EOL = ["\n", "\r\n", "\n\n", "\n\n\n\n", "\n \n\t\n"]


def _generate(rng: random.Random) -> tuple[Document, list[str]]:
    """A random document and the words that must survive cleaning."""
    parts: list[str] = []
    must_keep: list[str] = []
    header = ""
    if rng.random() < 0.4:
        header = f"From: {rng.choice(_NAMES)}\nTo: {rng.choice(_NAMES)}\nSubject: Advertisement\n\n"
    for _ in range(rng.randint(0, 25)):
        kind = rng.random()
        if kind < 0.55:
            sentence = rng.choice(_PROSE).format(n=rng.choice(_NAMES), m=rng.choice(_NAMES))
            words = sentence.split()
            must_keep.extend(words)
            if rng.random() < 0.4:  # a stamp or code somewhere inside the sentence
                at = rng.randint(0, len(words))
                stamp = rng.choice(_INLINE).format(d=rng.randint(10000, 99999))
                words.insert(at, stamp)
                sep = rng.choice(_SPACES[:-1])
                sentence = sep.join(words)
            if rng.random() < 0.2:
                sentence = rng.choice(["> ", ">>", "> > ", ">"]) + sentence
            parts.append(rng.choice(_SPACES) + sentence + rng.choice(_SPACES))
        elif kind < 0.9:
            parts.append(rng.choice(_SPACES) + rng.choice(_JUNK).format(d=rng.randint(10000, 99999)))
        else:
            parts.append("")
        parts.append(rng.choice(_EOL))
    if parts and rng.random() < 0.5:
        parts.pop()  # no final newline
    return Document(
        path="gen.txt", sha256="0" * 64, text=header + "".join(parts), body_start=len(header)
    ), must_keep


def test_offsets_map_back_on_generated_documents() -> None:
    rng = random.Random(20240611)
    for _ in range(400):
        d, must_keep = _generate(rng)
        ct = clean(d)
        assert_maps_back(d, ct)
        assert_spans_keep_words(d, ct, rng)
        # No body word is lost, in order.
        pos = 0
        for word in must_keep:
            found = ct.text.find(word, pos)
            assert found >= 0, (word, d.text, ct.text)
            pos = found + len(word)
        # No junk survives, and removed spans lie in the body and are not kept.
        assert "OVERSIGHT" not in ct.text and "EFTA" not in ct.text and "(b)(6)" not in ct.text
        assert "Advertisement" not in ct.text and "REDACTED" not in ct.text
        assert "\n\n\n\n" not in ct.text.replace("\r", "")
        kept = {i for _, orig, length in ct.segments for i in range(orig, orig + length)}
        for span, _ in ct.removed:
            assert d.body_start <= span.start < span.end <= len(d.text)
            assert not kept.intersection(range(span.start, span.end))
        assert clean(d, unwrap=False).text.replace("\n", " ") == ct.text.replace("\n", " ")
        # Words never fuse: every clean word occurs in the original.
        for word in ct.text.split():
            assert word in d.text, word


def test_wrapped_prose_lines_are_joined_one_character_for_one() -> None:
    text = (
        "Former energy minister Daniyar Kassenov met the banker Aigerim\n"
        "Bekturova in Astana on Tuesday.\n"
        "\n"
        "Short heading\n"
        "Next line\n"
        "A longer line of a letter that ends with a colon:\n"
        "Subject: not joined to the line before it, being a label line\n"
        "Sent: Monday\n"
    )
    ct = clean(doc(text))
    assert "Aigerim Bekturova" in ct.text
    assert "Short heading\nNext line\n" in ct.text
    assert "colon:\nSubject:" in ct.text and "label line\nSent:" in ct.text
    assert len(ct.text) == len(text) and ct.text.count("\n") == text.count("\n") - 1
    rows = Document(
        path="t.csv",
        sha256="x",
        text="Name: Aigerim Bekturova; Position: banker of note\nName: Other",
        format="csv",
    )
    assert "\n" in clean(rows).text
