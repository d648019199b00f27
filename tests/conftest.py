from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "examples" / "sample"


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The real spaCy pipeline, loaded once per test session."""
    from threadline.config import SPACY_MODEL
    from threadline.extract.extractor import load_nlp

    return load_nlp(SPACY_MODEL)


def shared(path: str) -> Path:
    target = SHARED / path
    if not target.exists():
        pytest.skip(f"shared data not available: {target}")
    return target
