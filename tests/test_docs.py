"""The documentation stays true: its example is valid and every field is described."""

from __future__ import annotations

import re
from pathlib import Path

from simulator.cli import main
from simulator.model import schema

DOCS = Path(__file__).parents[1] / "docs"


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_annotated_example_validates_and_its_examples_pass(tmp_path: Path, capsys) -> None:
    text = (DOCS / "scenario-format.md").read_text()
    example = next(b for b in _yaml_blocks(text) if "kind: scenario" in b)
    f = tmp_path / "cold-soup.yaml"
    f.write_text(example)
    assert main(["validate", str(f)]) == 0, capsys.readouterr().out
    assert main(["test", str(f)]) == 0, capsys.readouterr().out


def test_every_field_is_documented() -> None:
    text = (DOCS / "scenario-format.md").read_text()
    models = [
        schema.Scenario, schema.Customer, schema.Scoring, schema.Node, schema.Transition,
        schema.Condition, schema.Ending, schema.Resolution, schema.Example, schema.ScoreRange,
        schema.RulePack, schema.CategoryInfo, schema.PhraseRule, schema.RegexRule,
        schema.CooccurRule, schema.CooccurPart, schema.AbsenceRule, schema.OccurrenceRule,
        schema.QuestionRule, schema.RuleExamples, schema.RuleFamily, schema.Level,
        schema.Variant,
    ]
    missing = [
        f"{m.__name__}.{name}" for m in models for name in m.model_fields if f"`{name}`" not in text
    ]
    assert missing == []
