"""What the scorer knows about each language: negation, clauses, contractions.

All patterns here work on folded text (see normalize.py) and are compiled once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# English contractions: the second word of a pair and its contracted ending. A phrase
# written either way ("you're" or "you are") matches both, with or without the apostrophe.
EN_CONTRACTIONS: dict[str, str] = {
    "are": "re",
    "am": "m",
    "will": "ll",
    "have": "ve",
    "would": "d",
    "had": "d",
    "is": "s",
    "has": "s",
}
EN_NOT: dict[str, str] = {  # the full form -> the contracted one, without apostrophe
    "can": "can",
    "will": "won",
    "do": "don",
    "does": "doesn",
    "did": "didn",
    "is": "isn",
    "are": "aren",
    "was": "wasn",
    "were": "weren",
    "have": "haven",
    "has": "hasn",
    "had": "hadn",
    "could": "couldn",
    "would": "wouldn",
    "should": "shouldn",
    "must": "mustn",
    "need": "needn",
    "shall": "shan",
}
EN_SUBJECTS = frozenset(
    [
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "that",
        "there",
        "here",
        "what",
        "who",
        "where",
        "how",
        "let",
    ]
)


@dataclass(frozen=True)
class Language:
    code: str
    # A negation cue is one word: it never holds a space, nor . ! ? or a newline; nor
    # does a clause break hold . ! ? or a newline. Reply.negated looks for both from the
    # start of the sentence on (a cue or break across it would be missed).
    negation: re.Pattern[str]
    not_negation: re.Pattern[str]
    clause_break: re.Pattern[str]
    window: int  # how many words before a match a negation still reaches
    # An RE2 pattern that matches wherever ``negation`` can (a superset), run in the
    # scorer's one pass over the reply: a reply it does not match has no negation, and
    # nothing needs looking at. Keep it in step with ``negation``: the cue words with
    # RE2's ASCII ``\b`` for the lookarounds (a Unicode non-word character is never an
    # ASCII word character), and no ``\b`` where the cue may begin with a non-ASCII
    # letter, or end with a non-word character ("n'"), or where ``negation`` has ``\w``.
    cue_hint: str


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")

# The patterns below start each word with \b rather than (?<!\w): every alternative after
# one begins with a word character, where the two say the same, and Python's re looks for
# \b faster (a third of the time of the lookbehind, tried at every position).

_EN = Language(
    code="en",
    negation=re.compile(
        r"\b(?:not|no|never|nothing|nobody|none|neither|nor|cannot|unable|impossible|"
        r"refuse|without|\w+n't|(?:do|does|did|ca|wo|is|are|was|were|have|has|had|could|would|should|must|need)nt|aint|whether|maybe|perhaps|hopefully|might)(?!\w)"
    ),
    cue_hint=(
        r"\b(?:not|no|never|nothing|nobody|none|neither|nor|cannot|unable|impossible|"
        r"refuse|without|(?:do|does|did|ca|wo|is|are|was|were|have|has|had|could|would|should|must|need)nt|aint|whether|maybe|perhaps|hopefully|might)\b|n't"
    ),
    not_negation=re.compile(
        r"\b(?:no (?:problem|worries|worry|question|doubt|charge|cost|extra)|"
        r"not a problem|don'?t worry|no need to worry|not to worry|never mind|"
        r"without (?:charge|cost|delay|fail|question)|no later than|not later than|"
        r"(?:isn'?t|is not|was not|wasn'?t) (?:ok|okay|right|acceptable|good enough)|"
        r"shouldn'?t have (?:had|happened|to)|should not have (?:had|happened|to)|"
        r"not only|nothing (?:more|else) to (?:do|pay)|won'?t (?:have to|need to) pay|"
        r"won'?t (?:be charged|see it|pay|cost)|not be charged|no fee|no extra charge)(?!\w)"
    ),
    clause_break=re.compile(
        r"[,;:()\"]| - |\b(?:but|however|although|though|instead|so|and then)(?!\w)"
    ),
    window=6,
)

_FR = Language(
    code="fr",
    negation=re.compile(
        r"\b(?:ne|n'|pas|plus|jamais|rien|aucun|aucune|personne|impossible|"
        r"refuse|refusons|ni|sans|peut-[eê]tre|[eé]ventuellement)(?!\w)|\bn'"
    ),
    cue_hint=(
        r"\b(?:ne|pas|plus|jamais|rien|aucun|aucune|personne|impossible|"
        r"refuse|refusons|ni|sans|peut-[eê]tre)\b|[eé]ventuellement\b|\bn'"
    ),
    not_negation=re.compile(
        r"\b(?:pas de (?:souci|soucis|probl[eè]me|frais|question)|sans (?:frais|"
        r"probl[eè]me|souci|faute|attendre|d[eé]lai|suppl[eé]ment|co[uû]t)|ne vous inqui[eé]tez pas|"
        r"pas d'inqui[eé]tude|ne vous sera pas (?:factur[eé]e?|compt[eé]e?|d[eé]bit[eé]e?)|"
        r"n'aurez (?:rien|pas) [àa] payer|n'aurez rien [àa] (?:payer|r[eé]gler)|"
        r"ne sera pas factur[eé]e?|ne payerez pas|ne paierez pas|rien [àa] payer|"
        r"n'est pas (?:normal|acceptable|juste)|ce n'[eé]tait pas (?:juste|normal|acceptable)|"
        r"plus (?:t[oô]t|vite|rapidement|fra[iî]che?|calme|grande?|de temps)|au plus tard|"
        r"ne \w+ que|n'\w+ que|de plus|non plus|ne plus jamais)(?!\w)"
    ),
    clause_break=re.compile(
        r"[,;:()\"]| - |\b(?:mais|cependant|toutefois|pourtant|alors|sinon)(?!\w)"
    ),
    window=6,
)

LANGUAGES: dict[str, Language] = {"en": _EN, "fr": _FR}


def language(code: str) -> Language:
    return LANGUAGES.get(code, _EN)


def sentences(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of each sentence of folded text (stripped of spaces)."""
    out: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        # str.strip takes off what str.isspace calls a space, as C code
        stripped = sentence.strip()
        if stripped:
            s = m.start() + len(sentence) - len(sentence.lstrip())
            out.append((s, s + len(stripped)))
    return out
