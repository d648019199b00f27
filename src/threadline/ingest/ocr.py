"""OCR with Tesseract (Debian's tesseract-ocr), for scanned PDF pages and images.

Tesseract runs as a subprocess per page, so a page that hangs is killed by its own timeout and the
parse worker's memory limit covers it too (resource limits are inherited by the child).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from threadline.ingest.base import UnreadableFile

if TYPE_CHECKING:
    from PIL.Image import Image

# Per-page callback from readers to whoever shows progress (pages OCR'd so far in this file).
PageHook = Callable[[], None]


@dataclass(frozen=True, slots=True)
class OcrOptions:
    languages: str = "eng+rus"  # Tesseract's "+"-joined language codes
    dpi: int = 300  # PDF pages are rendered at this resolution before OCR
    page_seconds: float = 120.0  # one page's OCR is abandoned past this


def ocr_options(enabled: bool, wanted: str = "eng+rus") -> tuple[OcrOptions | None, str | None]:
    """The OCR options to use, or None with the reason OCR is off (shown to the user once)."""
    if not enabled:
        return None, "OCR switched off"
    if shutil.which("tesseract") is None:
        return None, "Tesseract is not installed (make setup installs it); scanned pages are skipped"
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # a broken installation must not stop text-layer reading
        return None, f"Tesseract does not run: {exc}"
    languages = [code for code in wanted.split("+") if code in installed]
    if not languages:
        return None, f"no Tesseract language data for {wanted} (install tesseract-ocr-eng, -rus)"
    return OcrOptions(languages="+".join(languages)), None


def ocr_image(image: Image, options: OcrOptions) -> str:
    """The text Tesseract reads in ``image``; raises UnreadableFile when it fails or times out."""
    import pytesseract

    # One thread per page: parse workers already use every core.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        text = pytesseract.image_to_string(image, lang=options.languages, timeout=options.page_seconds)
    except RuntimeError as exc:  # pytesseract's timeout
        raise UnreadableFile(f"OCR timed out after {options.page_seconds:.0f} s") from exc
    except (pytesseract.TesseractError, OSError) as exc:
        raise UnreadableFile(f"OCR failed: {str(exc)[:200]}") from exc
    return str(text)
