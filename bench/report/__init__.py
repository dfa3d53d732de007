"""The report: results/<run-id>/ in, reports/<run-id>/ out (claims, charts, HTML, Markdown).

Reads only the files of a run directory, never the registry or a live server, so a report can
be redrawn from results alone.
"""
