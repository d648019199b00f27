"""Images (.png .jpg .tif): OCR'd with Tesseract; each frame of a multi-page TIFF is a page."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from threadline.config import Limits
from threadline.ingest.base import ReadResult, UnreadableFile, first_line_title, sha256_hex
from threadline.ingest.ocr import OcrOptions, PageHook, ocr_image
from threadline.ingest.pdf import join_pages, tidy_page_text
from threadline.ingest.printed import apply_printed_header
from threadline.model import Document

# Pillow refuses (DecompressionBombError) images over twice this; we refuse at once.
MAX_PIXELS = 120_000_000


def read_image(
    path: Path, data: bytes, limits: Limits, ocr: OcrOptions | None = None, on_page: PageHook | None = None
) -> ReadResult:
    if ocr is None:
        raise UnreadableFile("image, and OCR is off")
    from PIL import Image, UnidentifiedImageError

    errors: list[str] = []
    texts: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            for frame in range(min(frames, limits.max_pages)):
                image.seek(frame)
                if image.width * image.height > MAX_PIXELS:
                    raise UnreadableFile(f"image too large ({image.width}x{image.height} pixels)")
                try:
                    texts.append(tidy_page_text(ocr_image(image, ocr)))
                except UnreadableFile as exc:
                    errors.append(f"page {frame + 1}: {exc.reason}")
                    texts.append("")
                if on_page:
                    on_page()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableFile(f"not a readable image ({exc})") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt image data
        raise UnreadableFile(f"damaged image ({exc})") from exc
    body, starts = join_pages(texts)
    if not body.strip():
        raise UnreadableFile("no text found by OCR" + (f" ({errors[0]})" if errors else ""))
    document = Document(
        path=str(path),
        sha256=sha256_hex(data),
        text=body[: limits.max_text_chars],
        title=first_line_title(body),
        format="image",
        meta={"pages": str(len(texts)), "ocr_pages": str(len(texts))},
        pages=starts,
    )
    apply_printed_header(document)  # a printed email: its header names sender, subject and date
    return ReadResult([document], errors)
