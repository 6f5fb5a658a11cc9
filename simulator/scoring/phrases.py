"""Turn a trainer's phrase into patterns: one prefilter entry (the one-pass RE2 set over
every phrase of every rule at once) and one exact pattern (exact spans, run only for the
phrases the prefilter found).

Both run in RE2, whose time is linear in the reply whatever the phrase: a phrase of many
``*`` wildcards with inserted words allowed has exponentially many ways to fail, which a
backtracking engine tries one by one (30 wildcards on a 63-character reply ran for
minutes in Python's ``re``). The prefilter entry over-approximates (no word boundaries,
any non-space run for a word: a small automaton); the exact pattern is written in
Python's ``re`` dialect (``\\w``, ``\\s``), turned into RE2's by ``re2_text``, and
``find_words`` checks Unicode word boundaries, which RE2's ASCII-only ``\\b`` cannot do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from re2 import _re2

from simulator.model import safe_regex
from simulator.scoring.lang import EN_CONTRACTIONS, EN_NOT, EN_SUBJECTS
from simulator.scoring.normalize import fold

# Words (with inner apostrophes and hyphens), '*' for any one word, and symbols such as
# '%' or '€'; the punctuation , ; : . ! ? is dropped (the text may or may not have it).
_TOKEN = re.compile(r"\*|[\w'-]+|[^\w\s,;:.!?]")


@dataclass(frozen=True)
class Dialect:
    word: str  # one word (also a word inserted under max_gap)
    space: str  # between two words
    wildcard: str  # what '*' stands for: a word, or an amount ("£25", "$1,240.50")


# Between two words: spaces, or a comma, semicolon or colon with optional spaces.
_SEP = r"(?:\s*[,;:]\s*|\s+)"
# '*' also stands for an amount, with its currency sign and its decimal or thousands
# marks ("the * fee applies" finds "the £25 fee applies"). Only '*': an inserted word
# (max_gap) stays a plain word, since it sits between every two words of a phrase and
# the wider pattern there slowed every verdict by a fifth.
PY = Dialect(word=r"[\w'-]+", space=_SEP, wildcard=r"[$£€¥]?[\w'-]+(?:[.,]\d+)*")
RE2 = Dialect(word=r"[^\s,;:]+", space=r"[\s,;:]+", wildcard=r"[^\s;:]+")


@cache
def _accent_classes() -> dict[str, str]:
    """Each base letter and the accented letters that fold to it."""
    groups: dict[str, set[str]] = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        if not ch.isalpha() or ch != ch.casefold():
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        if base.isascii() and base.isalpha():
            groups.setdefault(base, {base}).add(ch)
    return {b: "[" + "".join(sorted(v)) + "]" for b, v in groups.items()}


@cache
def _base(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)[0]


@cache
def _unaccent_table() -> bytes:
    """For bytes.translate: each Latin-1 letter of an accent class -> its base letter."""
    table = bytearray(range(256))
    for base, members in _accent_classes().items():
        for ch in members.strip("[]"):
            if ord(ch) < 256:
                table[ord(ch)] = ord(base)
    return bytes(table)


def unaccent(text: str) -> str | None:
    """Folded text with the accented letters of the accent classes as their base letter,
    character for character (same offsets); None beyond Latin-1.

    An accent-insensitive pattern starts with a class such as ``[eéèêë...]``, which
    Python's ``re`` tests at every position of the text; its ``unaccented`` form (see
    ``body``) starts with a plain letter, which ``re`` finds with a fast scan, and finds
    the same spans in this text. ``str.translate`` would cost more than it saves: the
    Latin-1 bytes are translated instead.
    """
    if text.isascii():
        return text
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return None
    return data.translate(_unaccent_table()).decode("latin-1")


@cache
@cache
def _squash_table() -> dict[int, str]:
    """For str.translate: each letter of an accent class -> its base letter."""
    return {
        ord(ch): base for base, members in _accent_classes().items() for ch in members.strip("[]")
    }


def squash(text: str) -> str:
    """``text`` with each letter of an accent class as its base letter, character for
    character, whatever the script (``unaccent`` gives up beyond Latin-1). An anchor
    (``anchor``) is looked for in text so written."""
    if text.isascii():
        return text
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.translate(_squash_table())
    return data.translate(_unaccent_table()).decode("latin-1")


@cache
def _literal(token: str, d: Dialect, accents: bool, unaccented: bool = False) -> str:
    out: list[str] = []
    classes = _accent_classes() if accents else {}
    for ch in token:
        if ch == "'":
            out.append("'?")
        elif accents and _base(ch) in classes:
            out.append(re.escape(_base(ch)) if unaccented else classes[_base(ch)])
        elif ch == "-":
            out.append(r"[- ]?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _expand_en(tokens: list[str]) -> list[str]:
    """Write English contractions out in full: "you're" -> "you are", "can't" -> "can not"."""
    out: list[str] = []
    for tok in tokens:
        if tok in ("can't", "cannot", "cant"):
            out += ["can", "not"]
        elif tok in ("won't", "wont"):
            out += ["will", "not"]
        elif tok.endswith("n't") and tok[:-3]:
            stem = tok[:-3]
            full = next((k for k, v in EN_NOT.items() if v == stem), stem)
            out += [full, "not"]
        elif "'" in tok and tok.split("'", 1)[0] in EN_SUBJECTS:
            head, tail = tok.split("'", 1)
            expanded = next((k for k, v in EN_CONTRACTIONS.items() if v == tail), None)
            out += [head, expanded] if expanded else [tok]
        else:
            out.append(tok)
    return out


def _units_en(tokens: list[str], d: Dialect, accents: bool) -> list[tuple[str, bool, str | None]]:
    """Regex units for English tokens, pairing words that may be contracted (with the
    token of each unpaired word, which the text must then hold: see ``_unit``)."""
    units: list[tuple[str, bool, str | None]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt == "not" and tok in EN_NOT:
            short = EN_NOT[tok]
            forms = [f"{re.escape(short)}'?t", f"{re.escape(tok)}{d.space}not"]
            if tok == "can":
                forms.append("cannot")
            units.append(("(?:" + "|".join(forms) + ")", True, None))
            i += 2
            continue
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if nxt in EN_CONTRACTIONS and tok in EN_SUBJECTS and not (after == "not" and nxt in EN_NOT):
            short = EN_CONTRACTIONS[nxt]
            units.append(
                (f"{_literal(tok, d, accents)}(?:'?{short}|{d.space}{re.escape(nxt)})", True, None)
            )
            i += 2
            continue
        units.append((*_unit(tok, d, accents), tok))
        i += 1
    return units


@cache
def _unit(tok: str, d: Dialect, accents: bool, unaccented: bool = False) -> tuple[str, bool]:
    if tok == "*":
        return d.wildcard, True
    return _literal(tok, d, accents, unaccented), bool(re.match(r"[\w'-]", tok))


# A group of alternatives inside a phrase: "(policy|terms|rules)"; an empty alternative
# makes the group optional ("(the|)"). Lexicon references are expanded into groups.
_GROUP = re.compile(r"\(([^()]*)\)")


# What a phrase's text must hold wherever its prefilter entry matches: for each of these
# (one or two) groups, one of its strings, as ``squash`` writes them (None: no such
# test). See ``anchor``.
Anchor = tuple[tuple[str, ...], ...] | None


def body(
    phrase: str,
    language: str,
    d: Dialect,
    *,
    max_gap: int = 0,
    accents: bool = False,
    unaccented: bool = False,
) -> str:
    """The pattern of a phrase, without boundaries.

    ``unaccented`` (with ``accents``): each letter that has an accent class as its base
    letter, to search text put through ``unaccent``. Not for English, whose contracted
    forms are written as plain letters, not accent classes.

    A group ``(a|b)`` is one unit, an alternation of its alternatives' own patterns
    (each a phrase without groups): still a finite set of literals with bounded gaps.
    """
    return _body(phrase, language, d, max_gap, accents, unaccented)


@cache
def _body(
    phrase: str, language: str, d: Dialect, max_gap: int, accents: bool, unaccented: bool
) -> str:
    """``body`` (cached: lexicon groups recur in many phrases). Its anchor is read off
    the same units by ``anchor``, which writes no pattern."""
    if language == "en" and unaccented:
        raise ValueError("no unaccented patterns for English")
    folded = fold(phrase)
    units: list[tuple[str, bool, bool]] = []  # (pattern, is a word, optional)
    pos = 0
    after_group = False
    for m in _GROUP.finditer(folded):
        units += _plain_units(folded[pos : m.start()], language, d, accents, unaccented, after_group)
        alts = [a.strip() for a in m.group(1).split("|")]
        words = [a for a in alts if a]
        if not words:
            raise ValueError(f"empty group in phrase {phrase!r}")
        parts = {a: _body(a, language, d, 0, accents, unaccented) for a in words}
        unit = "(?:" + "|".join(_ordered(parts.values(), d)) + ")"
        if language != "en" and any(a.endswith("'") for a in words):
            # "(le|la|l') ordre": an elided word is glued to the next one ("l'ordre")
            whole, elided = _split(parts, lambda a: a.endswith("'"), d)
            unit = _ELIDES + "|".join(whole) + _ELIDES + "|".join(elided)
        elif language == "en" and any(a.startswith("'") for a in words) and (units or pos):
            # "you (will|'ll) need to": a contraction is glued to the word before it
            whole, contracted = _split(parts, lambda a: a.startswith("'"), d)
            forms = ([f"{d.space}(?:{'|'.join(whole)})"] if whole else []) + contracted
            unit = _GLUED + "(?:" + "|".join(forms) + ")"
        elif language == "en" and after_group and not folded[pos : m.start()].strip():
            unit = _glued_group(unit, words, language, d, accents)
        optional = len(words) < len(alts)
        units.append((unit, True, optional))
        pos = m.end()
        after_group = True
    units += _plain_units(folded[pos:], language, d, accents, unaccented, after_group)
    if not units:
        raise ValueError(f"empty phrase {phrase!r}")
    if all(optional for *_, optional in units):
        raise ValueError(f"phrase {phrase!r} can match nothing at all")
    sep = d.space if max_gap == 0 else f"(?:{d.space}{d.word}){{0,{max_gap}}}{d.space}"
    units = _glue_elided(units, sep)
    out = ""
    prev_word = False
    pending: list[str] = []  # optional units before the first required one
    for unit, word, optional in units:
        if not out:
            if optional:
                pending.append(unit)
                continue
            out = "".join(
                f"(?:{u[len(_CARRIES) :]})?" if u.startswith(_CARRIES) else f"(?:{u}{sep})?"
                for u in pending
            ) + unit.removeprefix(_GLUED).removeprefix(_CARRIES)
            prev_word = word
            continue
        # next to a symbol such as '%', spaces are optional: "10 %" and "10%"
        glue = sep if prev_word and word else r"\s*"
        if unit.startswith(_GLUED):  # an English contraction right after a group
            glue, unit = "", unit[len(_GLUED) :]
        if unit.startswith(_CARRIES) and optional:
            # an optional group that carries its separator: the one before it stays
            # ("remplis (le|l'|) formulaire" finds "remplis formulaire")
            out += f"{glue}(?:{unit[len(_CARRIES) :]})?"
        else:
            unit = unit.removeprefix(_CARRIES)
            out += f"(?:{glue}{unit})?" if optional else glue + unit
        prev_word = word
    return out


def _ordered(patterns: Iterable[str], d: Dialect) -> list[str]:
    """Distinct alternatives in the order their dialect wants. An exact pattern (Python's
    dialect) finds its span leftmost-first, so the longest is tried first. A prefilter
    entry (RE2's) only says whether it matches, whatever the order: sorted, alternatives
    that start alike are side by side, and RE2 factors their common start out of the
    alternation ("rendez|rendez-les|rendez-nous" becomes one "rendez" and what follows),
    which makes the program of a set of lexicon-heavy phrases a third smaller."""
    if d is RE2:
        return sorted(set(patterns))
    return sorted(set(patterns), key=len, reverse=True)


def _split(
    parts: dict[str, str], marked: Callable[[str], bool], d: Dialect
) -> tuple[list[str], list[str]]:
    """A group's patterns (alternative -> pattern): those of unmarked alternatives, and
    of marked ones, each in the order of ``_ordered``."""
    return (
        _ordered((b for a, b in parts.items() if not marked(a)), d),
        _ordered((b for a, b in parts.items() if marked(a)), d),
    )


@cache
def _token_anchor(tok: str, accents: bool) -> tuple[str, ...]:
    """What the text holds wherever a word's unit (``_literal``) matches: its longest
    run of characters between an apostrophe or hyphen (each optional in the pattern),
    accent-class letters as their base letter, put through ``squash`` as the text is."""
    piece = max(re.split(r"['-]", tok), key=len)
    if accents:
        classes = _accent_classes()
        piece = "".join(_base(ch) if _base(ch) in classes else ch for ch in piece)
    return (squash(piece),)


_GLUED = "\x00"  # marks a unit that carries its own separator
_ELIDES = "\x01"  # a group with elided words: "\x01" whole words "\x01" elided words
_CARRIES = "\x02"  # marks a unit that ends with the separator to the next one


def _glue_elided(units: list[tuple[str, bool, bool]], sep: str) -> list[tuple[str, bool, bool]]:
    """A group holding elided words ("l'", "qu'") carries the separator that follows it:
    the usual one after its whole words, none or spaces after an elided word, so
    "(le|la|l') ordre" finds "l'ordre" and "le ordre" alike. The unit after it is glued
    on; a group that ends the phrase has no separator to carry."""
    out: list[tuple[str, bool, bool]] = []
    glue_next = False
    for i, (unit, word, optional) in enumerate(units):
        if glue_next:
            unit, glue_next = _GLUED + unit, False
        elif unit.startswith(_ELIDES):
            whole, elided = unit[1:].split(_ELIDES)
            nxt = units[i + 1] if i + 1 < len(units) else None
            if nxt is None or nxt[2] or not nxt[1] or nxt[0].startswith((_GLUED, _ELIDES)):
                # at the end, or before a rare shape: the plain group (an elided word
                # then needs a space after it)
                unit = "(?:" + "|".join(x for x in (whole, elided) if x) + ")"
            else:
                alts = ([f"(?:{whole}){sep}"] if whole else []) + [f"(?:{elided})\\s*"]
                unit, glue_next = _CARRIES + "(?:" + "|".join(alts) + ")", True
        out.append((unit, word, optional))
    return out


def _apostrophe(short: str) -> str:
    """After a group of subjects the apostrophe may go ("well", "im") only where the
    bare letters cannot be taken for another word: "i" + "s" would read "is"."""
    return "'?" if short in ("ll", "re", "ve", "m") else "'"


def _contracts(tokens: list[str]) -> bool:
    """Do these English words start with one that contracts onto the word before
    ("will" -> "'ll"), not counting a negation that has its own form ("will not")?"""
    if not tokens or tokens[0] not in EN_CONTRACTIONS:
        return False
    return not (len(tokens) > 1 and tokens[1] == "not" and tokens[0] in EN_NOT)


def _glued_group(unit: str, words: list[str], language: str, d: Dialect, accents: bool) -> str:
    """A group right after a group, in English: its alternatives that start with a word
    that contracts ("(i|we) (will|are going to)") also match contracted ("we'll")."""
    glued: list[str] = []
    for alt in words:
        tokens = _expand_en(_TOKEN.findall(alt))
        if not _contracts(tokens):
            continue
        rest = " ".join(tokens[1:])
        tail = (d.space + body(rest, language, d, accents=accents)) if rest else ""
        glued.append(f"{_apostrophe(EN_CONTRACTIONS[tokens[0]])}{EN_CONTRACTIONS[tokens[0]]}{tail}")
    if not glued:
        return unit
    return f"{_GLUED}(?:{d.space}{unit}|" + "|".join(glued) + ")"


def _plain_units(
    text: str,
    language: str,
    d: Dialect,
    accents: bool,
    unaccented: bool,
    after_group: bool = False,
) -> list[tuple[str, bool, bool]]:
    """The units of a phrase's text between groups (``_plain_anchors`` reads their
    anchors)."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return []
    if language == "en":
        tokens = _expand_en(tokens)
        glued: list[tuple[str, bool, str | None]] = []
        # "{agent} will" after a group of subjects: "we will" and "we'll" alike
        if after_group and _contracts(tokens):
            short = EN_CONTRACTIONS[tokens[0]]
            glued = [
                (
                    f"{_GLUED}(?:{_apostrophe(short)}{short}|{d.space}{re.escape(tokens[0])})",
                    True,
                    None,
                )
            ]
            tokens = tokens[1:]
        pairs = glued + (_units_en(tokens, d, accents) if tokens else [])
    else:
        pairs = [(*_unit(t, d, accents, unaccented), t) for t in tokens]
        # An elided word on its own ("qu'" before a group: "qu'(attendre|patienter)")
        # joins the next unit as it does in writing, as an elided word in a group does
        # (``_glue_elided``): it is written as a group of that one elided word.
        pairs = [
            (f"{_ELIDES}{_ELIDES}{u}" if t and len(t) > 1 and t.endswith("'") else u, w, t)
            for u, w, t in pairs
        ]
    return [(u, w, False) for u, w, _ in pairs]


@cache
def compile_phrase(
    phrase: str, language: str, *, max_gap: int = 0, accents: bool = False
) -> tuple[str, str, str | None]:
    """The RE2 prefilter entry and the exact Python pattern text of one phrase, and the
    exact pattern for unaccented text when the phrase is accent-insensitive (else None).

    The exact pattern has no boundaries: ``find_words`` checks them, which is several
    times faster than a lookbehind at every position. It is compiled (``exact``) only
    the first time its phrase is found in a reply: most phrases of a pack never are,
    and compiling them all up front made starting a scenario take a second or more.
    """
    return (
        body(phrase, language, RE2, max_gap=max_gap, accents=accents),
        body(phrase, language, PY, max_gap=max_gap, accents=accents),
        body(phrase, language, PY, max_gap=max_gap, accents=True, unaccented=True)
        if accents and language != "en"
        else None,
    )


def anchor(phrase: str, language: str, *, max_gap: int = 0, accents: bool = False) -> Anchor:
    """One or two groups of strings: wherever the phrase's prefilter entry matches the
    reply's text (folded, put through ``squash``), the text holds one string of each
    group. None when the phrase has no such word (only groups with an empty or glued
    alternative, or wildcards).

    Each required word of the phrase gives a group of one: its longest run between an
    apostrophe or hyphen (those are optional in the pattern), accented letters as their
    base letter; a required group of alternatives gives its alternatives' first groups,
    when each has one. The two rarest-looking (longest) are kept. A scorer tests these
    plain strings first and runs a phrase's entry only when its anchor is there
    (``scorer._Gate``).

    Found from the phrase's words alone, the way ``body`` reads them, without writing
    its patterns (a scorer needs every phrase's anchor at once, and the patterns of only
    the few phrases whose anchors replies hold). ``max_gap`` changes no anchor.
    """
    return _anchor(phrase, language, accents)


@cache
def _anchor(phrase: str, language: str, accents: bool) -> Anchor:
    """``anchor``, and ``_body``'s refusals, read off the units ``_body`` writes."""
    folded = fold(phrase)
    anchors: list[tuple[str, ...]] = []
    units = 0
    required = 0
    pos = 0
    after_group = False
    for m in _GROUP.finditer(folded):
        n = _plain_anchors(folded[pos : m.start()], language, accents, after_group, anchors)
        units += n
        required += n
        alts = [a.strip() for a in m.group(1).split("|")]
        words = [a for a in alts if a]
        if not words:
            raise ValueError(f"empty group in phrase {phrase!r}")
        parts = [_anchor(a, language, accents) for a in words]
        glued = (
            language == "en"
            and after_group
            and not folded[pos : m.start()].strip()
            and _glues(words)
        )
        optional = len(words) < len(alts)
        if not optional and not glued and all(parts):
            anchors.append(tuple(sorted({s for a in parts if a for s in a[0]})))
        units += 1
        required += not optional
        pos = m.end()
        after_group = True
    n = _plain_anchors(folded[pos:], language, accents, after_group, anchors)
    units += n
    required += n
    if not units:
        raise ValueError(f"empty phrase {phrase!r}")
    if not required:
        raise ValueError(f"phrase {phrase!r} can match nothing at all")
    ranked = sorted(set(anchors), key=lambda a: (-min(map(len, a)), len(a), a))
    return tuple(ranked[:2]) or None


def _glues(words: list[str]) -> bool:
    """Does ``_glued_group`` give these alternatives a contracted form?"""
    return any(_contracts(_expand_en(_TOKEN.findall(alt))) for alt in words)


def _plain_anchors(
    text: str, language: str, accents: bool, after_group: bool, anchors: list[tuple[str, ...]]
) -> int:
    """``_plain_units`` without the patterns: adds the anchors of the words written as
    they are to ``anchors``, and returns how many units the text makes."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return 0
    words: list[str | None]
    if language == "en":
        tokens = _expand_en(tokens)
        words = []
        if after_group and _contracts(tokens):
            words = [None]
            tokens = tokens[1:]
        words += _words_en(tokens)
    else:
        words = list(tokens)
    anchors.extend(_token_anchor(t, accents) for t in words if t is not None and t != "*")
    return len(words)


def _words_en(tokens: list[str]) -> list[str | None]:
    """``_units_en``'s tokens: None for a pair of words that may be contracted."""
    out: list[str | None] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt == "not" and tok in EN_NOT:
            out.append(None)
            i += 2
            continue
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if nxt in EN_CONTRACTIONS and tok in EN_SUBJECTS and not (after == "not" and nxt in EN_NOT):
            out.append(None)
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def compile_entry(
    phrase: str, language: str, *, max_gap: int = 0, accents: bool = False
) -> tuple[str, str]:
    """``compile_phrase`` without the unaccented form (``unaccented_form``), which is
    needed only once the phrase is found in a reply."""
    return (
        body(phrase, language, RE2, max_gap=max_gap, accents=accents),
        body(phrase, language, PY, max_gap=max_gap, accents=accents),
    )


def unaccented_form(
    phrase: str, language: str, *, max_gap: int = 0, accents: bool = False
) -> str | None:
    """``compile_phrase``'s third pattern: the exact one for unaccented text, or None."""
    if not accents or language == "en":
        return None
    return body(phrase, language, PY, max_gap=max_gap, accents=True, unaccented=True)


def squashed_entry(phrase: str, language: str, *, max_gap: int = 0) -> str:
    """A phrase's prefilter entry (``bounded``) for text put through ``squash``: each
    letter of an accent class as its base letter, whether the rule minds accents or not.
    It matches the squashed text wherever the phrase's own entry matches the text, and
    sometimes where it does not (an accent the rule requires is missing): a prefilter may
    say more, the exact pattern decides. Plain letters cost RE2 far less than classes of
    fifteen letters in UTF-8, in memory most of all. Not for English (see ``body``)."""
    return bounded(
        body(phrase, language, RE2, max_gap=max_gap, accents=True, unaccented=True),
        body(phrase, language, PY, max_gap=max_gap, accents=True, unaccented=True),
    )


def bounded(re2_body: str, py_body: str) -> str:
    """A phrase's RE2 prefilter entry with RE2's ``\\b`` where ``find_words`` is sure to
    want a word boundary: before a phrase whose exact pattern starts with an ASCII letter
    or digit, after one whose pattern ends with one. RE2's ``\\b`` knows ASCII only, but
    next to an ASCII word character a Unicode word boundary (what ``find_words`` checks)
    is one for it too, so no span ``find_words`` keeps is lost (see ``Scorer`` for the
    one case where the entry does not match every exact span: RE2's ``\\s`` is ASCII).
    """
    out = re2_body
    if (
        _ascii_word(py_body[0])
        and py_body[1:2] not in ("?", "*", "+", "{")
        and re2_body[0] == py_body[0]
    ):
        out = "\\b" + out
    if _ascii_word(py_body[-1]) and py_body[-2:-1] != "\\" and re2_body[-1] == py_body[-1]:
        out = out + "\\b"
    return out


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# Python's \\w and \\s for str patterns, in RE2: \\w is what str.isalnum() accepts and '_'
# (the letters and numbers; RE2's Unicode tables may be a version newer, which differs
# only on code points unassigned in Python's), \\s what str.isspace() accepts.
_RE2_WORD = r"\pL\pN_"
_RE2_SPACE = (
    r"\t\n\x{0b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
# Their ASCII parts, for text with no other word or space characters (``plain``).
_ASCII_WORD = r"0-9A-Za-z_"
_ASCII_SPACE = r"\t\n\x{0b}\f\r \x{1c}-\x{1f}"
_ESCAPE = re.compile(r"\\(.)|(\[)|(\])", re.S)


def re2_text(pattern: str, plain: bool = False) -> str:
    """An exact pattern (Python's ``re`` dialect, as ``body`` writes it) in RE2's: the
    same matches, leftmost first, with Unicode ``\\w`` and ``\\s``; with ``plain``, the
    same matches in text whose only word and space characters are ASCII (``plain``),
    with ASCII ``\\w`` and ``\\s``."""
    depth = 0
    word, space = (_ASCII_WORD, _ASCII_SPACE) if plain else (_RE2_WORD, _RE2_SPACE)

    def swap(m: re.Match[str]) -> str:
        nonlocal depth
        if m.group(2):
            depth += 1
            return "["
        if m.group(3):
            depth = max(0, depth - 1)
            return "]"
        ch = m.group(1)
        inner = word if ch == "w" else space if ch == "s" else None
        if inner is None:
            return m.group(0)
        return inner if depth else f"[{inner}]"

    return _ESCAPE.sub(swap, pattern)


@cache
def exact(pattern: str, plain: bool = False) -> Any:
    """The compiled exact pattern (RE2), shared by every rule that uses the phrase; with
    ``plain``, its form for text whose word and space characters are all ASCII (see
    ``plain``): the same spans there, from a program a fraction of the size, as RE2
    writes a Unicode class such as \\w in hundreds of instructions.

    It is RE2's own object, searched on UTF-8 bytes by ``find_words``: the ``re2``
    module's str wrapper encodes the whole text and builds match objects on every
    search, which cost several times what the search does.

    A big program (a phrase of long lexicons, such as every time expression) has big
    automaton states: within the usual budget RE2 holds too few of them and searches
    with its slower engine instead (a search of one such phrase took 150 us, not 8 us).
    Such a phrase gets the budget a set of many has; what is not used is not taken.
    """
    text = re2_text(pattern, plain).encode("utf-8")
    budget = 64 << 20 if len(text) > _BIG_PATTERN else 8 << 20
    compiled = _re2.RE2(text, safe_regex.options(max_mem=budget))
    if not compiled.ok():
        raise ValueError(f"phrase pattern refused by RE2: {compiled.error()}")
    return compiled


# Characters of pattern past which a phrase gets the bigger budget: about 4,000 RE2
# instructions (the largest built-in phrases have about 18,000; 2,300 do well in 8 MB).
_BIG_PATTERN = 1500


@lru_cache(maxsize=8)
def plain(text: str) -> bool:
    """Are the text's word and space characters (Python's \\w and \\s) all ASCII? Then
    an exact pattern's ``plain`` form finds the same spans in it. (Most replies are;
    French ones too, once unaccented: guillemets, euro signs and apostrophes are
    neither.)"""
    return text.isascii() or not any(
        c.isalnum() or c.isspace() or c == "_" for c in text if not c.isascii()
    )


_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_bytes_to_chars = _re2.BytesToCharLen
_chars_to_bytes = _re2.CharLenToBytes


def wordchar(ch: str) -> bool:
    """Is ``ch`` a word character for Python's ``re`` (``\\w``)?"""
    return ch.isalnum() or ch == "_"


def find_words(pattern: Any, text: str, limit: int = 200) -> list[tuple[int, int]]:
    """Matches of ``pattern`` (a pattern's text or ``exact``'s object) that start and end on
    word boundaries ("can" not in "can't"), as offsets into ``text``.

    ``text`` has no lone surrogates (``normalize`` replaces them): it encodes to UTF-8.
    """
    out: list[tuple[int, int]] = []
    match = (exact(pattern, plain(text)) if isinstance(pattern, str) else pattern).Match
    n = len(text)
    if text.isascii():
        data = text.encode("ascii")
        ascii_ = True
    else:
        data = text.encode("utf-8")
        ascii_ = False
    size = len(data)
    pos = 0  # in bytes
    # (a byte offset and its character offset: matches come left to right, so each
    # conversion only counts the characters since the last one)
    last_b = last_c = 0
    # (wordchar inlined: this loop runs for every phrase found in every reply)
    while len(out) < limit and pos <= size:
        bs, be = match(_UNANCHORED, data, pos, size)[0]
        if bs < 0:
            break
        if ascii_:
            s, e = bs, be
        else:
            s = last_c + _bytes_to_chars(data, last_b, bs)
            e = s + _bytes_to_chars(data, bs, be)
            last_b, last_c = bs, s
        if e == s:
            pos = bs + (1 if ascii_ else max(1, _chars_to_bytes(data, bs, 1)))
            continue
        if s:
            c = text[s - 1]
            if c.isalnum() or c == "_":
                pos = bs + (1 if ascii_ else _chars_to_bytes(data, bs, 1))
                continue
        if not _ends_word(text, e, n):
            # The preferred match runs into a word ("does not allow permit|s": the gap
            # took "allow"); a shorter one from the same start may end on a boundary
            # ("does not allow"). Only the match's own word ends are tried, so the
            # extra work is bounded by the phrase's length, not the reply's.
            e = _shorter_match(match, text, data, s, e, bs, n)
            if e < 0:
                pos = bs + (1 if ascii_ else _chars_to_bytes(data, bs, 1))
                continue
            be = bs + len(text[s:e].encode("utf-8"))
        out.append((s, e))
        pos = be
    return out


def _ends_word(text: str, e: int, n: int) -> bool:
    """Does a match ending at ``e`` end on a word boundary, as ``find_words`` wants?
    (An elided word ends where it is: "qu'à"; "can" does not end in "can't".)"""
    if e >= n or text[e - 1] == "'":
        return True
    c = text[e]
    if c.isalnum() or c == "_":
        return False
    return not (c == "'" and e + 1 < n and (text[e + 1].isalnum() or text[e + 1] == "_"))


_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH


def _shorter_match(match: Any, text: str, data: bytes, s: int, e: int, bs: int, n: int) -> int:
    """The end of the longest match from ``s`` that ends on a word boundary before ``e``,
    or -1."""
    for j in range(e - 1, s, -1):
        if not (text[j - 1].isalnum() or text[j - 1] in "_'") or not _ends_word(text, j, n):
            continue
        end = bs + len(text[s:j].encode("utf-8"))
        if match(_ANCHOR_BOTH, data, bs, end)[0][0] >= 0:
            return j
    return -1
