"""Cleaning stage: strip junk from document bodies, keeping a map back to the original text."""

from threadline.clean.cleaner import clean, line_key, line_keys

__all__ = ["clean", "line_key", "line_keys"]
