"""Generated PDF and image fixtures: a PDF with a text layer, and "scans" with none.

Fonts come from Debian's fonts-dejavu-core (installed by `make setup`): it covers Cyrillic.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def text_pdf(path: Path, pages: list[str], *, title: str | None = None, password: str | None = None) -> Path:
    """A PDF whose pages carry ``pages`` as a real text layer (one string per page)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    if title:
        pdf.set_title(title)
    pdf.set_creation_date(__import__("datetime").datetime(2021, 3, 4))
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    pdf.output(str(path))
    return path


def page_image(text: str, *, width: int = 1700, size: int = 34) -> Image.Image:
    """``text`` drawn black on white, wrapped, like a page scanned at about 200 dpi."""
    font = ImageFont.truetype(str(FONT), size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width=int(width / (size * 0.55))) or [""])
    height = max(400, 120 + len(lines) * int(size * 1.5))
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = 80
    for line in lines:
        draw.text((90, y), line, fill=0, font=font)
        y += int(size * 1.5)
    return image


def scanned_pdf(path: Path, pages: list[str]) -> Path:
    """An image-only PDF (no text layer at all): each page is a picture of its text."""
    images = [page_image(text).convert("RGB") for text in pages]
    images[0].save(path, "PDF", resolution=200.0, save_all=True, append_images=images[1:])
    return path
