"""Run the examples written inside scenarios and rule packs (``simulator test``)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from simulator.engine import flow
from simulator.model.schema import Example, Node, RulePack, Scenario
from simulator.scoring import Scorer, Verdict, scorer_for
from simulator.scoring.context import EMPTY, Context


@dataclass
class ExampleResult:
    owner: str  # scenario or rule pack id
    loc: list[str | int]  # field path of the example in its file
    label: str  # how the example is named in the report
    reply: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _fired(verdict: Verdict) -> str:
    names = sorted({*verdict.fired_rules, *(c for c, r in verdict.categories.items() if r.fired)})
    return ", ".join(names) or "nothing"


def example_verdict(scorer: Scorer, ex: Example) -> tuple[Verdict, Context]:
    """An example's verdict, scored after its earlier replies (``after``), and the
    context those replies make."""
    context = EMPTY
    for earlier in ex.after:
        context = context.then(scorer.score(earlier, context))
    return scorer.score(ex.reply, context), context


def example_step(
    scenario: Scenario, ex: Example, verdict: Verdict, context: Context = EMPTY
) -> tuple[int, flow.Step]:
    """Where an example's reply leads, as the first reply at its node: (mood after, step)."""
    start_mood = ex.mood if ex.mood is not None else scenario.customer.mood
    mood = flow.next_mood(start_mood, verdict)
    patience = scenario.customer.patience - (1 if flow.is_bad(verdict) else 0)
    step = flow.decide(
        scenario,
        ex.node or scenario.start_node,
        verdict,
        mood=mood,
        visits=1,
        patience_left=patience,
        turn=context.replies + 1,
        before=context,
    )
    return mood, step


def run_scenario(scenario: Scenario, packs: Sequence[RulePack]) -> list[ExampleResult]:
    scorer = scorer_for(scenario, packs)
    results: list[ExampleResult] = []
    for i, ex in enumerate(scenario.examples):
        node = ex.node or scenario.start_node
        res = ExampleResult(
            scenario.id, ["examples", i], f"{scenario.id}::examples[{i}] at {node}", ex.reply
        )
        verdict, context = example_verdict(scorer, ex)
        for name in ex.fires:
            if not verdict.fired(name):
                res.failures.append(f"expected '{name}' to fire; fired: {_fired(verdict)}")
        for name in ex.not_fires:
            if verdict.fired(name):
                spans = [
                    s.text for h in verdict.hits if name in (h.rule, h.category) for s in h.spans
                ]
                words = f" on {', '.join(repr(s) for s in spans)}" if spans else ""
                res.failures.append(f"expected '{name}' not to fire; it fired{words}")
        if ex.score is not None and not ex.score.min <= verdict.score <= ex.score.max:
            res.failures.append(
                f"expected a score in {ex.score.min}-{ex.score.max}; got {verdict.score} "
                f"(fired: {_fired(verdict)})"
            )
        if ex.next is not None or ex.says is not None:
            mood, step = example_step(scenario, ex, verdict, context)
            arrived = scenario.node(step.goto)
            if ex.says is not None:
                lines = (
                    flow.lines_for(arrived, verdict, mood=mood, visits=0, before=context)
                    if arrived is not None
                    else (scenario.ending(step.goto) or scenario.endings[0]).customer
                )
                missing = [ln for ln in lines if ex.says.casefold() not in ln.casefold()]
                if missing or not lines:
                    shown = textwrap.shorten(missing[0] if missing else "", 90)
                    res.failures.append(
                        f"expected the customer's next line at '{step.goto}' to say "
                        f"{ex.says!r}; it can say: {shown!r}"
                    )
            if ex.next is not None and step.goto != ex.next:
                res.failures.append(
                    f"expected next '{ex.next}'; got '{step.goto}' "
                    f"(score {verdict.score}, mood {mood}, fired: {_fired(verdict)})"
                )
        results.append(res)
    results += check_model_replies(scenario, scorer)
    return results


# A model reply scores at least this much, as the first reply at its node.
MODEL_MIN_SCORE = 60


def expects_fix(node: Node, scorer: Scorer) -> bool:
    """Whether a transition of the node asks for a concrete fix (the category, or a rule
    of it, in `fired` or `all_fired`)."""
    fix_rules = {m.id for m in scorer.matchers if m.category == "concrete_fix"}
    names = {n for t in node.transitions for n in (*t.when.fired, *t.when.all_fired)}
    return "concrete_fix" in names or bool(names & fix_rules)


def check_model_replies(scenario: Scenario, scorer: Scorer) -> list[ExampleResult]:
    """Each node's model replies, judged as the first reply at their node: no last-word
    phrasing, not a bad reply, a score of at least MODEL_MIN_SCORE, and a concrete fix
    where the node's transitions expect one."""
    results: list[ExampleResult] = []
    for i, node in enumerate(scenario.nodes):
        fix = expects_fix(node, scorer)
        for j, reply in enumerate(node.model_replies):
            res = ExampleResult(
                scenario.id,
                ["nodes", i, "model_replies", j],
                f"{scenario.id}::nodes[{node.id}].model_replies[{j}]",
                reply,
            )
            verdict = scorer.score(reply)
            if verdict.fired("last_word"):
                spans = [s.text for h in verdict.hits if h.category == "last_word" for s in h.spans]
                words = f" on {', '.join(repr(s) for s in spans)}" if spans else ""
                res.failures.append(
                    f"a model reply must not use last-word phrasing; it fired{words}"
                )
            if fix and not verdict.fired("concrete_fix"):
                res.failures.append(
                    f"node '{node.id}' expects a concrete fix; the model reply has none "
                    f"(fired: {_fired(verdict)})"
                )
            if verdict.score < MODEL_MIN_SCORE:
                res.failures.append(
                    f"a model reply must score at least {MODEL_MIN_SCORE}; got {verdict.score} "
                    f"(fired: {_fired(verdict)})"
                )
            results.append(res)
    return results


def run_pack(pack: RulePack, context: Iterable[RulePack]) -> list[ExampleResult]:
    """Each rule's own examples, scored with every pack of its language around it."""
    packs = [pack, *(p for p in context if p.id != pack.id and p.language == pack.language)]
    scorer = scorer_for(None, packs, pack.language)
    results: list[ExampleResult] = []
    for i, rule in enumerate(pack.rules):
        for kind, replies in (("fires", rule.examples.fires), ("passes", rule.examples.passes)):
            for j, reply in enumerate(replies):
                res = ExampleResult(
                    pack.id,
                    ["rules", i, "examples", kind, j],
                    f"{pack.id}::{rule.id} {kind}[{j}]",
                    reply,
                )
                fired = scorer.score(reply).fired(rule.id)
                if kind == "fires" and not fired:
                    res.failures.append(f"expected rule '{rule.id}' to fire; it did not")
                if kind == "passes" and fired:
                    res.failures.append(f"expected rule '{rule.id}' not to fire; it did")
                results.append(res)
    return results
