"""`essaycast import`: a blog's feed or a page to essay files, the only network code.

fetch.py is the one module that opens a socket; feeds.py, html.py and extract.py
are pure (bytes and text in, values out); importer.py decides what to write and
writes it, after everything has been fetched and converted.
"""
