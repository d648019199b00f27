"""The database the web tests run on: the fictional sample corpus, the example watchlist, one hostile
document (markup that must never run) and one file that cannot be read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SAMPLE
from tests.pdf_fixtures import text_pdf
from threadline.config import Settings
from threadline.ingest.watchlist import read_watchlist
from threadline.pipeline import ingest
from threadline.store import repository as repo
from threadline.store.db import connect

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = (
    "Internal memo on the Karaganda tender.\n\n"
    f"Rustam Abenov pasted {SCRIPT} into his note to Charlotte Haddon.\n\n"
    f"Charlotte Haddon replied with {IMG} and nothing else.\n"
)


PDF_PAGES = [
    "Transcript of the hearing of the standing committee, morning session.",
    "Odile Farrant told the committee that Corvin Ashdale had approved the Karaganda tender.",
]


def build_web_db(folder: Path, nlp: Any) -> Path:
    """Ingest everything through the library (as the CLI does) into ``folder/web.db``."""
    extra = folder / "extra"
    extra.mkdir()
    (extra / "hostile-memo.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (extra / "broken.eml").write_bytes(b"\x00\x01garbage without headers\xff\xfe")
    text_pdf(extra / "hearing.pdf", PDF_PAGES, title="Hearing transcript")
    db = folder / "web.db"
    conn = connect(db)
    with conn:
        repo.save_watchlist(conn, read_watchlist(ROOT / "examples" / "watchlist.csv"))
    ingest(conn, [SAMPLE, extra], Settings(db_path=db, processes=1), nlp=nlp)
    conn.close()
    return db
