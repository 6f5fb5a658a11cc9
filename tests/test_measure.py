"""Measuring verdicts: kappa and confusion counts in ``eval``, ``--by``, ``--against``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.cli import main
from simulator.engine.agreement import Confusion

DATA = Path(__file__).parent / "data" / "measure"
A = str(DATA / "trainer-a.jsonl")
B = str(DATA / "trainer-b.jsonl")
BY_SOURCE = str(DATA / "by-source.jsonl")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code, out, _ = run(capsys, *args, "--format", "json")
    return code, json.loads(out)


# ---------------------------------------------------------------- kappa, known values


@pytest.mark.parametrize(
    ("both_yes", "a_only", "b_only", "both_no", "kappa", "agreement"),
    [
        # Worked examples of Cohen's kappa (as in Wikipedia's "Cohen's kappa" article):
        (20, 5, 10, 15, 0.4, 0.7),  # 50 grant proposals, two readers
        (45, 15, 25, 15, 0.1304, 0.6),  # same agreement, different marginals...
        (25, 35, 5, 35, 0.2593, 0.6),  # ...give different kappas
        (10, 0, 0, 30, 1.0, 1.0),  # perfect agreement
        (0, 10, 10, 0, -1.0, 0.0),  # perfect disagreement, balanced
        (25, 25, 25, 25, 0.0, 0.5),  # chance level
    ],
)
def test_kappa_matches_worked_examples(
    both_yes: int, a_only: int, b_only: int, both_no: int, kappa: float, agreement: float
) -> None:
    c = Confusion(tp=both_yes, fn=a_only, fp=b_only, tn=both_no)
    assert c.kappa == pytest.approx(kappa, abs=1e-4)
    assert c.agreement == pytest.approx(agreement)


def test_kappa_is_undefined_when_both_sides_never_vary() -> None:
    assert Confusion(tn=12).kappa is None
    assert Confusion(tp=3).kappa is None
    assert Confusion().kappa is None and Confusion().agreement is None


counts = st.integers(min_value=0, max_value=200)


@given(counts, counts, counts, counts)
def test_kappa_properties(tp: int, fp: int, fn: int, tn: int) -> None:
    c = Confusion(tp=tp, fp=fp, fn=fn, tn=tn)
    k = c.kappa
    # the raters' roles swapped, or every answer flipped, leave kappa unchanged
    swapped = Confusion(tp=tp, fp=fn, fn=fp, tn=tn).kappa
    flipped = Confusion(tp=tn, fp=fn, fn=fp, tn=tp).kappa
    if k is None:
        assert swapped is None and flipped is None
        return
    assert -1.0 - 1e-9 <= k <= 1.0 + 1e-9
    assert swapped == pytest.approx(k) and flipped == pytest.approx(k)
    assert (k == pytest.approx(1.0)) == (fp == 0 and fn == 0)


def test_kappa_through_the_command_line_on_a_known_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two labellers, 50 replies, the first worked example: kappa 0.4, agreement 0.7.
    cells = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10
    cells += [(False, False)] * 15
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    with a.open("w") as fa, b.open("w") as fb:
        for i, (x, y) in enumerate(cells):
            row = {"id": f"r{i}", "lang": "en", "reply": f"Reply number {i}."}
            fa.write(json.dumps({**row, "last_word": x}) + "\n")
            fb.write(json.dumps({**row, "last_word": y}) + "\n")
    code, data = run_json(capsys, "eval", str(a), "--against", str(b))
    assert code == 0
    m = data["labels"]["last_word"]
    assert m["kappa"] == pytest.approx(0.4) and m["agreement"] == pytest.approx(0.7)
    assert m["confusion"] == {
        "a_true": {"b_true": 20, "b_false": 5},
        "a_false": {"b_true": 10, "b_false": 15},
    }
    assert len(data["disagreements"]) == 15 and set(data["labels"]) == {"last_word"}


# ---------------------------------------------------------------- eval: kappa, counts, --by


def test_eval_json_keeps_its_keys_and_adds_kappa_and_counts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = run_json(capsys, "eval", BY_SOURCE, "--lang", "en")
    assert code == 0 and data["replies"] == 6
    for label, m in data["labels"].items():
        assert {"precision", "recall", "f1", "support", "kappa", "tp", "fp", "fn", "tn"} <= set(m)
        assert m["tp"] + m["fp"] + m["fn"] + m["tn"] == 6
        assert m["support"] == m["tp"] + m["fn"]
        c = Confusion(tp=m["tp"], fp=m["fp"], fn=m["fn"], tn=m["tn"])
        assert m["kappa"] == (None if c.kappa is None else round(c.kappa, 4)), label
    # the file labels 3 English replies last-word; "You're lucky..." is one the packs catch
    assert data["labels"]["last_word"]["support"] == 3
    assert data["labels"]["last_word"]["tp"] >= 1


def test_eval_text_shows_kappa_and_confusion_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", BY_SOURCE, "--lang", "en")
    header = next(line for line in out.splitlines() if line.startswith("label"))
    assert code == 0 and header.split() == [
        "label",
        "precision",
        "recall",
        "f1",
        "kappa",
        "support",
        "tp",
        "fp",
        "fn",
        "tn",
    ]


def test_eval_by_field_splits_the_figures_per_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "eval", BY_SOURCE, "--by", "source")
    assert code == 0 and data["by"]["field"] == "source"
    groups = data["by"]["groups"]
    # the French line is a ferry reply too; one English line has no source
    assert {k: g["replies"] for k, g in groups.items()} == {
        "(missing)": 1,
        "bakery": 2,
        "ferry": 4,
    }
    for label, whole in data["labels"].items():
        for cell in ("tp", "fp", "fn", "tn"):
            assert whole[cell] == sum(g["labels"][label][cell] for g in groups.values())
    assert all(e["group"] in groups for e in data["errors"])


def test_eval_by_with_lang_and_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", BY_SOURCE, "--by", "source", "--lang", "fr")
    assert code == 0
    assert "source = ferry (1 replies)" in out and "bakery" not in out


def test_eval_by_a_field_no_line_has(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "eval", BY_SOURCE, "--by", "setting")
    assert code == 0 and list(data["by"]["groups"]) == ["(missing)"]
    assert data["by"]["groups"]["(missing)"]["labels"] == data["labels"]


# ---------------------------------------------------------------- --against


def test_against_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "eval", A, "--against", B)
    assert code == 0
    assert data["matched_by"] == "id" and data["replies"] == 4
    assert data["labels"]["last_word"]["agreement"] == 0.75
    assert data["labels"]["acknowledges"]["kappa"] == 1.0
    # A: last_word on f-1, f-3; B on f-1 only -> tp 1, fn 1, fp 0, tn 2: kappa 0.5
    assert data["labels"]["last_word"]["kappa"] == 0.5
    assert data["exact_agreement"] == 0.5
    assert [(d["id"], d["labels"]) for d in data["disagreements"]] == [
        ("f-3", {"last_word": {"a": True, "b": False}}),
        ("f-4", {"concrete_fix": {"a": True, "b": False}}),
    ]
    assert [r["id"] for r in data["only_in_a"]] == ["f-5"]
    assert [(r["id"], r["line"]) for r in data["only_in_b"]] == [("f-6", 6)]


def test_against_text_lists_the_disagreements_to_settle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "eval", A, "--against", B)
    assert code == 0
    assert "4 replies in both (matched by id)" in out
    assert "Disagreements to settle (2):" in out
    assert "id f-3, A line 4, B line 4: last_word: A true, B false" in out
    assert "Only in A" in out and "line 6 id f-5: Thanks for your message." in out
    assert "Only in B" in out and "We will look into it." in out


def test_against_matches_by_reply_text_without_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [json.loads(line) for line in Path(B).read_text().splitlines()[1:]]
    b = tmp_path / "b.jsonl"
    # no ids, other order, other spacing: still the same replies
    b.write_text(
        "".join(
            json.dumps({k: v for k, v in r.items() if k != "id"} | {"reply": "  " + r["reply"]})
            + "\n"
            for r in reversed(rows)
        )
    )
    code, data = run_json(capsys, "eval", A, "--against", str(b))
    assert code == 0 and data["matched_by"] == "reply" and data["replies"] == 4
    assert {d["reply"] for d in data["disagreements"]} == {
        "Boarding closes twenty minutes before departure, as the terms say.",
        "The cabin was not clean, that's on us. Someone is on the way to clean it now.",
    }
    assert data["only_in_b"][0]["line"] == 1  # f-6, now the first line


def test_against_bad_lines_duplicates_and_changed_replies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = Path(B).read_text().splitlines()
    f2 = json.loads(lines[2])
    f2["reply"] = "Something else entirely."
    b = tmp_path / "b.jsonl"
    b.write_text("\n".join([lines[1], json.dumps(f2), "{oops", lines[1], '{"reply": 3}']) + "\n")
    code, out, err = run(capsys, "eval", A, "--against", str(b))
    assert code == 1
    assert f"{b}:3:2: not valid JSON" in err
    assert f"{b}:4:1: 'f-1' is also on line 1" in err
    assert f"{b}:5:1: expected an object with a string 'reply'" in err
    assert "id 'f-2': the reply differs" in err
    assert "2 replies in both" in out


def test_against_with_nothing_in_common(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = tmp_path / "b.jsonl"
    b.write_text('{"id": "zz", "lang": "en", "reply": "Other.", "last_word": false}\n')
    code, _out, err = run(capsys, "eval", A, "--against", str(b))
    assert code == 1 and "nothing to compare" in err
    code, data = run_json(capsys, "eval", A, "--against", str(b))
    assert code == 1 and data["replies"] == 0 and len(data["only_in_a"]) == 5


def test_against_a_missing_file_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "eval", A, "--against", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "nope.jsonl: cannot read" in err


def test_against_by_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "eval", A, "--against", B, "--by", "source")
    groups = data["by"]["groups"]
    assert code == 0 and set(groups) == {"ferry", "port"}
    assert groups["port"]["labels"]["concrete_fix"]["agreement"] == 0.0
    assert groups["ferry"]["labels"]["concrete_fix"]["kappa"] == 1.0


# ---------------------------------------------------------------- bench/bench_eval.py


def _bench():
    import importlib.util

    path = Path(__file__).parents[1] / "bench" / "bench_eval.py"
    spec = importlib.util.spec_from_file_location("bench_eval", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_splits_real_replies_by_source_and_skips_absent_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = _bench()
    monkeypatch.setattr(
        bench,
        "SETS",
        {"real-train": Path(BY_SOURCE), "heldout-6 (sealed, fresh)": tmp_path / "absent.jsonl"},
    )
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "absent.jsonl not found, skipped" in out
    summary = json.loads(out.splitlines()[-1])
    ferry = summary["real-train ferry (unseen source)"]
    assert set(ferry) >= {"en.last_word", "fr.last_word"}
    assert {"precision", "recall", "kappa"} == set(ferry["en.last_word"])
    assert "real-train bakery (unseen source)" in summary
    assert "real-train (missing) (unseen source)" in summary
    # figures only, never the replies of a measured set
    assert "You're lucky" not in out


def test_a_kappa_of_zero_is_never_shown_negative(capsys: pytest.CaptureFixture[str]) -> None:
    # reference true once in three, other side never: p_o == p_e, kappa 0 (not -0.0)
    c = Confusion(fn=1, tn=2)
    assert c.metrics()["kappa"] == 0.0 and str(c.metrics()["kappa"]) == "0.0"
    from simulator.engine.agreement import fmt

    assert fmt(c.kappa, 6) == "  0.00"


def test_against_only_compares_labels_both_files_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(
        '{"id": 1, "lang": "en", "reply": "One.", "last_word": true}\n'
        '{"id": 2, "lang": "en", "reply": "Two.", "last_word": false, "acknowledges": true}\n'
    )
    b.write_text(
        '{"id": 1, "lang": "en", "reply": "One.", "acknowledges": false}\n'
        '{"id": 2, "lang": "en", "reply": "Two.", "last_word": true, "acknowledges": true}\n'
    )
    code, data = run_json(capsys, "eval", str(a), "--against", str(b))
    assert code == 0 and data["replies"] == 2
    # reply 1 has no label in both files: it is neither an agreement nor a disagreement
    assert data["exact_agreement"] == 0.0
    assert data["labels"]["last_word"]["replies"] == 1
    assert data["labels"]["acknowledges"]["replies"] == 1
    assert [d["id"] for d in data["disagreements"]] == [2]
    b.write_text('{"id": 1, "lang": "en", "reply": "One.", "acknowledges": false}\n')
    code, out, _ = run(capsys, "eval", str(a), "--against", str(b))
    assert code == 0 and "no label is given in both files" in out


label_value = st.one_of(st.none(), st.booleans())  # None: the file does not give it
labelled_row = st.fixed_dictionaries(
    {"last_word": label_value, "concrete_fix": label_value, "acknowledges": label_value}
)


def _rows(labels: list[dict], ids: list[int]) -> list[dict]:
    rows = []
    for line, (i, lab) in enumerate(zip(ids, labels, strict=True), start=1):
        row = {"id": f"r{i}", "lang": "en", "reply": f"Reply {i}.", "_line": line}
        rows.append(row | {k: v for k, v in lab.items() if v is not None})
    return rows


@given(
    st.lists(st.tuples(labelled_row, labelled_row), max_size=30),
    st.sets(st.integers(0, 40), max_size=10),
)
def test_compare_is_consistent_and_symmetric(pairs: list, extra_b: set[int]) -> None:
    from simulator.cli.calibrate import compare

    a = _rows([p[0] for p in pairs], list(range(len(pairs))))
    only_b = sorted(i + 100 for i in extra_b)
    b = _rows([p[1] for p in pairs] + [{}] * len(only_b), list(range(len(pairs))) + only_b)
    ab, ba = compare(a, b), compare(b, a)
    assert ab["replies"] == ba["replies"] == len(pairs)
    assert [r["id"] for r in ab["only_in_b"]] == [f"r{i}" for i in only_b]
    assert ab["only_in_a"] == []
    for label in ("last_word", "concrete_fix", "acknowledges"):
        shared = [(x[label], y[label]) for x, y in pairs if None not in (x[label], y[label])]
        if not shared:
            assert label not in ab["labels"]
            continue
        m, n = ab["labels"][label], ba["labels"][label]
        assert m["replies"] == len(shared)
        assert m["agreement"] == round(sum(x == y for x, y in shared) / len(shared), 4)
        assert m["kappa"] == n["kappa"] and m["agreement"] == n["agreement"]
        assert m["confusion"]["a_true"]["b_false"] == n["confusion"]["a_false"]["b_true"]
        differ = sum(x != y for x, y in shared)
        assert differ == sum(label in d["labels"] for d in ab["disagreements"])
