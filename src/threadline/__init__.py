"""threadline: who appears in a pile of documents, with whom, and where it says so."""

__version__ = "0.1.0"
