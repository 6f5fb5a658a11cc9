"""Text normalisation that keeps offsets into the trainee's own words.

The folded text is what rules match against: Unicode NFKC, case folding, typographic
apostrophes and quotes folded to ASCII, dashes to '-', exotic spaces to ' ', invisible
format characters removed. Runs of whitespace are kept (patterns accept any run), so
most replies fold character for character and offsets need no table at all; only text
whose length changes (ligatures, decomposed accents, 'ß') takes the slower, mapped path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FOLD = {
    **dict.fromkeys(map(ord, "’‘‛′`´ʼ＇"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»＂"), '"'),
    **dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-"),
    **dict.fromkeys(
        map(
            ord,
            "\t\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            "\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
        ),
        " ",
    ),
    **dict.fromkeys(map(ord, "\r\u2028\u2029\x85"), "\n"),
}
_DROP = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c\u202a\u202b\u202c\u202d\u202e"
_FOLD_DROP = {**_FOLD, **dict.fromkeys(map(ord, _DROP), None)}
_HAS_DROP = re.compile(f"[{_DROP}]")
_ASCII_FOLD = {k: v for k, v in _FOLD.items() if k < 128}
# str.translate looks every character up; most replies have nothing to fold, so look first.
_NEEDS_FOLD = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")
# The five ASCII characters to fold: five `in` tests beat one regex scan by far.
_ASCII_TO_FOLD = "".join(map(chr, _ASCII_FOLD))
# Any character to fold or to drop. Case folding leaves each of them as it is (checked
# here), so finding none in the case-folded text means the original had none either.
_SPECIALS = "".join(map(chr, _FOLD)) + _DROP
_HAS_SPECIAL = re.compile("[" + re.escape(_SPECIALS) + "]")
_CASEFOLD_KEEPS_SPECIALS = all(c.casefold() == c for c in _SPECIALS)



# Code points that are no character: half of a UTF-16 pair, alone (Python's str can hold
# them, from a "\ud800" escape in JSON or undecodable bytes on a command line). They
# cannot be written as UTF-8, which RE2 and every file and terminal want.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (the replacement character),
    so that it encodes to UTF-8; same length, same offsets."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text)


def _latin1_plain() -> tuple[bytes, bytes]:
    """For Latin-1 text: a bytes.translate table that case folds, and the characters it
    cannot take (those whose folding is not that table, or that are not NFKC, or that
    are to fold or drop), each checked here against what ``normalize`` does."""
    table = bytearray(range(256))
    slow = []
    for cp in range(128, 256):  # (ASCII text has its own path)
        ch = chr(cp)
        folded = ch.casefold()
        if (
            len(folded) != 1
            or ord(folded) > 255
            or ch in _SPECIALS
            or folded in _SPECIALS
            or not unicodedata.is_normalized("NFKC", ch)
            or not unicodedata.is_normalized("NFKC", folded)
        ):
            slow.append(cp)
        else:
            table[cp] = ord(folded)
    for cp in range(128):
        table[cp] = ord(chr(cp).casefold())
        if chr(cp) in _SPECIALS:
            slow.append(cp)
    return bytes(table), bytes(slow)


# Casefold and NFKC checks cost microseconds per reply; a Latin-1 reply (English and most
# French ones) with none of the few characters they change is folded by a byte table.
# No Latin-1 character combines with the next under NFKC, so each checked alone says it.
_LATIN1_FOLD, _LATIN1_SLOW = _latin1_plain()


@dataclass(frozen=True, slots=True)
class Normalized:
    """Folded text plus the way back to the original."""

    original: str
    text: str
    # For each folded character, the (start, end) it came from; None when 1:1.
    origin: tuple[tuple[int, int], ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original text of the folded range [start, end)."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            n = len(self.original)
            return n, n
        if end <= start:
            s = self.origin[start][0]
            return s, s
        return self.origin[start][0], self.origin[min(end, len(self.origin)) - 1][1]


def _fold_chunk(chunk: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", chunk).casefold()).translate(
        _FOLD_DROP
    )


def fold(text: str) -> str:
    """The folded text alone (idempotent: fold(fold(x)) == fold(x))."""
    return normalize(text).text


def normalize(text: str) -> Normalized:
    # (dropping what is not Latin-1 costs less than an exception: the length tells)
    data = text.encode("latin-1", "ignore")
    if len(data) == len(text):
        # one pass folds and deletes the characters the table cannot take: the length
        # tells again whether there were any
        plain = data.translate(_LATIN1_FOLD, _LATIN1_SLOW)
        if len(plain) == len(data):
            return Normalized(text, plain.decode("latin-1"))
    if text.isascii():
        lower = text.lower()
        for ch in _ASCII_TO_FOLD:
            if ch in lower:
                return Normalized(text, lower.translate(_ASCII_FOLD))
        return Normalized(text, lower)
    # Fastest path, the common one: nothing to fold or drop, the text is NFKC and case
    # folding keeps its length and its NFKC form. One scan (of the folded text) answers
    # the three questions the general fast path below asks with three.
    if _CASEFOLD_KEEPS_SPECIALS:
        folded = text.casefold()
        if (
            len(folded) == len(text)
            and not _HAS_SPECIAL.search(folded)
            and unicodedata.is_normalized("NFKC", text)
            and unicodedata.is_normalized("NFKC", folded)
        ):
            return Normalized(text, folded)
    # Fast path: the folding table maps one character to one, so when what remains is
    # already NFKC and case folding keeps the length, offsets need no table.
    if not _HAS_DROP.search(text):
        mapped = text.translate(_FOLD) if _NEEDS_FOLD.search(text) else text
        if unicodedata.is_normalized("NFKC", mapped):
            folded = mapped.casefold()
            if (
                len(folded) == len(text)
                and unicodedata.is_normalized("NFKC", folded)
                and not _NEEDS_FOLD.search(folded)
            ):
                return Normalized(text, folded)
    return _mapped(text)


def _clusters(text: str) -> list[tuple[int, int]]:
    """Start/end of each base character with the combining marks that follow it."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            bounds.append((start, i))
            start = i
    return bounds


def _mapped(text: str) -> Normalized:
    """Cluster by cluster, repeated until stable, composing the offset maps."""
    current = text
    origin: list[tuple[int, int]] = [(i, i + 1) for i in range(len(text))]
    for _ in range(6):
        out: list[str] = []
        new_origin: list[tuple[int, int]] = []
        for s, e in _clusters(current):
            piece = _fold_chunk(current[s:e])
            if not piece:
                continue
            src = (origin[s][0], origin[e - 1][1])
            out.append(piece)
            new_origin.extend([src] * len(piece))
        result = "".join(out)
        if result == current:
            break
        current, origin = result, new_origin
    return Normalized(text, current, tuple(origin))
