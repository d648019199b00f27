"""Ingest: find files and read them into Documents."""

from threadline.ingest.base import ReadResult, UnreadableFile, stored_path
from threadline.ingest.discover import Skipped, discover, discover_all, file_size
from threadline.ingest.readers import SUPPORTED_SUFFIXES, read_file

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ReadResult",
    "Skipped",
    "UnreadableFile",
    "discover",
    "discover_all",
    "file_size",
    "read_file",
    "stored_path",
]
