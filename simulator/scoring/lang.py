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
    # Condition scope: words that make a remedy depend on the customer ("if you send
    # us...", « dès que vous ... »), and look-alikes that are offers ("if you'd like").
    condition: re.Pattern[str] = re.compile(r"(?!)")
    not_condition: re.Pattern[str] = re.compile(r"(?!)")
    # Conditions on how things turn out ("if it hasn't arrived by Friday, ..."): they
    # govern only what follows them, up to ``condition_end`` (a ';', a ':' or a "but":
    # "the engineer comes at 2; if that doesn't fix it, I'll move you" keeps the
    # engineer, "if your team had sent it, we'd have launched, but I'll add a developer"
    # keeps the developer).
    outcome_condition: re.Pattern[str] = re.compile(r"(?!)")
    condition_end: re.Pattern[str] = re.compile(r"[;:]")
    # Reported speech: a verb of saying before a quotation, or after it, and the first
    # person that makes it the agent's own words again ("as I said: ...").
    says_before: re.Pattern[str] = re.compile(r"(?!)")
    says_after: re.Pattern[str] = re.compile(r"(?!)")
    own_voice: re.Pattern[str] = re.compile(r"(?!)")

    def conditions(self, text: str) -> list[tuple[int, int, bool]]:
        """Spans of the condition cues of a text, offers left out, each with whether it
        governs only what follows it (an ``outcome_condition``)."""
        found = [(*m.span(), False) for m in self.condition.finditer(text)]
        found += [(*m.span(), True) for m in self.outcome_condition.finditer(text)]
        if not found:
            return found
        offers = [m.span() for m in self.not_condition.finditer(text)]
        return [c for c in found if not any(os_ <= c[0] < oe for os_, oe in offers)]

    def reported_quotes(self, text: str) -> list[tuple[int, int]]:
        """Spans (inside the quotation marks) of the quotations reported as someone
        else's words."""
        out: list[tuple[int, int]] = []
        for m in _QUOTE.finditer(text):
            qs, qe = m.span(1)
            before = text[max(0, qs - 1 - 60) : qs - 1]
            cue = self.says_before.search(before)
            if cue is not None:
                if not self.own_voice.search(before[max(0, cue.start() - 16) : cue.end()]):
                    out.append((qs, qe))
                continue
            after = self.says_after.match(text, qe + 1, min(len(text), qe + 60))
            if after is not None and not self.own_voice.match(after.group(1) or ""):
                out.append((qs, qe))
        return out


# A quotation: folded text has every quotation mark as '"' (« » too).
_QUOTE = re.compile(r'"([^"\n]{1,400})"')

# A full stop between two word characters (£86.40, 9.30, p.m, example.com) ends no sentence.
_SENTENCE = re.compile(r"[^.!?\n]+(?:(?<=\w)\.(?=\w)[^.!?\n]*)*(?:[.!?]+|\n|$)")

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
    condition=re.compile(
        r"\b(?:if (?:you|u)|once (?:you|u)|as soon as (?:you|u|we (?:receive|get|have))|"
        r"provided(?: that)?|providing(?: that)? (?:you|we)|on condition that|"
        r"as long as you|assuming you|after you|only if|unless you|before (?:we|i) can|"
        r"(?:once|when|if|after) we (?:receive|get|have received|hear back|see)|"
        r"when you (?:send|return|bring|provide|upload|give|share|complete|fill|confirm|reply|dm|email)|"
        r"subject to (?:you|your|receipt|approval|verification))(?!\w)"
    ),
    # a remedy owed only if things turn out a certain way: "if it hasn't arrived by
    # Friday, I'll refund you" ("even if" and "as if" concede or compare)
    condition_end=re.compile(r"[;:]|\b(?:but|however|yet|though|although)(?!\w)"),
    outcome_condition=re.compile(
        r"(?<!even )(?<!as )\bif (?:it|it's|its|they|they're|the|your|this|that|these|those|"
        r"there|anything|nothing|he|she)(?!\w)"
    ),
    not_condition=re.compile(
        # a past event, not a condition: "two days after you ordered, I've refunded..."
        r"\bafter (?:you|u) (?:\w+ed|made|paid|bought|left|sent|told|rang|wrote|got|had|came|"
        r"went|took|gave|spoke|put|saw|brought|flew|drove|rode)(?!\w)|"
        r"\bif (?:you|u)(?:'?d|\s+would)?\s+(?:like|prefer|rather|want|wish|fancy|are interested|"
        r"need (?:anything|more|help|me)|have (?:any|more|other) questions|"
        r"are happy|agree|are (?:ok|okay)|still (?:have|need)|"
        r"(?:can'?t|cannot|can not) (?:wait|make it|come|stay))(?!\w)|"
        r"\bif (?:you|u)'?re (?:ok|okay|happy)(?!\w)|"
        r"\bif (?:that|it|this) (?:works|suits|helps)(?!\w)"
    ),
    says_before=re.compile(
        r"\b(?:said|says|say|told (?:me|us|him|her|them|you)|tells (?:me|us)|wrote|writes|asked|"
        r"replied|complained|shouted|yelled|called (?:it|us|me)|put it|in (?:his|her|their) words)"
        r"(?!\w)[^\".!?]{0,25}$"
    ),
    says_after=re.compile(
        r"\s*,?\s*((?:\w+\s+){0,3}?)(?:said|says|wrote|writes|told|asked|replied|complained)(?!\w)"
    ),
    own_voice=re.compile(r"(?:^|\W)(?:i|we|i've|we've|i have|we have|i had)\W*(?:\w+\W+)?$|^(?:i|we)\b"),
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
    condition=re.compile(
        r"\b(?:si (?:vous|tu)|d[eè]s que (?:vous|tu|nous aurons)|une fois que (?:vous|tu|nous aurons)|"
        r"d[eè]s (?:r[eé]ception|que nous recevrons)|[aà] (?:la )?r[eé]ception de|apr[eè]s r[eé]ception|"
        r"[aà] condition (?:que|de|d')|pourvu que|sous r[eé]serve|tant que vous|"
        r"(?:quand|lorsque) vous (?:nous )?(?:aurez|enverrez|renverrez|rapporterez|ferez)|"
        # a remedy owed only if a check comes out right: « si le débit est confirmé »
        r"s'il s'av[eè]re|si (?:\w+'?\w* ){1,4}(?:est|sont|a [eé]t[eé]|ont [eé]t[eé]) "
        r"(?:confirm|av[eé]r|v[eé]rifi|prouv|[eé]tabli)\w*)(?!\w)"
    ),
    # a remedy owed only if things turn out a certain way: « si le colis n'est pas
    # arrivé demain, je vous rembourse » (« même si » concedes, « comme si » compares,
    # « ce n'est pas votre faute si » says whose fault it is)
    condition_end=re.compile(
        r"[;:]|\b(?:mais|cependant|toutefois|pourtant|n[eé]anmoins|par contre)(?!\w)"
    ),
    outcome_condition=re.compile(
        r"(?<!m[eê]me )(?<!comme )(?<!faute )\bsi (?:le|la|les|l'|votre|vos|ton|ta|tes|ce|cet|"
        r"cette|ces|il|elle|ils|elles|[cç]a|cela|rien|jamais)(?!\w)"
    ),
    not_condition=re.compile(
        r"\bsi (?:vous|tu) (?:le )?(?:souhaitez|souhaites|voulez|veux|pr[eé]f[eé]rez|pr[eé]f[eè]res|"
        r"d[eé]sirez|le voulez bien|[eê]tes d'accord|avez (?:des|d'autres|la moindre) questions?|"
        r"avez besoin|ne pouvez pas (?:attendre|venir|rester)|ne peux pas (?:attendre|venir))(?!\w)|"
        r"\bsi (?:cela|[cç]a) vous (?:arrange|convient|va)(?!\w)"
    ),
    says_before=re.compile(
        r"\b(?:dit|disait|dira|[eé]crit|[eé]crivait|r[eé]pondu|demand[eé]|d[eé]clar[eé]|lanc[eé]|"
        r"plaint|cri[eé]|selon (?:lui|elle|eux|le client|la cliente))(?!\w)[^\".!?]{0,25}$"
    ),
    says_after=re.compile(
        r"\s*,?\s*((?:[\w']+\s+){0,3}?)(?:a dit|m'a dit|nous a dit|dit|a [eé]crit|[eé]crit|a r[eé]pondu|"
        r"a demand[eé]|s'est plaint)(?!\w)"
    ),
    own_voice=re.compile(r"(?:^|\W)(?:je|j'|nous vous|comme je)\W"),
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
