"""Ingest: find files and read them into Documents."""

from threadline.ingest.base import ReadResult, UnreadableFile
from threadline.ingest.discover import discover
from threadline.ingest.readers import SUPPORTED_SUFFIXES, read_file

__all__ = ["SUPPORTED_SUFFIXES", "ReadResult", "UnreadableFile", "discover", "read_file"]
