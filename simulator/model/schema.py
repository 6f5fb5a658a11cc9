"""The schema of scenarios and rule packs: what a trainer may write in YAML.

Every model forbids unknown keys, and every field carries a description: the JSON Schema
written by ``simulator schema`` (and shown by editors) is generated from these classes,
and ``docs/scenario-format.md`` documents the same fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.model import limits, safe_regex

Language = Literal["en", "fr"]
LANGUAGES: tuple[str, ...] = ("en", "fr")

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]*$"

Ident = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        max_length=80,
        description="Lower-case letters, digits, '-' and '_', starting with a letter or digit.",
    ),
]
CategoryName = Annotated[
    str,
    Field(
        pattern=CATEGORY_PATTERN,
        max_length=40,
        description="A category name: lower-case letters, digits and '_' (e.g. last_word).",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=5000)]
Phrase = Annotated[
    str, Field(min_length=1, max_length=limits.MAX_PHRASE_CHARS), AfterValidator(limits.wildcards)
]
LEXICON_PATTERN = r"^[a-z][a-z0-9_]*$"
# ``{name}`` in a phrase: the words of the pack's lexicon ``name``, any one of them.
LEXICON_REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")
LexiconName = Annotated[
    str,
    Field(
        pattern=LEXICON_PATTERN,
        max_length=40,
        description="A lexicon name: lower-case letters, digits and '_' (e.g. rule_noun).",
    ),
]
LexiconEntry = Annotated[
    str,
    Field(
        min_length=1,
        max_length=120,
        pattern=r"^[^{}]+$",
        description=(
            "A word or phrase of the lexicon; it may hold `(a|b)` groups, not references."
        ),
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True,
        # validators and serializers are built when first used: a process whose models
        # come from the parsed-file cache (service.parsed_cache) never builds them
        defer_build=True,
    )


# --------------------------------------------------------------------------- rule packs


class RuleExamples(Strict):
    """Short replies that prove a rule works: `simulator test` runs them."""

    fires: list[Text] = Field(
        default_factory=list, description="Replies in which this rule must fire."
    )
    passes: list[Text] = Field(
        default_factory=list, description="Replies in which this rule must not fire."
    )


class RuleBase(Strict):
    id: Ident = Field(description="Unique id of the rule among every pack a scenario uses.")
    category: CategoryName = Field(
        description=(
            "What the rule detects: last_word, concrete_fix, compensation, acknowledge, "
            "listen, clarify, empathy, tone, missed_step, or a category of your own."
        )
    )
    weight: float = Field(
        ge=-100,
        le=100,
        description=(
            "Points added to the reply's score when the rule fires: negative for a "
            "penalty, positive for a reward. A rule counts once per reply."
        ),
    )
    level: Literal["error", "warning", "info"] = Field(
        default="warning",
        description="How loudly the feedback shows it: error, warning or info.",
    )
    message: Text = Field(
        description=(
            "Shown to the trainee when the rule fires. `{match}` is replaced by the "
            "trainee's own words that matched (quoted), `{matches}` by all of them."
        )
    )
    suggestion: str | None = Field(
        default=None, max_length=2000, description="A better way to say it."
    )
    exceptions: list[Phrase] = Field(
        default_factory=list,
        description=(
            'Phrases that cancel a match they overlap (e.g. "we\'re lucky to have you" '
            "for a rule about favour-framing)."
        ),
    )
    accent_insensitive: bool | None = Field(
        default=None,
        description=(
            "Match letters with or without accents (e, é, è, ê and ë alike). "
            "Default: the pack's `accent_insensitive`."
        ),
    )
    examples: RuleExamples = Field(
        default_factory=RuleExamples,
        description="Replies in which the rule must and must not fire.",
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="Which concept the rule states, for trainers; not shown in play.",
    )
    conditional: bool | None = Field(
        default=None,
        description=(
            "Cancel a match in a sentence that makes it depend on the customer "
            '("if you send a photo, we\'ll refund you"): the verdict says so in a notice. '
            "Default: on for concrete_fix and compensation rules, off for others."
        ),
    )
    reported: bool | None = Field(
        default=None,
        description=(
            "Cancel a match inside a quotation someone else is reported to have said "
            "(she said \"you're lucky\"). Default: on for last_word and tone rules."
        ),
    )
    critical: bool = Field(
        default=False,
        description=(
            "In assessment mode, an attempt in which this rule fires cannot pass, whatever "
            "its score (e.g. telling the customer to calm down, blaming them)."
        ),
    )

    @model_validator(mode="after")
    def _not_too_many_phrases(self) -> RuleBase:
        limits.check_phrase_count(self)
        return self


class PhraseRule(RuleBase):
    """Fires when one of the phrases appears on word boundaries."""

    kind: Literal["phrase"] = Field(description="Match phrases on word boundaries.")
    phrases: list[Phrase] = Field(
        min_length=1,
        description=(
            "Phrases to find. Case, apostrophes (’ and '), dashes, spacing and English "
            "contractions (you're / you are) are folded. `*` stands for any one word, "
            "`(a|b|c)` for any one of a group of words (`(a|b|)`: or none), `{name}` for "
            "any entry of the pack's lexicon `name`."
        ),
    )
    max_gap: int = Field(
        default=0,
        ge=0,
        le=5,
        description="How many extra words may be inserted between the words of a phrase.",
    )
    unless_negated: bool = Field(
        default=False,
        description=(
            "Cancel a match preceded by a negation in the same clause "
            "(\"I won't say you're lucky\")."
        ),
    )


class RegexRule(RuleBase):
    """Fires when a trainer-written regular expression matches (RE2 syntax, linear time)."""

    kind: Literal["regex"] = Field(description="Match a regular expression (RE2 syntax).")
    pattern: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description=(
            "An RE2 pattern, run in linear time. Backreferences and lookaround are not "
            "available; `\\b` is ASCII-only there, so use `words: true` instead."
        )
    )
    case_sensitive: bool = Field(
        default=False,
        description="Match against the reply with its original case (e.g. to find capitals).",
    )
    words: bool = Field(
        default=False,
        description="Require the match to start and end on Unicode word boundaries.",
    )

    @field_validator("pattern")
    @classmethod
    def _safe(cls, pattern: str) -> str:
        problem = safe_regex.check(pattern)
        if problem:
            raise ValueError(problem)
        return pattern


class CooccurPart(Strict):
    name: Ident = Field(description="Name of the part, e.g. agent, remedy, object, time.")
    phrases: list[Phrase] = Field(
        min_length=1,
        description="Phrases that satisfy this part; `{lexicon}` and `(a|b)` groups allowed.",
    )
    optional: bool = Field(default=False, description="Highlighted when present, not required.")
    max_gap: int = Field(default=0, ge=0, le=5, description="Extra words allowed inside a phrase.")


class CooccurRule(RuleBase):
    """Fires when all required parts appear together, none of them negated."""

    kind: Literal["cooccur"] = Field(description="Parts that must appear together.")
    parts: list[CooccurPart] = Field(
        min_length=1, max_length=6, description="The parts, each a list of phrases."
    )
    scope: Literal["clause", "sentence", "reply"] = Field(
        default="sentence",
        description=(
            "Whether the parts must share one clause (roles: an agent, a remedy verb and "
            "its object), one sentence, or only the reply."
        ),
    )
    ordered: bool = Field(
        default=False,
        description="The required parts must come in the order they are listed.",
    )
    negation: bool = Field(
        default=True,
        description=(
            "A part preceded by a negation in its clause does not count "
            '("we can\'t refund you" is not a fix).'
        ),
    )


class AbsenceRule(RuleBase):
    """Fires when something expected is missing from the reply."""

    kind: Literal["absence"] = Field(description="Fires when something expected is missing.")
    phrases: list[Phrase] = Field(
        default_factory=list, description="Fires when none of these phrases appear."
    )
    once: bool = Field(
        default=False,
        description=(
            "With `missing_category`: charged only until the conversation shows it; after "
            "an earlier reply did (an apology, say), a reply without it is not charged."
        ),
    )
    missing_category: CategoryName | None = Field(
        default=None,
        description="Fires when no rule of this category fired (e.g. acknowledge).",
    )
    min_words: int = Field(
        default=0,
        ge=0,
        description="Only judge replies of at least this many words.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> AbsenceRule:
        if bool(self.phrases) == bool(self.missing_category):
            raise ValueError("an absence rule needs exactly one of `phrases` or `missing_category`")
        if self.once and not self.missing_category:
            raise ValueError("`once` needs `missing_category`: the step the conversation shows")
        return self


class OccurrenceRule(RuleBase):
    """Fires when something occurs at least a number of times."""

    kind: Literal["occurrence"] = Field(description="Fires on a count.")
    phrases: list[Phrase] = Field(default_factory=list, description="Phrases to count.")
    pattern: str | None = Field(
        default=None, max_length=2000, description="Or an RE2 pattern to count."
    )
    case_sensitive: bool = Field(
        default=False, description="Count against the reply with its original case."
    )
    min_count: int = Field(ge=1, le=1000, description="Fires when the count reaches this.")

    @field_validator("pattern")
    @classmethod
    def _safe(cls, pattern: str | None) -> str | None:
        problem = safe_regex.check(pattern) if pattern else None
        if problem:
            raise ValueError(problem)
        return pattern

    @model_validator(mode="after")
    def _one_source(self) -> OccurrenceRule:
        if bool(self.phrases) == bool(self.pattern):
            raise ValueError("an occurrence rule needs exactly one of `phrases` or `pattern`")
        return self


class QuestionRule(RuleBase):
    """Fires when the reply asks a question (a sentence ending in '?')."""

    kind: Literal["question"] = Field(description="Fires when a question is asked.")
    phrases: list[Phrase] = Field(
        default_factory=list,
        description="If given, the question must contain one of these phrases.",
    )


Rule = Annotated[
    PhraseRule | RegexRule | CooccurRule | AbsenceRule | OccurrenceRule | QuestionRule,
    Field(discriminator="kind"),
]
RULE_KINDS: tuple[str, ...] = ("phrase", "regex", "cooccur", "absence", "occurrence", "question")


class CategoryInfo(Strict):
    label: str = Field(max_length=80, description="Name shown to trainees.")
    cap: float = Field(
        default=40,
        gt=0,
        le=100,
        description="The most points this category can add or remove from one reply.",
    )
    description: str | None = Field(default=None, max_length=1000)


class RulePack(Strict):
    """A versioned set of rules for one language."""

    kind: Literal["rule_pack"] = Field(description="Always `rule_pack`.")
    id: Ident = Field(description="Unique id, used by scenarios in `scoring.packs`.")
    language: Language = Field(description="Language of the rules: en or fr.")
    version: str = Field(
        min_length=1, max_length=40, description="Bump when rules change (recorded in transcripts)."
    )
    title: str = Field(min_length=1, max_length=200, description="Short name.")
    description: str | None = Field(default=None, max_length=4000)
    categories: dict[CategoryName, CategoryInfo] = Field(
        default_factory=dict, description="Labels and caps for the categories the rules use."
    )
    accent_insensitive: bool = Field(
        default=False,
        description="Default of `accent_insensitive` for every rule of the pack.",
    )
    lexicons: dict[LexiconName, list[LexiconEntry]] = Field(
        default_factory=dict,
        description=(
            "Shared word lists, e.g. `rule_noun: [policy, terms, regulation]`: "
            "`{rule_noun}` in any phrase of the pack (or of a scenario using it) stands "
            "for any one of them."
        ),
    )
    rules: list[Rule] = Field(
        default_factory=list,
        description=(
            "The rules. In a pack folder, `pack.yaml` may have none: the family files "
            "beside it hold them."
        ),
    )


class RuleFamily(Strict):
    """One family of rules in a pack folder: a file beside the folder's `pack.yaml`."""

    kind: Literal["rule_family"] = Field(description="Always `rule_family`.")
    id: Ident = Field(description="The family's id, e.g. favour-framing; alike across languages.")
    title: str = Field(min_length=1, max_length=200, description="Short name.")
    description: str | None = Field(
        default=None, max_length=4000, description="The concept the family's rules state."
    )
    rules: list[Rule] = Field(min_length=1, description="The rules of this family.")


def lexicon_refs(phrase: str) -> list[str]:
    """The lexicon names a phrase refers to (``{name}``)."""
    return LEXICON_REF.findall(phrase)


def expand_lexicons(phrase: str, lexicons: dict[str, list[str]]) -> str:
    """The phrase with each ``{name}`` replaced by the group ``(entry1|entry2|...)``.

    Raises KeyError for an unknown name (the loader reports it, located, first).
    """
    if "{" not in phrase:
        return phrase
    def entries(m: re.Match[str]) -> str:
        words = "|".join(w for e in lexicons[m.group(1)] for w in written_out(e))
        # inside a group, the entries join that group's alternatives ("(banks|{x})")
        inside = phrase.count("(", 0, m.start()) > phrase.count(")", 0, m.start())
        return words if inside else "(" + words + ")"

    return LEXICON_REF.sub(entries, phrase)


_GROUP = re.compile(r"\(([^()]*)\)")
MAX_FORMS = 500  # forms one lexicon entry may write out to


def written_out(entry: str) -> list[str]:
    """A lexicon entry's forms, its groups written out: "at (1|2)" -> "at 1", "at 2"
    (a group inside a lexicon's group cannot be nested in the phrase's pattern)."""
    m = _GROUP.search(entry)
    if m is None:
        return [entry]
    out: list[str] = []
    for alt in m.group(1).split("|"):
        for rest in written_out(entry[: m.start()] + alt.strip() + entry[m.end() :]):
            out.append(" ".join(rest.split()))
            if len(out) >= MAX_FORMS:
                return out
    return out


# ----------------------------------------------------------------------------- scenarios


class Customer(Strict):
    name: str = Field(min_length=1, max_length=120, description="Who the trainee talks to.")
    situation: Text = Field(description="What happened to them, in a few sentences.")
    lifetime_value: Literal["low", "standard", "high"] = Field(
        default="standard",
        description=(
            "How much the customer is worth over time. For a high-value customer a fix "
            "without any compensation earns less."
        ),
    )
    lifetime_note: str | None = Field(
        default=None,
        max_length=500,
        description="Why, shown in the briefing (e.g. 'more than 30 nights last year').",
    )
    patience: int = Field(
        default=3,
        ge=1,
        le=10,
        description="How many bad replies (last-word phrasing or a score under 40) they take.",
    )
    mood: int = Field(
        default=25, ge=0, le=100, description="Mood at the start, 0 (furious) to 100 (happy)."
    )


class Condition(Strict):
    """Every key given must hold; an empty condition always holds."""

    fired: list[str] = Field(
        default_factory=list,
        description="At least one of these categories or rule ids fired.",
    )
    all_fired: list[str] = Field(
        default_factory=list, description="Every one of these categories or rule ids fired."
    )
    not_fired: list[str] = Field(
        default_factory=list, description="None of these categories or rule ids fired."
    )
    so_far: list[str] = Field(
        default_factory=list,
        description=(
            "At least one of these categories or rule ids fired in this reply or an "
            "earlier one of the conversation (e.g. compensation already offered)."
        ),
    )
    not_so_far: list[str] = Field(
        default_factory=list,
        description="None of these categories or rule ids fired in this reply or any earlier one.",
    )
    score_min: int | None = Field(default=None, ge=0, le=100, description="Score at least.")
    score_max: int | None = Field(default=None, ge=0, le=100, description="Score at most.")
    mood_min: int | None = Field(
        default=None, ge=0, le=100, description="Mood after the reply at least."
    )
    mood_max: int | None = Field(
        default=None, ge=0, le=100, description="Mood after the reply at most."
    )
    visits_min: int | None = Field(
        default=None,
        ge=1,
        description="The trainee has answered this node at least this many times.",
    )

    def names(self) -> list[str]:
        return [*self.fired, *self.all_fired, *self.not_fired, *self.so_far, *self.not_so_far]

    def is_empty(self) -> bool:
        return self == Condition()


class Transition(Strict):
    when: Condition = Field(
        default_factory=Condition,
        description="When this transition applies. Omit it for the fallback (last) one.",
    )
    goto: Ident = Field(description="The next node or ending.")


class Lines(Strict):
    """What the customer says on arriving at a node when a condition holds."""

    when: Condition = Field(
        description=(
            "Read after the reply that leads here: its verdict, the mood, and (with "
            "`so_far` / `not_so_far`) what the conversation has already done."
        )
    )
    customer: list[Text] = Field(min_length=1, description="Variants, one picked per play.")


class Node(Strict):
    id: Ident = Field(description="Unique id of the node.")
    customer: list[Text] = Field(
        min_length=1,
        description="What the customer says here: one or more variants, one picked per play.",
    )
    lines: list[Lines] = Field(
        default_factory=list,
        description=(
            "Lines said instead of `customer` when their condition holds on arrival; the "
            "first that holds wins. Not read at the start of the conversation."
        ),
    )
    hint: str | None = Field(
        default=None, max_length=2000, description="Shown when the trainee asks for a hint."
    )
    model_replies: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list,
        max_length=3,
        description=(
            "One to three strong replies for this moment, as a good trainer would sign "
            "them (an acknowledgement, a concrete fix with an owner and a time, no "
            "last-word phrasing): shown after a weak reply here and in the debrief. "
            "`simulator test` checks that each one scores well."
        ),
    )
    transitions: list[Transition] = Field(
        min_length=1,
        description=(
            "Tried in order after each reply; the first whose condition holds wins. "
            "The last one must have no condition."
        ),
    )


class Ending(Strict):
    id: Ident = Field(description="Unique id of the ending (shares the namespace of nodes).")
    outcome: Literal["kept", "lost", "escalated"] = Field(
        description="kept: the customer stays; lost: they leave; escalated: it goes higher."
    )
    title: str = Field(min_length=1, max_length=200, description="Headline of the debrief.")
    customer: list[Text] = Field(
        default_factory=list, description="The customer's last words (variants)."
    )
    debrief: Text = Field(description="What happened and why, for the debrief.")


class Resolution(Strict):
    when: Condition = Field(description="Checked after every reply, before the node's own.")
    goto: Ident = Field(description="The ending (or node) to go to when it holds.")


class Scoring(Strict):
    packs: list[Ident] = Field(
        default_factory=list, description="Ids of the rule packs this scenario uses."
    )
    rules: list[Rule] = Field(default_factory=list, description="Rules of this scenario only.")
    weights: dict[Ident, float] = Field(
        default_factory=dict, description="New weights for rules of the packs, by rule id."
    )
    disable: list[Ident] = Field(
        default_factory=list, description="Rules of the packs not used in this scenario."
    )
    suggestions: dict[Ident, Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        default_factory=dict,
        description=(
            "This story's own better phrasing for rules of the packs, by rule id: shown "
            "instead of the pack's generic suggestion."
        ),
    )


class ScoreRange(Strict):
    min: int = Field(default=0, ge=0, le=100)
    max: int = Field(default=100, ge=0, le=100)


class Example(Strict):
    """A reply at a node and what it must produce: `simulator test` checks it.

    The reply is judged as the first answer given at that node, with the customer's
    starting patience and (unless `mood` says otherwise) starting mood; `after` gives
    the conversation's earlier replies, which the verdict and the transitions read.
    """

    node: Ident | None = Field(
        default=None, description="Where the reply is given (default: start)."
    )
    after: list[Text] = Field(
        default_factory=list,
        description="Earlier replies of the conversation, scored first, in order.",
    )
    reply: Text = Field(description="The trainee's reply.")
    says: str | None = Field(
        default=None,
        max_length=200,
        description="Words every variant of the customer's next line must contain.",
    )
    fires: list[str] = Field(
        default_factory=list, description="Rule ids or categories that must fire."
    )
    not_fires: list[str] = Field(
        default_factory=list, description="Rule ids or categories that must not fire."
    )
    score: ScoreRange | None = Field(default=None, description="The score must fall in range.")
    next: Ident | None = Field(
        default=None, description="The node or ending the reply must lead to."
    )
    mood: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="The customer's mood before the reply (default: their starting mood).",
    )
    note: str | None = Field(default=None, max_length=1000, description="Why this example exists.")


DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
Difficulty = Literal["easy", "medium", "hard"]
DEFAULT_PASS_MARK = 70


class Level(Strict):
    """A named level an attempt reaches with its score (e.g. silver at 75)."""

    name: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="Shown with the score, e.g. bronze, silver, gold."
    )
    min: int = Field(ge=0, le=100, description="The lowest total score that reaches it.")


class Variant(Strict):
    """How one difficulty changes the customer; what it leaves out stays as written."""

    patience: int | None = Field(
        default=None, ge=1, le=10, description="Bad replies the customer takes at this level."
    )
    mood: int | None = Field(
        default=None, ge=0, le=100, description="The customer's mood at the start."
    )
    mood_reaction: float = Field(
        default=1.0,
        ge=0.25,
        le=3.0,
        description=(
            "How strongly the mood reacts to each reply: its change is multiplied by this "
            "(0.7 forgiving, 1.5 touchy)."
        ),
    )
    lines: dict[Ident, list[Text]] = Field(
        default_factory=dict,
        description=(
            "By node id: the customer's line variants at this level, instead of the "
            "node's `customer`."
        ),
    )


class Scenario(Strict):
    """One practice conversation with an angry customer."""

    kind: Literal["scenario"] = Field(description="Always `scenario`.")
    id: Ident = Field(description="Unique id, e.g. hotel-ac-en.")
    version: str = Field(
        default="1", min_length=1, max_length=40, description="Bump when the content changes."
    )
    title: str = Field(min_length=1, max_length=200, description="Shown in the library.")
    language: Language = Field(description="Language the customer speaks: en or fr.")
    summary: Text = Field(description="One or two sentences shown in the library.")
    difficulty: Literal["easy", "medium", "hard"] = Field(description="easy, medium or hard.")
    tags: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, description="Free tags for search."
    )
    source: str | None = Field(
        default=None, max_length=500, description="Where the story comes from."
    )
    customer: Customer = Field(description="Who the customer is.")
    context: Text = Field(description="Shown before play: the setting and the trainee's role.")
    goals: list[Text] = Field(
        default_factory=list, description="What a good conversation achieves (briefing)."
    )
    scoring: Scoring = Field(description="Rule packs and scenario rules.")
    start: Ident | None = Field(default=None, description="First node (default: the first).")
    nodes: list[Node] = Field(min_length=1, description="The customer's turns.")
    endings: list[Ending] = Field(min_length=1, description="How the conversation can end.")
    resolution: Resolution | None = Field(
        default=None, description="A global condition that ends the conversation early."
    )
    patience_ending: Ident | None = Field(
        default=None,
        description="Ending when patience runs out (default: the first `lost` ending).",
    )
    max_turns: int = Field(default=8, ge=1, le=50, description="Replies before it ends anyway.")
    max_turns_ending: Ident | None = Field(
        default=None,
        description="Ending after max_turns (default: first `escalated`, else `lost`, ending).",
    )
    tips: list[Text] = Field(default_factory=list, description="Coaching tips for the debrief.")
    examples: list[Example] = Field(default_factory=list, description="Replies and expectations.")
    pass_mark: int = Field(
        default=DEFAULT_PASS_MARK,
        ge=0,
        le=100,
        description="The total score an attempt needs to pass (a workshop may set its own).",
    )
    levels: list[Level] = Field(
        default_factory=list,
        max_length=10,
        description="Named levels by total score, e.g. bronze 50, silver 75, gold 90.",
    )
    variants: dict[Difficulty, Variant] = Field(
        default_factory=dict,
        description=(
            "Difficulty levels a trainee may choose (easy, medium, hard); the scenario's "
            "`difficulty` is played as written unless its variant says otherwise."
        ),
    )

    @model_validator(mode="after")
    def _levels_and_variants(self) -> Scenario:
        names = [lv.name.casefold() for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("levels: each level needs its own name")
        nodes = {n.id for n in self.nodes}
        for name, variant in self.variants.items():
            unknown = sorted(set(variant.lines) - nodes)
            if unknown:
                raise ValueError(
                    f"variants.{name}.lines: no node {', '.join(unknown)} in this scenario"
                )
        return self

    @property
    def difficulties(self) -> list[str]:
        """The difficulties a trainee can choose: the scenario's own and its variants'."""
        have = {self.difficulty, *self.variants}
        return [d for d in DIFFICULTIES if d in have]

    def level_for(self, score: int) -> str | None:
        """The highest level the total ``score`` reaches (None: none, or no levels)."""
        best: Level | None = None
        for lv in self.levels:
            if score >= lv.min and (best is None or lv.min > best.min):
                best = lv
        return best.name if best else None

    def played_at(self, difficulty: str | None) -> tuple[Scenario, float]:
        """The scenario as played at ``difficulty`` (None: its own) and how strongly the
        mood reacts there. Raises ValueError for a difficulty it does not offer."""
        if difficulty is None or (difficulty == self.difficulty and difficulty not in self.variants):
            return self, 1.0
        variant = self.variants.get(difficulty)  # type: ignore[call-overload]
        if variant is None:
            offered = ", ".join(self.difficulties)
            raise ValueError(f"scenario '{self.id}' has no '{difficulty}' level (it offers {offered})")
        customer = self.customer.model_copy(
            update={
                k: v
                for k, v in (("patience", variant.patience), ("mood", variant.mood))
                if v is not None
            }
        )
        nodes = [
            n.model_copy(update={"customer": list(variant.lines[n.id])}) if n.id in variant.lines else n
            for n in self.nodes
        ]
        played = self.model_copy(update={"customer": customer, "nodes": nodes, "difficulty": difficulty})
        return played, variant.mood_reaction

    def with_rule_settings(self, settings: Mapping[str, Any] | None) -> Scenario:
        """The scenario as a workshop scores it: ``settings`` (``{"disable": [rule ids],
        "weights": {rule id: points}}``) added to its own ``scoring`` (the workshop's
        weight wins). Ids of rules the scenario does not score with are ignored: a
        workshop's settings name rules of all its scenarios."""
        if not settings:
            return self
        disable = [str(r) for r in settings.get("disable") or []]
        weights = {str(k): float(v) for k, v in (settings.get("weights") or {}).items()}
        if not disable and not weights:
            return self
        scoring = self.scoring.model_copy(
            update={
                "disable": list(dict.fromkeys([*self.scoring.disable, *disable])),
                "weights": {**self.scoring.weights, **weights},
            }
        )
        return self.model_copy(update={"scoring": scoring})

    @field_validator("tags")
    @classmethod
    def _tags_lower(cls, tags: list[str]) -> list[str]:
        return [t.lower() for t in tags]

    @property
    def start_node(self) -> str:
        return self.start or self.nodes[0].id

    def node(self, node_id: str) -> Node | None:
        for n in self.nodes:
            if n.id == node_id:
                return n
        return None

    def ending(self, ending_id: str) -> Ending | None:
        for e in self.endings:
            if e.id == ending_id:
                return e
        return None

    def default_ending(self, *outcomes: str) -> str:
        for outcome in outcomes:
            for e in self.endings:
                if e.outcome == outcome:
                    return e.id
        return self.endings[-1].id
