"""A table of translatable sentences read like a dict, each value in the user's language."""

from __future__ import annotations

from collections.abc import Mapping

from mailwizard.core.i18n import _


class TranslatedWords(Mapping):
    """A table of sentences marked with N_() whose values come out in the user's language
    (translated on each look-up: the language is chosen after import). Code anywhere may
    read it like a dict: ``TABLE[key]``, ``TABLE.get(key)``, ``TABLE.items()``. The values of
    the keys in `same` (names such as "STARTTLS", the same in every language) are not looked
    up at all."""

    def __init__(self, table: dict, same=()):
        self._table = dict(table)
        self._same = frozenset(same)

    def __getitem__(self, key):
        text = self._table[key]
        return text if key in self._same or not text else _(text)

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"TranslatedWords({self._table!r})"

    def source(self, key):
        """The English text (the catalogue's id)."""
        return self._table[key]
