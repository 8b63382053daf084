"""The one exception type of the import layer.

An ``IngestError`` carries an i18n key (``ingest.err.*`` in lib/core/strings/ingest.py) and its
arguments, so the CLI prints it in English and the app shows it in the viewer's language.
Messages name the file (and row/column when there is one) and say what to do.
"""
from __future__ import annotations

from lib.core.i18n import t


class IngestError(Exception):
    def __init__(self, key: str, **kw):
        self.key = key
        self.kw = kw
        super().__init__(t(key, "en", **kw))

    def message(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.kw)
