"""Names as comparable data: keys, transliteration, and whether two names are one person's."""
