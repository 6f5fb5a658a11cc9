"""What the examples leave untested (``simulator test --coverage``).

Three questions a trainer asks before trusting a change:

* **Rules.** Does every rule have an example that fires it and one that passes it? A
  rule's own ``examples.fires`` / ``examples.passes`` count, and so does a scenario
  example that names the rule in ``fires``, or the rule or its category in
  ``not_fires`` (only a named rule is exercised by ``fires``: when a category fires, one
  of its rules could break unseen).
* **The story.** Which nodes, transitions and endings does no example or scripted path
  reach? An example is the first reply at its node; a script is a whole conversation
  played from the start.
* **Dead ends.** Random playthroughs (fixed seed, at most ``max_turns`` replies each) pick
  replies among the scenario's own examples and its packs' rule examples. At every node
  a playthrough visits, every reply of that pool is tried; a visited node from which no
  tried reply leads, through the scenario's transitions, to an ending is a dead end:
  only the customer's patience or the turn limit can end the conversation there.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.engine import flow
from simulator.engine.examples import example_step, example_verdict
from simulator.engine.session import Session
from simulator.model.schema import RulePack, Scenario
from simulator.scoring import Verdict, scorer_for
from simulator.scoring.context import EMPTY, Context

# The pure-transition probe ignores the safety nets: it asks where the story goes.
_NO_LIMIT = 1 << 30


@dataclass
class RuleGap:
    owner: str  # rule pack or scenario id
    rule: str
    category: str
    loc: list[str | int]
    missing: list[str]  # "fires" and/or "passes"

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "rule": self.rule,
            "category": self.category,
            "missing": self.missing,
        }


@dataclass
class Unreached:
    scenario: str
    kind: str  # node | transition | ending
    id: str
    loc: list[str | int]
    source: str | None = None  # a transition's node (or "resolution")
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scenario": self.scenario, "kind": self.kind, "id": self.id}
        if self.kind == "transition":
            out["from"] = self.source
            out["to"] = self.target
        return out


@dataclass
class DeadEnd:
    scenario: str
    node: str | None
    message: str
    loc: list[str | int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "node": self.node, "message": self.message}


@dataclass
class Playthroughs:
    scenario: str
    walks: int
    pool: int  # distinct replies to pick from
    endings: dict[str, int]  # ending id -> playthroughs that ended there
    unvisited: list[str]  # nodes no playthrough visited
    dead_ends: list[DeadEnd]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "walks": self.walks,
            "replies_in_pool": self.pool,
            "endings": self.endings,
            "unvisited_nodes": self.unvisited,
            "dead_ends": [d.to_dict() for d in self.dead_ends],
        }


# ------------------------------------------------------------------------------ rules


def rule_gaps(
    packs: Iterable[RulePack],
    scenarios: Iterable[Scenario],
    evidence: Iterable[Scenario],
) -> list[RuleGap]:
    """Rules of ``packs`` and of ``scenarios`` that no example fires or passes.

    ``evidence``: every scenario whose examples may exercise those rules (a pack's rule
    by the examples of the scenarios that use the pack and do not disable the rule).
    """
    fires: set[tuple[str, str]] = set()  # (scenario, rule) named in an example's fires
    passes: set[tuple[str, str]] = set()  # (scenario, rule or category) in not_fires
    users: dict[str, list[Scenario]] = {}  # pack id -> scenarios that use it
    for sc in evidence:
        for ex in sc.examples:
            fires |= {(sc.id, name) for name in ex.fires}
            passes |= {(sc.id, name) for name in ex.not_fires}
        for pid in sc.scoring.packs:
            users.setdefault(pid, []).append(sc)

    def gap(owner: str, rule: Any, loc: list[str | int], where: list[str]) -> RuleGap | None:
        missing = []
        if not rule.examples.fires and not any((s, rule.id) in fires for s in where):
            missing.append("fires")
        if not rule.examples.passes and not any(
            (s, name) in passes for s in where for name in (rule.id, rule.category)
        ):
            missing.append("passes")
        return RuleGap(owner, rule.id, rule.category, loc, missing) if missing else None

    gaps = []
    for pack in packs:
        for i, rule in enumerate(pack.rules):
            where = [sc.id for sc in users.get(pack.id, []) if rule.id not in sc.scoring.disable]
            if (g := gap(pack.id, rule, ["rules", i], where)) is not None:
                gaps.append(g)
    for sc in scenarios:
        for i, rule in enumerate(sc.scoring.rules):
            if (g := gap(sc.id, rule, ["scoring", "rules", i], [sc.id])) is not None:
                gaps.append(g)
    return gaps


# ------------------------------------------------------------------------------ reach


@dataclass
class Reach:
    """What a scenario's examples and scripts reach: nodes, transitions and endings."""

    nodes: set[str] = field(default_factory=set)
    transitions: set[tuple[str, int]] = field(default_factory=set)  # (node, index)
    resolution: bool = False
    endings: set[str] = field(default_factory=set)

    def step(
        self,
        scenario: Scenario,
        node: str,
        verdict: Verdict,
        mood: int,
        visits: int,
        goto: str,
        reason: str,
        before: Context = EMPTY,
    ) -> None:
        self.nodes.add(node)
        if reason == "resolution":
            self.resolution = True
        elif reason == "transition":
            index = taken_transition(scenario, node, verdict, mood, visits, before)
            if index is not None:
                self.transitions.add((node, index))
        if scenario.ending(goto) is not None:
            self.endings.add(goto)
        else:
            self.nodes.add(goto)


def taken_transition(
    scenario: Scenario,
    node_id: str,
    verdict: Verdict,
    mood: int,
    visits: int,
    before: Context = EMPTY,
) -> int | None:
    """The index of the node's transition that took the reply (as :func:`flow.decide`)."""
    node = scenario.node(node_id)
    if node is None:
        return None
    for i, tr in enumerate(node.transitions):
        if flow.holds(tr.when, verdict, mood, visits, before):
            return i
    return len(node.transitions) - 1


def reach(
    scenario: Scenario, packs: Sequence[RulePack], scripts: Iterable[Sequence[str]] = ()
) -> Reach:
    """Play every example (the first reply at its node) and every script (from the start)."""
    got = Reach(nodes={scenario.start_node})
    scorer = scorer_for(scenario, packs)
    for ex in scenario.examples:
        verdict, context = example_verdict(scorer, ex)
        mood, step = example_step(scenario, ex, verdict, context)
        got.step(
            scenario,
            ex.node or scenario.start_node,
            verdict,
            mood,
            1,
            step.goto,
            step.reason,
            context,
        )
    for replies in scripts:
        session = Session(scenario, packs, seed=0)
        visits: dict[str, int] = {}
        for text in replies:
            if session.ended or not text.strip():
                break
            before = session.context
            turn = session.reply(text).turn
            visits[turn.node] = visits.get(turn.node, 0) + 1
            got.step(
                scenario,
                turn.node,
                turn.verdict,
                turn.mood_after,
                visits[turn.node],
                turn.goto,
                turn.reason,
                before,
            )
    return got


def unreached(scenario: Scenario, got: Reach) -> list[Unreached]:
    out: list[Unreached] = []
    for i, node in enumerate(scenario.nodes):
        if node.id not in got.nodes:
            out.append(Unreached(scenario.id, "node", node.id, ["nodes", i, "id"]))
    for i, node in enumerate(scenario.nodes):
        for j, tr in enumerate(node.transitions):
            if (node.id, j) not in got.transitions:
                out.append(
                    Unreached(
                        scenario.id,
                        "transition",
                        f"{node.id}[{j}] -> {tr.goto}",
                        ["nodes", i, "transitions", j],
                        node.id,
                        tr.goto,
                    )
                )
    if scenario.resolution is not None and not got.resolution:
        out.append(
            Unreached(
                scenario.id,
                "transition",
                f"resolution -> {scenario.resolution.goto}",
                ["resolution"],
                "resolution",
                scenario.resolution.goto,
            )
        )
    for i, ending in enumerate(scenario.endings):
        if ending.id not in got.endings:
            out.append(Unreached(scenario.id, "ending", ending.id, ["endings", i, "id"]))
    return out


# ------------------------------------------------------------------------------ playthroughs


def reply_pool(scenario: Scenario, packs: Sequence[RulePack]) -> list[str]:
    """The replies a playthrough picks from: the scenario's examples, then its rules' and
    its packs' rule examples (each once, in file order)."""
    texts = [ex.reply for ex in scenario.examples]
    for rule in [*scenario.scoring.rules, *(r for p in packs for r in p.rules)]:
        texts += [*rule.examples.fires, *rule.examples.passes]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def playthroughs(
    scenario: Scenario,
    packs: Sequence[RulePack],
    *,
    walks: int = 20,
    seed: int | str = 0,
) -> Playthroughs:
    """Bounded random playthroughs from the scenario's own examples; reports dead ends."""
    pool = reply_pool(scenario, packs)
    endings: dict[str, int] = {}
    visited: list[str] = []
    edges: dict[str, set[str]] = {}
    dead: list[DeadEnd] = []
    if not pool:
        dead.append(DeadEnd(scenario.id, None, "no example reply to play with"))
        return Playthroughs(scenario.id, 0, 0, endings, [n.id for n in scenario.nodes], dead)
    scorer = scorer_for(scenario, packs)
    verdicts = [scorer.score(text) for text in pool]
    probed: set[tuple[str, int, int]] = set()
    for w in range(walks):
        rng = random.Random(f"{seed}:{scenario.id}:{w}")
        session = Session(scenario, packs, seed=f"{seed}:{w}")
        visits: dict[str, int] = {}
        try:
            for _ in range(scenario.max_turns + 1):
                if session.ended:
                    break
                node, mood = session.node, session.mood
                visits[node] = visits.get(node, 0) + 1
                if node not in visited:
                    visited.append(node)
                state = (node, mood, visits[node])
                if state not in probed:
                    probed.add(state)
                    for verdict in verdicts:
                        step = flow.decide(
                            scenario,
                            node,
                            verdict,
                            mood=flow.next_mood(mood, verdict),
                            visits=visits[node],
                            patience_left=_NO_LIMIT,
                            turn=1,
                        )
                        edges.setdefault(node, set()).add(step.goto)
                session.reply(pool[rng.randrange(len(pool))])
        except Exception as exc:  # a crash is the worst dead end: report, do not stop
            dead.append(
                DeadEnd(
                    scenario.id,
                    session.node,
                    f"playthrough {w + 1} failed at node '{session.node}': "
                    f"{type(exc).__name__}: {exc}",
                )
            )
            continue
        ending = session.ending
        if ending is None:
            dead.append(
                DeadEnd(
                    scenario.id,
                    session.node,
                    f"playthrough {w + 1} did not end within {scenario.max_turns + 1} replies",
                )
            )
        else:
            endings[ending.id] = endings.get(ending.id, 0) + 1
    # A node the probes lead to but no walk happened to visit is probed too (at a few
    # moods, first and second visit), so a dead end is never one of the walk's luck.
    queue = [t for outs in list(edges.values()) for t in outs]
    while queue:
        nid = queue.pop()
        if nid in edges or scenario.node(nid) is None:
            continue
        outs = edges.setdefault(nid, set())
        for mood in sorted({0, 50, 100, scenario.customer.mood}):
            for visit in (1, 2):
                for verdict in verdicts:
                    step = flow.decide(
                        scenario,
                        nid,
                        verdict,
                        mood=flow.next_mood(mood, verdict),
                        visits=visit,
                        patience_left=_NO_LIMIT,
                        turn=1,
                    )
                    outs.add(step.goto)
        queue.extend(outs)
    ending_ids = {e.id for e in scenario.endings}
    can_end = set(ending_ids)
    changed = True
    while changed:
        changed = False
        for nid, outs in edges.items():
            if nid not in can_end and outs & can_end:
                can_end.add(nid)
                changed = True
    node_index = {n.id: i for i, n in enumerate(scenario.nodes)}
    for nid in visited:
        if nid not in can_end:
            loops = sorted(edges.get(nid, set()))
            where = "only back to itself" if loops == [nid] else f"only to {', '.join(loops)}"
            dead.append(
                DeadEnd(
                    scenario.id,
                    nid,
                    f"dead end at node '{nid}': the {len(pool)} replies tried there lead "
                    f"{where}, never to an ending; only the customer's patience or the turn "
                    "limit can end the conversation",
                    ["nodes", node_index[nid], "id"],
                )
            )
    unvisited = [n.id for n in scenario.nodes if n.id not in visited]
    return Playthroughs(
        scenario.id, walks, len(pool), dict(sorted(endings.items())), unvisited, dead
    )
