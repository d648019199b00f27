"""Text-layer PDF throughput: threadline's PDF reading against a plain pypdfium2 text dump.

Usage::

    python benchmarks/pdf.py [--files 120] [--pages 8] [--workers 2]

Generates FILES fictional PDFs of PAGES pages each (fpdf2, DejaVu font, English and Russian prose)
in a temporary folder, then times, in this order and in this one run:

1. **baseline**: a plain dump with pypdfium2, in this process: open each file, take each page's
   text with ``get_text_range()``, close;
2. **reader**: ``threadline.ingest.pdf.read_pdf`` in this process (the same text layer, plus text
   tidying, the image check that decides OCR, page offsets and metadata);
3. **pool**: the same files through ``ParsePool`` (worker processes with memory limits and stall
   timeouts, results in order), as ``ingest`` reads them, on WORKERS processes.

The three run interleaved for ROUNDS rounds and each keeps its best time.

No page here has an image, so nothing is OCR'd: this measures the text-layer path. The last line
is ``pages=… baseline_pages_per_s=… reader_pages_per_s=… pool_pages_per_s=… ratio=… pool_ratio=…``,
each ratio against the baseline.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "the",
    "committee",
    "heard",
    "that",
    "the",
    "ministry",
    "had",
    "signed",
    "a",
    "contract",
    "with",
    "a",
    "company",
    "registered",
    "in",
    "Cyprus",
    "and",
    "the",
    "payments",
    "were",
    "routed",
    "through",
    "two",
    "banks",
    "before",
    "the",
    "audit",
    "began",
    "in",
    "March",
]
RUSSIAN = [
    "комиссия",
    "выяснила",
    "что",
    "министерство",
    "подписало",
    "договор",
    "с",
    "компанией",
    "зарегистрированной",
    "на",
    "Кипре",
]
NAMES = ["Daniyar Kassenov", "Aigerim Bekturova", "Rustam Abenov", "Данияр Касенов", "Madina Zhunusova"]


def make_corpus(folder: Path, files: int, pages: int) -> list[Path]:
    from tests.pdf_fixtures import text_pdf

    rng = random.Random(4)
    paths = []
    for number in range(files):
        texts = []
        for _ in range(pages):
            sentences = []
            for _ in range(18):
                words = rng.choices(RUSSIAN if rng.random() < 0.2 else WORDS, k=rng.randint(10, 24))
                words.insert(rng.randrange(len(words)), rng.choice(NAMES))
                sentences.append(" ".join(words).capitalize() + ".")
            texts.append(" ".join(sentences))
        paths.append(text_pdf(folder / f"doc{number:04d}.pdf", texts, title=f"Report {number}"))
    return paths


def baseline(paths: list[Path]) -> tuple[int, int]:
    import pypdfium2 as pdfium

    pages = chars = 0
    for path in paths:
        pdf = pdfium.PdfDocument(path.read_bytes())
        for page in pdf:
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return pages, chars


def reader(paths: list[Path]) -> tuple[int, int]:
    from threadline.config import Limits
    from threadline.ingest.pdf import read_pdf

    pages = chars = 0
    for path in paths:
        (document,) = read_pdf(path, path.read_bytes(), Limits()).documents
        pages += len(document.pages)
        chars += len(document.text)
    return pages, chars


def pool(paths: list[Path], workers: int) -> tuple[int, int]:
    from threadline.config import Limits
    from threadline.ingest.base import UnreadableFile
    from threadline.ingest.workers import ParseJob, ParsePool

    pages = chars = 0
    with ParsePool[str](workers, Limits(), None) as parse:
        for _, _, result in parse.map((str(p), ParseJob(str(p), p)) for p in paths):
            assert not isinstance(result, UnreadableFile), result.reason
            (document,) = result.documents
            pages += len(document.pages)
            chars += len(document.text)
    return pages, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many interleaved rounds")
    args = parser.parse_args()
    # Imports outside the timings (trafilatura, pulled in by the readers, takes half a second).
    import pypdfium2  # noqa: F401

    import threadline.ingest.pdf
    import threadline.ingest.workers  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        paths = make_corpus(Path(tmp), args.files, args.pages)
        print(f"generated {len(paths)} PDFs x {args.pages} pages in {time.perf_counter() - started:.1f}s")
        runs = {
            "baseline": lambda: baseline(paths),
            "reader": lambda: reader(paths),
            "pool": lambda: pool(paths, args.workers),
        }
        best: dict[str, float] = {}
        for round_number in range(1, args.rounds + 1):  # interleaved, so drift hits all three alike
            for name, run in runs.items():
                started = time.perf_counter()
                pages, chars = run()
                seconds = time.perf_counter() - started
                best[name] = min(best.get(name, seconds), seconds)
                print(f"round {round_number} {name:9s} {pages} pages, {chars:,} chars in {seconds:.2f}s")
        rates = {name: pages / seconds for name, seconds in best.items()}
    print(
        f"pages={pages} baseline_pages_per_s={rates['baseline']:.0f} reader_pages_per_s={rates['reader']:.0f}"
        f" pool_pages_per_s={rates['pool']:.0f} ratio={rates['reader'] / rates['baseline']:.2f}"
        f" pool_ratio={rates['pool'] / rates['baseline']:.2f}"
    )


if __name__ == "__main__":
    main()
