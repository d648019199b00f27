"""Titles that are page furniture ("Advertisement", a toolbar's "+ ↺ − 16 px") are no titles (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.config import Limits
from threadline.ingest.base import first_line_title, plausible_title
from threadline.ingest.html import read_html


@pytest.mark.parametrize(
    "title",
    ["Advertisement", "ADVERTISEMENT", "Skip to content", "date 2026-02-27 + ↺ − 16 px", "12", "  ", "Menu"],
)
def test_page_furniture_is_no_title(title: str) -> None:
    assert plausible_title(title) is None


@pytest.mark.parametrize(
    "title",
    ["Deputy energy minister detained over tender", "SPX put contingent on higher rates", "Re: Trump", "Q3"],
)
def test_titles_stay_titles(title: str) -> None:
    assert plausible_title(title) == (None if title == "Q3" else title)


def test_a_web_page_titled_advertisement_has_no_title(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Advertisement</title></head><body><article><p>"
        + "The harbour board of Kestrel Bay met on Monday to discuss the dredging accounts. " * 5
        + "</p></article></body></html>"
    )
    document = read_html(tmp_path / "page.html", page.encode(), Limits())
    assert document.title is None


def test_a_text_whose_first_line_is_furniture_has_no_title() -> None:
    assert first_line_title("Advertisement\n\nThe board met on Monday.") is None
    assert first_line_title("Minutes of the board\n\nThe board met on Monday.") == "Minutes of the board"
