"""Bad input gets a located, clear message and exit code 1; never a hang or a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.model.loader import SourceFile, load_text

BAD = Path(__file__).parent / "data" / "bad"

# file -> (line, column, field path or "", words the message must contain)
CASES = {
    "syntax.yaml": (5, 1, "", "quoted scalar"),
    "unknown_key.yaml": (13, 5, "nodes[0].trasitions", "did you mean 'transitions'"),
    "wrong_type.yaml": (10, 13, "customer.patience", "valid integer"),
    "dangling_goto.yaml": (
        15,
        15,
        "nodes[0].transitions[0].goto",
        "unknown node or ending 'dnoe'; did you mean 'done'",
    ),
    "duplicate_id.yaml": (15, 9, "nodes[1].id", "duplicate id 'start'"),
    "unsafe_regex.yaml": (12, 14, "rules[0].pattern", "lookahead"),
    "ascii_boundary.yaml": (12, 14, "rules[0].pattern", "words: true"),
    "tabs.yaml": (5, 1, "", "tab character"),
    "alias_bomb.yaml": (2, 8, "", "aliases"),
    "empty.yaml": (1, 1, "", "file is empty"),
    "list_root.yaml": (1, 1, "", "found a list"),
    "unreachable.yaml": (15, 9, "nodes[1].id", "cannot be reached"),
    "dead_end.yaml": (17, 9, "nodes[1].id", "no ending can be reached from node 'loop'"),
    "unknown_pack.yaml": (10, 25, "scoring.packs[1]", "did you mean 'concrete-fix-en'"),
    "unknown_rule_in_example.yaml": (
        19,
        13,
        "examples[0].fires[0]",
        "did you mean 'favour-framing'",
    ),
    "duplicate_key.yaml": (4, 1, "title", "duplicate key 'title'"),
    "bad_rule_kind.yaml": (8, 11, "rules[0].kind", "did you mean 'phrase'"),
    "conditional_last.yaml": (
        14,
        9,
        "nodes[0].transitions[0]",
        "last transition must have no 'when'",
    ),
}


def validate(capsys: pytest.CaptureFixture[str], *paths: Path | str) -> tuple[int, str]:
    code = main(["validate", *map(str, paths)])
    return code, capsys.readouterr().out


def test_every_bad_fixture_has_a_case() -> None:
    assert {p.name for p in BAD.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_located(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    line, col, path, words = CASES[name]
    code, out = validate(capsys, BAD / name)
    assert code == 1
    prefix = f"{BAD / name}:{line}:{col}: " if Path(str(BAD / name)).is_absolute() else ""
    expected = f":{line}:{col}: {path + ': ' if path else ''}"
    first = next(ln for ln in out.splitlines() if f":{line}:{col}:" in ln)
    assert name in first and expected in first, out
    assert words in first, out
    del prefix


def test_all_errors_of_a_file_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (BAD / "unknown_key.yaml").read_text().replace("difficulty: easy", "difficulty: trivial")
    f = tmp_path / "two.yaml"
    f.write_text(text)
    code, out = validate(capsys, f)
    assert code == 1
    assert "difficulty" in out and "trasitions" in out


def test_non_utf8_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("kind: scenario\nid: caf\ntitle: Café crème\n".encode("latin-1"))
    code, out = validate(capsys, f)
    assert code == 1
    assert f"{f}:3:11: not valid UTF-8 (byte 0xe9)" in out


def test_fifty_megabytes_is_refused_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("w") as fh:
        fh.write("kind: scenario\nsummary: |\n")
        line = "  " + "x" * 98 + "\n"
        for _ in range(500_000):
            fh.write(line)
    code, out = validate(capsys, f)
    assert code == 1
    assert f"{f}:1:1: file is 50.5 MB; a scenario or rule pack may be at most 1 MB" in out


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_deeply_nested_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], opener: str, closer: str
) -> None:
    f = tmp_path / "deep.yaml"
    depth = 100_000
    f.write_text("kind: scenario\nnodes: " + opener * depth + closer * depth + "\n")
    code, out = validate(capsys, f)
    assert code == 1
    assert "nested more than 64 levels" in out


@pytest.mark.parametrize(
    "tail",
    [
        "title: \"unclosed\n" + " " * 18 + "x\n",  # a quote left open, then a deep indent
        "title: \"unclosed\n" + "[" * 40 + "\n",  # ... then many brackets
        "title: [" + "[" * 40 + "\n",  # brackets never closed
    ],
)
def test_syntax_error_inside_the_depth_guard_is_located(
    tail: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that trips both the nesting pre-check and a syntax error: a located message."""
    f = tmp_path / "broken.yaml"
    f.write_text("kind: scenario\nid: x\n" + tail)
    code, out = validate(capsys, f)
    assert code == 1
    assert f"{f}:" in out and ("YAML syntax error" in out or "nested more than" in out), out


def test_the_parsers_own_nesting_limit_is_our_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever limit a libyaml release enforces, the user reads one located sentence."""
    import yaml

    def parse(*_a: object, **_k: object) -> object:
        mark = yaml.Mark("<unicode string>", 0, 1, 6, None, None)
        raise yaml.scanner.ScannerError(
            "while increasing flow level", mark, "exceeded maximum nesting depth", mark
        )

    monkeypatch.setattr(yaml, "parse", parse)
    monkeypatch.setattr(yaml, "compose", parse)
    f = tmp_path / "deep.yaml"
    f.write_text("kind: scenario\nnodes: " + "[" * 70 + "]" * 70 + "\n")
    code, out = validate(capsys, f)
    assert code == 1
    assert f"{f}:2:7: data is nested more than 64 levels deep" in out, out


def test_control_character_is_located_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "nul.yaml"
    lines = ["kind: scenario", *(f"# comment {i}" for i in range(59)), "title: a\x00b"]
    f.write_text("\n".join(lines) + "\n")
    code, out = validate(capsys, f)
    assert code == 1
    assert f"{f}:61:9: control character U+0000 is not allowed in YAML" in out, out


def test_a_file_the_guard_rejects_does_not_stop_the_library(tmp_path: Path) -> None:
    from simulator.model.library import load_library

    (tmp_path / "bad.yaml").write_text("kind: scenario\nid: x\ntitle: \"unclosed\n" + " " * 18 + "x\n")
    mini = (Path(__file__).parent / "data" / "scenarios" / "mini.yaml").read_text()
    (tmp_path / "good.yaml").write_text(mini.replace("id: mini-en", "id: mini-copy"))
    lib = load_library([tmp_path], user=False)
    assert "mini-copy" in lib.scenarios
    (broken,) = lib.broken
    assert broken.display.endswith("bad.yaml")
    assert all(p.line >= 1 and "syntax" in p.message for p in broken.problems)


def test_deeply_nested_block_style(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "block.yaml"
    f.write_text(
        "kind: scenario\nnodes:\n" + "".join("  " * i + "- \n" for i in range(600)) + "\n"
    )
    code, out = validate(capsys, f)
    assert code == 1
    assert "nested more than 64 levels" in out


def test_bad_input_never_hangs_in_a_fresh_process(tmp_path: Path) -> None:
    """The alias bomb in a subprocess: a hang would hit the timeout, a crash the exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(BAD / "alias_bomb.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    from simulator.model.library import load_library

    (tmp_path / "bad.yaml").write_text("kind: scenario\nid: [unclosed\n")
    mini = (Path(__file__).parent / "data" / "scenarios" / "mini.yaml").read_text()
    (tmp_path / "good.yaml").write_text(mini.replace("id: mini-en", "id: mini-copy"))
    lib = load_library([tmp_path], user=False)
    assert "mini-copy" in lib.scenarios
    assert [f.display.endswith("bad.yaml") for f in lib.broken] == [True]


def test_duplicate_scenario_ids_across_sources(tmp_path: Path) -> None:
    from simulator.model.library import load_library

    mini = (Path(__file__).parent / "data" / "scenarios" / "mini.yaml").read_text()
    (tmp_path / "a.yaml").write_text(mini)
    (tmp_path / "b.yaml").write_text(mini)
    lib = load_library([tmp_path], user=False)
    messages = [str(p) for p in lib.problems()]
    assert any("duplicate scenario id 'mini-en' (also in" in m for m in messages), messages
    assert "mini-en" in lib.scenarios  # the first one still loads


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--format", "json", str(BAD / "dangling_goto.yaml")])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False
    (problem,) = data["problems"]
    assert (problem["line"], problem["column"]) == (15, 15)
    assert problem["path"] == "nodes[0].transitions[0].goto"


def test_validate_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_loader_never_raises_on_any_bytes(raw: bytes) -> None:
    src = load_text(raw, SourceFile(path=Path("x.yaml"), origin="extra", display="x.yaml"))
    assert src.ok or src.problems
    for p in src.problems:
        assert p.line >= 1 and p.column >= 1 and p.message


yaml_text = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(yaml_text)
def test_loader_never_raises_on_any_structure(data: object) -> None:
    import yaml

    raw = yaml.safe_dump({"kind": "scenario", "nodes": data}).encode()
    src = load_text(raw, SourceFile(path=Path("x.yaml"), origin="extra", display="x.yaml"))
    assert src.problems  # never a valid scenario, always located problems
    assert all(p.line >= 1 for p in src.problems)


BUILTIN_IDS = {
    f"{story}-{lang}"
    for story in ("hotel-ac", "supermarket-return", "b2b-consultant", "agency-deadline")
    for lang in ("en", "fr")
}


def test_builtin_library_is_valid_and_complete(library) -> None:
    assert [str(p) for p in library.problems()] == []
    assert set(library.scenarios) >= BUILTIN_IDS
    for sid in BUILTIN_IDS:
        assert library.scenarios[sid].language == sid[-2:]


# ------------------------------------------------------------------ pack folders

PACK_HEAD = """kind: rule_pack
id: folder-en
language: en
version: "1"
title: A pack folder
lexicons:
  rule_noun: [policy, terms, regulation]
"""

FAMILY = """kind: rule_family
id: {fid}
title: A family
rules:
  - id: {rid}
    kind: phrase
    category: last_word
    weight: -30
    description: A rule noun refuses.
    message: "{{match}} hides behind a rule."
    phrases:
      - "the {{rule_noun}} says no"
      - "{phrase}"
    examples:
      fires: ["The regulation says no."]
      passes: ["{passes}"]
"""


def pack_folder(tmp_path: Path, **families: dict[str, str]) -> Path:
    folder = tmp_path / "mypack"
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK_HEAD)
    for name, kw in families.items():
        values = {"fid": name, "rid": f"{name}-rule", "phrase": "no way", "passes": "I'll fix it."}
        values.update(kw)
        (folder / f"{name}.yaml").write_text(FAMILY.format(**values))
    return folder


def test_a_pack_folder_is_one_pack_with_the_rules_of_every_family(tmp_path: Path) -> None:
    from simulator.model.library import load_library

    folder = pack_folder(tmp_path, alpha={}, beta={})
    lib = load_library([folder], builtin=False, user=False)
    assert lib.problems() == []
    pack = lib.packs["folder-en"]
    assert [r.id for r in pack.rules] == ["alpha-rule", "beta-rule"]
    assert len(lib.files) == 1 and lib.files[0].kind == "rule_pack"


def test_an_error_in_a_family_file_is_located_in_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pack_folder(tmp_path, alpha={}, beta={"phrase": "{rule_nuon} forbids"})
    code, out = validate(capsys, folder)
    assert code == 1
    # line 13 of beta.yaml holds the second phrase; the column is the phrase's
    assert f"{folder / 'beta.yaml'}:13:9: rules[0].phrases[1]: unknown lexicon '{{rule_nuon}}'" in out
    assert "did you mean 'rule_noun'" in out
    # the folder, or the family file alone, is validated the same
    code, out2 = validate(capsys, folder / "beta.yaml")
    assert code == 1 and "beta.yaml:13:9" in out2


def test_a_rule_id_twice_in_a_folder_is_reported_where_it_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pack_folder(tmp_path, alpha={"rid": "same"}, beta={"rid": "same"})
    code, out = validate(capsys, folder)
    assert code == 1 and f"{folder / 'beta.yaml'}:5:9: rules[0].id: duplicate rule id 'same'" in out


def test_a_failing_example_is_located_in_its_family_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pack_folder(tmp_path, alpha={}, beta={"passes": "The policy says no."})
    code = main(["test", str(folder)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{folder / 'beta.yaml'}:16:16" in out and "expected rule 'beta-rule' not to fire" in out
    assert "1 failed, 3 passed" in out


def test_a_family_file_outside_a_pack_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "stray.yaml"
    f.write_text(FAMILY.format(fid="x", rid="x-rule", phrase="no", passes="ok"))
    code, out = validate(capsys, f)
    assert code == 1 and "stray.yaml:1:7: kind: a rule family belongs in a pack folder" in out


def test_a_scenario_beside_a_pack_yaml_is_still_a_scenario(tmp_path: Path) -> None:
    """Only rule_family files are a pack folder's: a folder that holds a one-file pack
    named pack.yaml and scenarios keeps loading them all."""
    from simulator.model.library import load_library

    folder = pack_folder(tmp_path, alpha={})
    (folder / "odd.yaml").write_text("kind: scenario\nid: odd\n")
    lib = load_library([folder], builtin=False, user=False)
    kinds = sorted((f.kind or "", f.display.rsplit("/", 1)[-1]) for f in lib.files)
    assert kinds == [("rule_pack", "pack.yaml"), ("scenario", "odd.yaml")]
    assert [r.id for r in lib.packs["folder-en"].rules] == ["alpha-rule"]
    odd = next(f for f in lib.files if f.kind == "scenario")
    assert any("missing required key" in p.message for p in odd.problems)
