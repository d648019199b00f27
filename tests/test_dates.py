"""Dates: documents' own dates with their precision and source, and dates written in sentences,
anchored to the document with the sentence's tense. Fictional texts written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.config import Limits
from threadline.extract.dates import DateSpan, anchor, event_dates, parse_spec, sentence_tense
from threadline.ingest.dates import normalise_date, precision_of, read_written_date, year_near
from threadline.ingest.document_date import file_name_date, settle_date
from threadline.ingest.readers import read_file
from threadline.model import Document, Sentence

# --- dates as written -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "iso", "precision"),
    [
        ("Monday, January 6, 2014 10:52 PM", "2014-01-06", "day"),
        ("6 January 2014", "2014-01-06", "day"),
        ("January 2014", "2014-01", "month"),
        ("6 января 2014 года", "2014-01-06", "day"),
        ("в январе 2014 года", "2014-01", "month"),
        ("05.03.2014", "2014-03-05", "day"),
        ("2014-03-05", "2014-03-05", "day"),
    ],
)
def test_written_dates_keep_their_precision(written: str, iso: str, precision: str) -> None:
    found = read_written_date(written)
    assert found is not None and found.iso == iso and found.precision == precision


def test_a_missing_day_or_month_is_never_filled_in() -> None:
    assert normalise_date("June 2022") == "2022-06"
    assert normalise_date("2022") == "2022"
    assert normalise_date("Spring 2022") is None  # dateparser used to make this a day
    assert precision_of("2022-06") == "month" and precision_of("2022-06-14T09:30:00") == "day"
    march = read_written_date("March 11")
    assert march is not None and march.iso is None and march.partial == "--03-11"


def test_a_yearless_date_takes_its_year_only_from_evidence_close_by() -> None:
    december = read_written_date("December 30")
    assert december is not None
    assert year_near(december, "2024-01-02") == 2023
    assert year_near(december, "2024-06-02") is None  # half a year away: no evidence at all


# --- a document's own date ------------------------------------------------------------------------------


def _text_document(path: str, text: str) -> Document:
    document = Document(path, "0" * 64, text)
    settle_date(document)
    return document


def test_datelines_and_date_lines_in_english_and_russian() -> None:
    wire = _text_document(
        "agency/item.txt", "TORVIK, 27 February 2019. /Nordhavn Wire/. The port authority said..."
    )
    assert (wire.date, wire.date_precision, wire.date_source) == ("2019-02-27", "day", "dateline")
    assert (
        wire.date_span is not None
        and wire.text[wire.date_span.start : wire.date_span.end] == "27 February 2019"
    )
    russian = _text_document("ru.txt", "ВЕЛЬСК, 3 марта 2021 г. — Нордхавн Пресс. Мэрия сообщила...")
    assert (russian.date, russian.date_source) == ("2021-03-03", "dateline")
    letter = _text_document(
        "letter.txt", "ORMSBY & VALE LLP\n12 Quay Street\n\n2 October 2023\n\nDear Ms Lindqvist,\n"
    )
    assert (letter.date, letter.date_source) == ("2023-10-02", "date-line")
    month = _text_document("memo.txt", "MEMORANDUM\nDate: March 2016\n\nThe board met on 4 March 2016.")
    assert (month.date, month.date_precision, month.date_source) == ("2016-03", "month", "date-label")


def test_a_date_inside_prose_is_not_the_documents_date() -> None:
    prose = _text_document(
        "note.txt", "On 12 March 2024, the court authorised the detention of the suspect.\n"
    )
    assert prose.date is None and prose.date_source is None


def test_a_yearless_dateline_takes_its_year_from_the_file_name_never_from_today() -> None:
    named = _text_document("wire/nordhavn-2019-02-27.txt", "TORVIK, Feb. 27. /Nordhavn Wire/. The port...")
    assert (named.date, named.date_source) == ("2019-02-27", "dateline+file-name")
    bare = _text_document("wire/item.txt", "TORVIK, Feb. 27. /Nordhavn Wire/. The port...")
    assert bare.date is None and bare.date_partial == "--02-27"


def test_file_names_give_days_and_months_but_never_a_lone_year() -> None:
    assert file_name_date("cases/minutes-2023_11_22.txt") == "2023-11-22"
    assert file_name_date("a.zip!/scans/20190304-letter.pdf") == "2019-03-04"
    assert file_name_date("reports/2021-07 summary.txt") == "2021-07"
    assert file_name_date("budget-2025-plan.txt") is None
    assert file_name_date("HOUSE_BATES_010566.txt") is None
    assert _text_document("x/report-2021-07-09.txt", "Quarterly figures.").date_source == "file-name"


def test_a_printed_email_is_dated_by_its_sent_line_not_its_body(tmp_path: Path) -> None:
    path = tmp_path / "printed.txt"
    path.write_text(
        "From: Odile Farrant <odile@example.org>\nSent: Monday, January 6, 2014 10:52 PM\n"
        "To: Corvin Ashdale\nSubject: the survey\n\nTORVIK, 3 March 2015 is when we meet.\n",
        encoding="utf-8",
    )
    [document] = read_file(path, path.read_bytes(), Limits()).documents
    assert (document.date, document.date_source, document.date_precision) == (
        "2014-01-06T22:52:00",
        "printed-header",
        "day",
    )
    assert document.date_span is not None
    assert document.text[document.date_span.start : document.date_span.end].startswith(
        "Monday, January 6, 2014"
    )


def test_pdf_metadata_gives_way_to_a_printed_date_and_is_never_padded() -> None:
    from threadline.ingest.pdf import _pdf_date

    assert _pdf_date("D:2014") == "2014" and _pdf_date("D:201403") == "2014-03"
    scan = Document(
        "scan.pdf", "0" * 64, "Torvik, 5 May 2001\n\nMinutes of the board.", date="2019-04-01", format="pdf"
    )
    settle_date(scan)
    assert (scan.date, scan.date_source) == ("2001-05-05", "dateline")
    undated = Document("scan.pdf", "0" * 64, "Minutes of the board.", date="2019-04-01", format="pdf")
    settle_date(undated)
    assert (undated.date, undated.date_source) == ("2019-04-01", "pdf-metadata")


# --- dates in sentences ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "spec"),
    [
        ("on July 16", "--07-16"),
        ("16 July 2024", "2024-07-16"),
        ("March 2014", "2014-03"),
        ("2019", "2019"),
        ("early 2019", "2019"),
        ("yesterday", "rel:en:yesterday"),
        ("Sunday evening", "rel:en:sunday"),
        ("the 1990s", None),
        ("five years", None),
        ("the past five years", None),
        ("46 years old", None),
        ("summer 2015", None),
        ("March 3 and 5", None),
    ],
)
def test_what_a_date_expression_says_alone(surface: str, spec: str | None) -> None:
    assert parse_spec(surface, "en") == spec


def test_anchoring_follows_the_tense_of_the_sentence() -> None:
    # An article of 21 June 2025: "on July 16 found him guilty" is last July, "will rule" next.
    assert anchor("--07-16", "past", "2025-06-21") == ("2024-07-16", "day")
    assert anchor("--07-16", "future", "2025-06-21") == ("2025-07-16", "day")
    assert anchor("--07", "past", "2025-06-21") == ("2024-07", "month")
    assert anchor("rel:en:yesterday", None, "2024-03-11T10:00:00") == ("2024-03-10", "day")
    assert anchor("rel:en:monday", "past", "2024-03-11") == ("2024-03-11", "day")  # Monday's own paper
    assert anchor("rel:en:friday", "future", "2024-03-11") == ("2024-03-15", "day")
    assert anchor("rel:en:last year", None, "2024-03-11") == ("2023", "year")


def test_anchoring_never_invents_what_the_document_does_not_know() -> None:
    assert anchor("--07-16", "past", None) is None
    assert anchor("--07-16", "past", "2025") is None  # which July 16 of a "2025" document?
    assert anchor("--03-05", "past", "2024-03") is None  # this March or last?
    assert anchor("rel:en:yesterday", None, "2024-03") is None
    assert anchor("rel:en:monday", None, "2024-03-11") is None  # no tense, no day


def test_tense_is_read_from_the_verb_nearest_the_date() -> None:
    sentence = "The court on July 16 found him guilty."
    assert sentence_tense(sentence, 13, 20, "en") == "past"
    sentence = "He said the court will rule on July 16."
    assert sentence_tense(sentence, 31, 38, "en") == "future"
    sentence = "Суд 16 июля признал его виновным."
    assert sentence_tense(sentence, 4, 11, "ru") == "past"
    sentence = "Заседание будет 16 июля."
    assert sentence_tense(sentence, 16, 23, "ru") == "future"


def test_event_dates_cite_their_sentence_and_skip_the_documents_own_dateline() -> None:
    text = "TORVIK, June 21. The court on July 16 found him guilty. The appeal will be heard on July 16."
    cut = text.index(" The appeal")
    sentences = [Sentence(0, 0, cut), Sentence(1, cut + 1, len(text))]
    starts = [text.index("June 21"), text.index("July 16"), text.rindex("July 16")]
    spans = [DateSpan(start, start + 7, "en") for start in starts]
    found = event_dates(text, sentences, spans, "2025-06-21", skip=(starts[0], starts[0] + 7))
    assert [(d.surface, d.sentence, d.date) for d in found] == [
        ("July 16", 0, "2024-07-16"),
        ("July 16", 1, "2025-07-16"),
    ]


def test_a_deadline_takes_the_nearest_year_whatever_the_verb() -> None:
    text = "The court extended his detention until 10 August."
    found = event_dates(text, [Sentence(0, 0, len(text))], [DateSpan(39, 48, "en")], "2024-05-10")
    assert [(d.surface, d.date) for d in found] == [("10 August", "2024-08-10")]


def test_russian_dates_from_natashas_extractor_with_their_tense() -> None:
    from threadline.extract.russian import RussianNER

    ner = RussianNER()
    text = (
        "Суд 16 июля признал его виновным. В 2019 году компания была основана. Заседание состоится 3 марта."
    )
    found = ner.dates(text)
    assert [(text[s:e], parts) for s, e, parts in found] == [
        ("16 июля", (None, 7, 16)),
        ("2019 году", (2019, None, None)),
        ("3 марта", (None, 3, 3)),
    ]
    spans = [DateSpan(s, e, "ru", parts, ner.tense(text, s, e)) for s, e, parts in found]
    sentences = [Sentence(0, 0, 33), Sentence(1, 34, 69), Sentence(2, 70, len(text))]
    dates = event_dates(text, sentences, spans, "2025-06-21")
    assert [(d.date, d.precision, d.tense) for d in dates] == [
        ("2024-07-16", "day", "past"),
        ("2019", "year", "past"),
        ("2026-03-03", "day", "future"),
    ]


def test_a_citation_is_no_dateline_and_an_ordinal_is_no_time_zone() -> None:
    cited = _text_document(
        "brief.txt", "Distinguished by Halloran v. Pike, S.D.Tex., March 31, 2010\n\nThe court..."
    )
    assert cited.date is None
    invitation = _text_document(
        "events/preview-2017-07-17.txt",
        "An Exclusive Preview\n\nGold Sponsor Dinner\nAugust 23 rd\nVilla Norrvik\n",
    )
    assert (invitation.date, invitation.date_source) == ("2017-07-17", "file-name")


def test_a_sent_line_the_header_reader_leaves_whole_still_dates_the_email(tmp_path: Path) -> None:
    path = tmp_path / "garbled.txt"
    path.write_text(
        "From: Odile Farrant\nSent: 2/15/2017 1:3125______________PIVI\nTo: Corvin Ashdale [ca@example.org]\n"
        "Subject: Re: the survey\n\nWhen in Torvik?\n\nOn Wed, Feb 15, 2017 at 8:25 AM, Corvin wrote:\n",
        encoding="utf-8",
    )
    [document] = read_file(path, path.read_bytes(), Limits()).documents
    assert (document.date, document.date_source) == ("2017-02-15", "printed-header")


def test_datelines_with_the_date_in_brackets_or_the_agency_after_a_comma() -> None:
    bracketed = _text_document("a.txt", "TORVIK (Nov 14): The port authority confirmed talks.")
    assert (bracketed.date, bracketed.date_partial) == (None, "--11-14")  # no year printed: none invented
    agency = _text_document("b.txt", "ВЕЛЬСК, 6 ноября 2019, Нордхавн Пресс. Эксперты рассказали...")
    assert (agency.date, agency.date_source) == ("2019-11-06", "dateline")
    prose = _text_document("c.txt", "Dear Corvin, 5 March 2024, was a long day for all of us.")
    assert prose.date is None
