"""PDF: the text layer of each page with pypdfium2; pages without a usable one are OCR'd.

Page boundaries are kept (``Document.pages``) so every sentence of evidence can say its page.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice
from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile, first_line_title, sha256_hex
from threadline.ingest.ocr import OcrOptions, PageHook, ocr_image
from threadline.ingest.printed import apply_printed_header
from threadline.model import Document

# Pages are joined by a blank line: a paragraph break for the sentence splitter.
PAGE_SEPARATOR = "\n\n"
# A page with an image and fewer letters than this in its text layer is a scan (maybe with a
# stamp or page number on top).
MIN_LAYER_LETTERS = 40
MAX_RENDER_PIXELS = 60_000_000  # A4 at 300 dpi is 8.7 M
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")
_SPACES = re.compile(r"[ \t\u00a0]+")
# Unicode categories Cc, Cf, Co and noncharacters, except tab and newline.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ue000-\uf8ff\ufffe\uffff]"
)
_LETTER = re.compile(r"[^\W\d_]")
_BLANK_LINES = re.compile(r"\n{3,}")


def read_pdf(
    path: Path, data: bytes, limits: Limits, ocr: OcrOptions | None = None, on_page: PageHook | None = None
) -> ReadResult:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc).lower()
        if "password" in reason:
            raise UnreadableFile("encrypted PDF (password required)") from exc
        raise UnreadableFile(f"not a readable PDF ({exc})") from exc
    try:
        return _read_pages(pdf, path, data, limits, ocr, on_page)
    finally:
        pdf.close()


def _read_pages(
    pdf: object,
    path: Path,
    data: bytes,
    limits: Limits,
    ocr: OcrOptions | None,
    on_page: PageHook | None,
) -> ReadResult:
    import pypdfium2 as pdfium

    assert isinstance(pdf, pdfium.PdfDocument)
    count = len(pdf)
    if count == 0:
        raise UnreadableFile("PDF has no pages")
    errors: list[str] = []
    texts: list[str] = []
    ocr_pages = 0
    scanned_skipped = 0
    for index in range(min(count, limits.max_pages)):
        try:
            page = pdf[index]
        except pdfium.PdfiumError as exc:
            errors.append(f"page {index + 1}: {exc}")
            texts.append("")
            continue
        try:
            text = _layer_text(page)
            if _letters(text) < MIN_LAYER_LETTERS and _has_image(page):
                if ocr is not None:
                    try:
                        scanned = _ocr_page(page, ocr)
                    except UnreadableFile as exc:
                        errors.append(f"page {index + 1}: {exc.reason}")
                        scanned = ""
                    ocr_pages += 1
                    if on_page:
                        on_page()
                    if _letters(scanned, len(scanned)) > _letters(text, len(text)):
                        text = scanned
                elif not text.strip():
                    scanned_skipped += 1
        finally:
            page.close()
        texts.append(text)
    if count > limits.max_pages:
        errors.append(f"{count} pages; only the first {limits.max_pages} were read")
    body, starts = join_pages(texts)
    if not body.strip():
        if scanned_skipped:
            raise UnreadableFile("scanned PDF with no text layer, and OCR is off")
        raise UnreadableFile("no text" + (f" ({errors[0]})" if errors else ""))
    if len(body) > limits.max_text_chars:
        errors.append(f"text cut at {limits.max_text_chars} characters")
        body = body[: limits.max_text_chars]
        starts = [s for s in starts if s < len(body)]
    meta = {"pages": str(count)}
    if ocr_pages:
        meta["ocr_pages"] = str(ocr_pages)
    if scanned_skipped:
        meta["pages_without_text"] = str(scanned_skipped)
    metadata = _metadata(pdf)
    if metadata.get("Author"):
        meta["author"] = metadata["Author"]
    document = Document(
        path=str(path),
        sha256=sha256_hex(data),
        text=body,
        title=metadata.get("Title") or first_line_title(body),
        date=_pdf_date(metadata.get("CreationDate", "")),
        format="pdf",
        meta=meta,
        pages=starts,
    )
    apply_printed_header(document)  # a printed email: its header names sender, subject and date
    return ReadResult([document], errors)


def _layer_text(page: object) -> str:
    import pypdfium2 as pdfium

    assert isinstance(page, pdfium.PdfPage)
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    return tidy_page_text(raw)


def tidy_page_text(raw: str) -> str:
    """Normalise line ends, drop control and format characters pdfium emits, squeeze spaces."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _has_image(page: object) -> bool:
    """Only a page with a picture on it can hold text that OCR finds and the layer lacks."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    assert isinstance(page, pdfium.PdfPage)
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        return True
    return False


def _ocr_page(page: object, ocr: OcrOptions) -> str:
    import pypdfium2 as pdfium

    assert isinstance(page, pdfium.PdfPage)
    width, height = page.get_size()  # points
    # A hostile page size (a 200-inch MediaBox) must not become a multi-gigabyte bitmap.
    scale = min(ocr.dpi / 72, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
        return tidy_page_text(ocr_image(image, ocr))
    finally:
        bitmap.close()


def _letters(text: str, enough: int = MIN_LAYER_LETTERS) -> int:
    """Letters in ``text``, counted up to ``enough`` (all that the decisions here need)."""
    return sum(1 for _ in islice(_LETTER.finditer(text), enough))


def join_pages(texts: list[str]) -> tuple[str, list[int]]:
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for text in texts:
        if parts:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        starts.append(offset)
        parts.append(text)
        offset += len(text)
    return "".join(parts), starts


def _metadata(pdf: object) -> dict[str, str]:
    import pypdfium2 as pdfium

    assert isinstance(pdf, pdfium.PdfDocument)
    try:
        values = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return {}
    return {key: tidy_page_text(str(value))[:300] for key, value in values.items()}


def _pdf_date(value: str) -> str | None:
    match = _PDF_DATE.search(value)
    if not match:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:  # as precise as the metadata is: "D:2014" is a year, never January 1st
        moment = datetime(int(year), int(month or 1), int(day or 1)).date().isoformat()
    except ValueError:
        return None
    return moment if day else moment[:7] if month else moment[:4]
