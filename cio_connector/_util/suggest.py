"""'Did you mean ...?' for a mistyped name, by closeness of spelling."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean"]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name spelled most like ``name``, if any is close enough to be a likely typo."""
    candidates = list(known)
    folded = {candidate.casefold(): candidate for candidate in candidates}
    if name.casefold() in folded:
        return folded[name.casefold()]
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'email'?"`` or an empty string."""
    match = closest(name, known)
    return f"; did you mean {match!r}?" if match else ""
