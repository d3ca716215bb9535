"""The one form customer and tool names are compared in: `Ärzte GmbH`, `ÄRZTE  GMBH` and
`Ärzte\u200b GmbH` are the same customer.

Databases fold case differently (SQLite's `lower()` folds ASCII only), so every comparison
of names goes through `name_key`, computed here and stored beside the name.
"""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["name_key"]


def _fold(text: str) -> str:
    # NFKC first so that compatibility forms (full-width `Ｆｉｇｍａ`, ligatures) fold like
    # their plain letters; casefold (not lower: `ß` → `ss`); NFKC again, as casefolding can
    # leave a string that is no longer normalised.
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        ch
        for ch in text
        # Invisible format characters (zero-width space and joiners, BOM, soft hyphen) and
        # control characters that are not whitespace change nothing a person sees.
        if not (unicodedata.category(ch) in ("Cf", "Cc") and not ch.isspace())
    )
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


@functools.lru_cache(maxsize=65536)  # KPIs key every claim and request by the same few names
def name_key(name: str) -> str:
    """The comparison key of a customer or tool name: NFKC, case-folded, invisible characters
    removed, whitespace collapsed to single spaces and trimmed. Idempotent."""
    key = _fold(name)
    # Folding once is almost always a fixed point; a few exotic characters need a second pass.
    for _ in range(3):
        again = _fold(key)
        if again == key:
            break
        key = again
    return key
