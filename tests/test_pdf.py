"""PDF and image reading: text layers per page, OCR of scans, and hostile PDFs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.pdf_fixtures import page_image, scanned_pdf, text_pdf
from threadline.config import Limits
from threadline.ingest.base import UnreadableFile
from threadline.ingest.images import read_image
from threadline.ingest.ocr import OcrOptions, ocr_options
from threadline.ingest.pdf import read_pdf
from threadline.ingest.readers import read_file

PAGES = [
    "The committee heard Daniyar Kassenov on the first day.",
    "On the second page Aigerim Bekturova answered questions about the contract.",
    "Страница три: Данияр Касенов не ответил.",
]


@pytest.fixture(scope="module")
def ocr() -> OcrOptions:
    options, why_not = ocr_options(True)
    assert options is not None, f"Tesseract is installed by `make setup`: {why_not}"
    return options


def test_text_layer_pages_and_offsets(tmp_path: Path) -> None:
    path = text_pdf(tmp_path / "hearing.pdf", PAGES, title="Hearing record")
    (doc,) = read_pdf(path, path.read_bytes(), Limits()).documents
    assert doc.format == "pdf" and doc.title == "Hearing record" and doc.date == "2021-03-04"
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    for number, page_text in enumerate(PAGES, 1):
        start = doc.text.index(page_text.split()[-1])
        assert doc.page_of(start) == number
    assert doc.meta["pages"] == "3" and "ocr_pages" not in doc.meta


def test_scanned_pdf_is_ocred_per_page(tmp_path: Path, ocr: OcrOptions) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf", PAGES[:2])
    pages_seen: list[int] = []
    result = read_pdf(path, path.read_bytes(), Limits(), ocr, on_page=lambda: pages_seen.append(1))
    (doc,) = result.documents
    assert doc.meta["ocr_pages"] == "2" and len(pages_seen) == 2
    assert doc.page_of(doc.text.index("Kassenov")) == 1
    assert doc.page_of(doc.text.index("Bekturova")) == 2


def test_scanned_pdf_without_ocr_is_an_error_saying_so(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf", PAGES[:1])
    with pytest.raises(UnreadableFile, match="OCR is off"):
        read_pdf(path, path.read_bytes(), Limits(), None)


def test_image_is_ocred(tmp_path: Path, ocr: OcrOptions) -> None:
    path = tmp_path / "letter.png"
    page_image("Dear Mr Rustam Abenov, thank you for your letter.").save(path)
    (doc,) = read_image(path, path.read_bytes(), Limits(), ocr).documents
    assert "Abenov" in doc.text and doc.pages == [0] and doc.format == "image"


def test_multipage_tiff_pages(tmp_path: Path, ocr: OcrOptions) -> None:
    path = tmp_path / "fax.tif"
    first, second = (
        page_image("First page names Timur Abenov."),
        page_image("Second page names Aigerim Bekturova."),
    )
    first.save(path, save_all=True, append_images=[second])
    (doc,) = read_file(path, path.read_bytes(), Limits(), ocr=ocr).documents
    assert doc.page_of(doc.text.index("Bekturova")) == 2


def test_encrypted_truncated_and_fake_pdfs_are_reasons(tmp_path: Path) -> None:
    locked = text_pdf(tmp_path / "locked.pdf", PAGES[:1], password="secret")
    with pytest.raises(UnreadableFile, match="encrypted"):
        read_pdf(locked, locked.read_bytes(), Limits())
    whole = text_pdf(tmp_path / "whole.pdf", PAGES).read_bytes()
    for data in (whole[: len(whole) // 3], b"%PDF-1.7\n" + bytes(range(256)) * 20, b"not a pdf at all"):
        with pytest.raises(UnreadableFile):
            read_pdf(Path("x.pdf"), data, Limits())


def test_page_limit_reads_the_first_pages_and_says_so(tmp_path: Path) -> None:
    path = text_pdf(tmp_path / "long.pdf", [f"Page {n} mentions nobody in particular." for n in range(5)])
    result = read_pdf(path, path.read_bytes(), replace(Limits(), max_pages=2))
    assert len(result.documents[0].pages) == 2
    assert any("only the first 2" in e for e in result.errors)


def test_damaged_image_is_a_reason(tmp_path: Path, ocr: OcrOptions) -> None:
    path = tmp_path / "x.png"
    page_image("Some text").save(path)
    data = path.read_bytes()
    for broken in (data[: len(data) // 2], b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"GIF89a garbage"):
        with pytest.raises(UnreadableFile):
            read_image(path, broken, Limits(), ocr)


def test_a_huge_page_is_rendered_within_the_pixel_cap(tmp_path: Path, ocr: OcrOptions) -> None:
    """A scan declared 170 by 40 inches would be a 600-megapixel bitmap at 300 dpi."""
    import pypdfium2 as pdfium

    from threadline.ingest.pdf import MAX_RENDER_PIXELS

    path = tmp_path / "huge.pdf"
    page_image("Timur Abenov signed the huge page.").convert("RGB").save(path, "PDF", resolution=10.0)
    pdf = pdfium.PdfDocument(path.read_bytes())
    width, height = pdf[0].get_size()
    pdf.close()
    assert width * height * (300 / 72) ** 2 > 10 * MAX_RENDER_PIXELS
    (doc,) = read_pdf(path, path.read_bytes(), Limits(), ocr).documents
    assert "Abenov" in doc.text
