"""WordPress exports (WXR 1.0 to 1.2) brought in: posts, pages, tags, comments and redirects.

reader.py reads the whole file into an Export before importer.py writes
anything; markup.py turns WordPress's HTML and shortcodes into the engine's
source. The import runs in one transaction: a malformed or truncated file, or
any error while writing, leaves the database as it was.
"""
