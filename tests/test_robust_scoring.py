"""Nothing a trainer's rule or a reply can hold hangs or crashes scoring.

Phrase patterns run in RE2 (linear time) and rules are bounded at load (docs/limits.md);
a reply may hold any str, lone surrogates included.
"""

from __future__ import annotations

import io
import json
import re
import select
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.model import limits
from simulator.model.loader import SourceFile, load_text
from simulator.scoring import Scorer, scorer_for
from simulator.scoring import phrases as ph
from simulator.scoring.reply import Reply
from simulator.scoring.scorer import rule_set

DATA = Path(__file__).parent / "data"
MINI = ["--scenarios", str(DATA / "scenarios")]


def pack_yaml(rules: list[dict], language: str = "en") -> bytes:
    doc = {
        "kind": "rule_pack",
        "id": f"fuzz-{language}",
        "language": language,
        "version": "1",
        "title": "Fuzz",
        "categories": {"last_word": {"label": "Last word", "cap": 40}},
        "rules": rules,
    }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


def phrase_rule(phrases: list[str], max_gap: int = 0, rid: str = "r") -> dict:
    return {
        "id": rid,
        "kind": "phrase",
        "category": "last_word",
        "weight": -10,
        "level": "warning",
        "message": "m {match}",
        "max_gap": max_gap,
        "phrases": phrases,
    }


def load(raw: bytes) -> SourceFile:
    return load_text(raw, SourceFile(path=Path("pack.yaml"), origin="extra", display="pack.yaml"))


# ---------------------------------------------------------------- item 2: no hang


def test_the_reported_wildcard_phrase_is_refused_at_load_with_its_place() -> None:
    raw = pack_yaml([phrase_rule([" ".join(["*"] * 30)], max_gap=5)])
    src = load(raw)
    assert not src.ok
    (p,) = src.problems
    line = next(n for n, text in enumerate(raw.decode().splitlines(), 1) if "* * *" in text)
    assert (p.line, p.column) == (line, 5), str(p)  # the phrase's own line and column
    assert "30 `*` wildcards" in p.message and str(limits.MAX_WILDCARDS) in p.message


# The scorer runs in a worker process that answers one line per case: a case that does
# not finish within the bound (a hang) fails the test instead of stalling the suite.
_WORKER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from simulator.model.loader import SourceFile, load_text
    from simulator.scoring.scorer import Scorer, rule_set
    for line in sys.stdin:
        case = json.loads(line)
        src = load_text(case["yaml"].encode(), SourceFile(Path("p.yaml"), "extra", "p.yaml"))
        if not src.ok:
            out = {"refused": [[p.line, p.column, p.message] for p in src.problems]}
        else:
            rules, cats = rule_set([src.model])
            scorer = Scorer(rules, src.model.language, cats)
            out = {"scores": [scorer.score(r).score for r in case["replies"]]}
        print(json.dumps(out), flush=True)
    """
)
BOUND_S = 20.0  # per case: compiling one rule and scoring a few replies takes well under 1 s


class Worker:
    """The worker process, started again after a case that hung (and was killed)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def ask(self, case: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).parents[1],
            )
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(case) + "\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], BOUND_S)
        if not ready:
            self.close()
            pytest.fail(f"scoring did not finish within {BOUND_S} s: {case}")
        line = proc.stdout.readline()
        assert line, "the worker died"
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


WORDS = ["a", "you", "lucky", "don't", "can't", "été", "x-y", "*", "%", "€", "10"]
phrase_st = st.lists(st.sampled_from(WORDS), min_size=1, max_size=40).map(" ".join)
# Replies made of the same words: the ones that come closest to matching cost the most.
reply_st = st.lists(
    st.sampled_from([*WORDS[:-4], "!", ",", "a", "a", "  ", "\n"]), max_size=400
).map(" ".join)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    phrases=st.lists(phrase_st, min_size=1, max_size=4),
    max_gap=st.integers(0, 5),
    replies=st.lists(reply_st, min_size=1, max_size=3),
    stars=st.integers(0, 40),
)
def test_any_phrase_rule_is_refused_at_load_or_scores_in_bounded_time(
    worker: Worker, phrases: list[str], max_gap: int, replies: list[str], stars: int
) -> None:
    # one phrase all wildcards, and the reply that makes a backtracking engine try every
    # way to place them: one word too few
    phrases = [*phrases, " ".join(["*"] * max(1, stars))]
    replies = [*replies, "a " * max(0, stars - 1) + "!"]
    case = {"yaml": pack_yaml([phrase_rule(phrases, max_gap)]).decode(), "replies": replies}
    got = worker.ask(case)
    if "refused" in got:
        assert all(line >= 1 and col >= 1 for line, col, _ in got["refused"])
        assert any("wildcards" in m for *_, m in got["refused"]), got
    else:
        assert len(got["scores"]) == len(replies)


@settings(max_examples=300, deadline=None)
@given(
    phrase=st.lists(
        st.sampled_from(["a", "you", "lucky", "don't", "été", "x-y", "*", "%", "l'a"]),
        min_size=1,
        max_size=5,
    ).map(" ".join),
    max_gap=st.integers(0, 2),
    accents=st.booleans(),
    language=st.sampled_from(["en", "fr"]),
    text=st.lists(
        st.sampled_from(
            [
                "a",
                "you",
                "lucky",
                "don't",
                "dont",
                "do not",
                "ete",
                "été",
                "x y",
                "x-y",
                "%",
                "l'a",
                "la",
                ",",
                ";",
                " ",
                "\x1c",
                "\u00a0",
                "b",
                "é",
            ]
        ),
        max_size=14,
    ).map(lambda ws: " ".join(ws)),
)
def test_exact_phrase_spans_are_those_of_the_backtracking_pattern(
    phrase: str, max_gap: int, accents: bool, language: str, text: str
) -> None:
    """RE2 finds what Python's ``re`` found with the same pattern: same spans, leftmost
    first, Unicode \\w and \\s (only the engine changed, not what a rule matches)."""
    body = ph.body(phrase, language, ph.PY, max_gap=max_gap, accents=accents)
    assert ph.find_words(body, text) == _find_words_re(re.compile(body), text)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("mon coeur est brise", True),
        ("« mon coeur est brise », 12 €", True),  # (guillemets and € are not words)
        ("mon cœur est brisé", False),
        ("mon coeur\u00a0est brise", False),  # (a space RE2's ASCII \s does not know)
    ],
)
def test_a_wildcard_word_is_found_whatever_letters_or_spaces_the_text_holds(
    text: str, plain: bool
) -> None:
    """Text whose word and space characters are all ASCII is searched with the pattern's
    ASCII form; any other text with the Unicode one: "cœur" is still one word."""
    assert ph.plain(text) is plain
    body = ph.body("mon * est", "fr", ph.PY)
    assert ph.find_words(body, text) == _find_words_re(re.compile(body), text) != []


def _find_words_re(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """find_words as it was with Python's ``re``."""
    out: list[tuple[int, int]] = []
    pos = 0
    while len(out) < 200:
        m = pattern.search(text, pos)
        if m is None:
            break
        s, e = m.span()
        pos = s + 1
        if e == s or (s and ph.wordchar(text[s - 1])):
            continue
        if not _ends_word(text, e):
            # the longest shorter match from s that ends on a word boundary, if any
            shorter = (
                j
                for j in range(e - 1, s, -1)
                if (ph.wordchar(text[j - 1]) or text[j - 1] == "'")
                and _ends_word(text, j)
                and pattern.fullmatch(text, s, j)
            )
            e = next(shorter, -1)
            if e < 0:
                continue
        out.append((s, e))
        pos = e
    return out


def _ends_word(text: str, e: int) -> bool:
    n = len(text)
    if e >= n or text[e - 1] == "'":
        return True
    return not (
        ph.wordchar(text[e]) or (text[e] == "'" and e + 1 < n and ph.wordchar(text[e + 1]))
    )


def test_a_match_that_runs_into_a_word_gives_way_to_a_shorter_one() -> None:
    """With a gap, the preferred match may take one word too many and end inside the
    next ("does not allow permit|s"): the phrase still matches where it ends on a word."""
    body = ph.body("the system does not (allow|permit)", "en", ph.PY, max_gap=1)
    text = "the system does not allow permits to be backdated"
    assert ph.find_words(body, text) == [(0, len("the system does not allow"))]
    assert ph.find_words(body, "the system does not permits") == []


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    phrase=st.lists(
        st.sampled_from(
            ["we", "will", "(i|we) will", "(we|)", "we'll", "can't", "not", "été", "x-y", "*", "%"]
        ),
        min_size=1,
        max_size=4,
    ).map(" ".join),
    language=st.sampled_from(["en", "fr"]),
    accents=st.booleans(),
    text=st.lists(
        st.sampled_from(
            [
                "we",
                "will",
                "we'll",
                "i",
                "i'll",
                "can't",
                "cannot",
                "can not",
                "not",
                "ete",
                "été",
                "x y",
                "x-y",
                "xy",
                "%",
                ",",
                "\x1c",
                "b",
            ]
        ),
        max_size=10,
    ).map(" ".join),
)
def test_a_phrase_in_the_reply_fires_its_rule_though_only_phrases_whose_anchor_is_there_are_searched(
    phrase: str, language: str, accents: bool, text: str
) -> None:
    """The scorer searches a phrase only when the reply holds its anchor (a word every
    match holds), in a set of the phrases that share that word: it still fires on every
    reply where the phrase's exact pattern finds words."""
    try:
        exact = ph.body(phrase, language, ph.PY, accents=accents)
    except ValueError:
        return  # (a phrase that can match nothing: the loader refuses it)
    rule = phrase_rule([phrase]) | {"unless_negated": False, "accent_insensitive": accents}
    src = load(pack_yaml([rule], language))
    if not src.ok:
        return
    rules, cats = rule_set([src.model])
    scorer = Scorer(rules, language, cats)
    found = ph.find_words(exact, Reply(text, language).text)
    assert ("r" in scorer.score(text).fired_rules) == bool(found), (phrase, text, found)


# ---------------------------------------------------------------- item 3: big sets


def test_a_rule_of_20000_phrases_is_refused_at_load_with_its_place() -> None:
    many = [f"word{i} other{i}" for i in range(20_000)]
    src = load(pack_yaml([phrase_rule(["you're lucky"], rid="ok"), phrase_rule(many, rid="big")]))
    assert not src.ok
    (p,) = src.problems
    assert p.path == "rules[1]" and p.line > 1 and p.column >= 1, str(p)
    assert "20,000 phrases" in p.message and f"{limits.MAX_PHRASES_PER_RULE:,}" in p.message


@pytest.mark.slow
def test_packs_too_big_for_one_set_still_score() -> None:
    """Rules within the limits can add up past RE2's budget for one set of all their
    patterns: the scorer still scores, and every rule is still found."""
    per = limits.MAX_PHRASES_PER_RULE
    packs = []
    for k in range(3):  # (a file may hold 1 MB: three packs of four full rules)
        rules = [
            phrase_rule(
                [f"w{r}x{i} longer{i} phrase{i} words{i}" for i in range(per)], rid=f"big{r}"
            )
            for r in range(4 * k, 4 * k + 4)
        ]
        raw = pack_yaml(rules).replace(b"fuzz-en", f"big{k}-en".encode())
        src = load(raw)
        assert src.ok, src.problems[:3]
        packs.append(src.model)
    src = load(pack_yaml([phrase_rule(["you're lucky"], rid="lucky")]))
    rules, cats = rule_set([*packs, src.model])
    scorer = Scorer(rules, "en", cats)
    v = scorer.score(
        "You're lucky: w11x1999 longer1999 phrase1999 words1999, and w0x0 longer0 phrase0 words0."
    )
    assert {"lucky", "big11", "big0"} <= set(v.fired_rules)
    assert "big5" not in v.fired_rules


# ---------------------------------------------------------------- item 4: surrogates

any_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
    max_size=300,
)
texty = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "you're lucky",
                "I'll refund you now",
                "sorry",
                "é",
                "\ud800",
                "\udfff",
                "\udcff",
                "ﬁ",
                "ß",
                " ",
                "\n",
                "'",
                "policy",
            ]
        ),
        any_text,
    ),
    max_size=8,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(any_text, texty))
def test_the_scorer_never_raises_on_any_str(library, text: str) -> None:
    for lang in ("en", "fr"):
        v = scorer_for(None, library.packs_for_language(lang), lang).score(text)
        json.dumps(v.to_dict(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8
        for hit in v.hits:
            for span in hit.spans:
                assert span.text.encode("utf-8") is not None


def test_a_lone_surrogate_is_replaced_and_the_rest_still_scored(library) -> None:
    v = scorer_for(None, library.packs_for_language("en"), "en").score(
        "You're lucky \ud800 we do this."
    )
    assert "\ufffd" in v.reply and "\ud800" not in v.reply
    assert any(h.category == "last_word" for h in v.hits)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_score_refuses_undecodable_bytes_in_its_argument(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # what Python makes of the bytes 0xff 0xfe on a command line (surrogateescape)
    reply = b"you are lucky \xff\xfe".decode("utf-8", "surrogateescape")
    code, _out, err = run(capsys, "score", reply)
    assert code == 2 and "not valid UTF-8" in err and "Traceback" not in err


def test_score_refuses_undecodable_bytes_on_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok\nyou are lucky \xff\n")))
    code, _out, err = run(capsys, "score")
    assert code == 2 and "standard input, line 2: not valid UTF-8" in err


def test_score_on_stdin_real_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "score"],
        input=b"you are lucky \xed\xa0\x80",  # a surrogate written as UTF-8 bytes
        capture_output=True,
        cwd=Path(__file__).parents[1],
    )
    assert proc.returncode == 2 and b"not valid UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_eval_locates_a_surrogate_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "labelled.jsonl"
    f.write_text(
        '{"reply": "sorry, I will refund you", "lang": "en", "concrete_fix": true}\n'
        '{"reply": "you are lucky \\ud800", "lang": "en", "last_word": true}\n'
    )
    code, out, err = run(capsys, "eval", str(f))
    assert code == 1 and "1 labelled replies" in out
    assert f"{f}:2:26: the reply holds an escape such as \\ud800" in err


def test_replay_of_a_transcript_with_a_surrogate_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.txt"
    script.write_text("I'm so sorry, I'll bring you a fresh soup right now.\n")
    transcript = tmp_path / "t.jsonl"
    code, *_ = run(
        capsys,
        *MINI,
        "play",
        "--scenario",
        "mini-en",
        "--script",
        str(script),
        "--transcript",
        str(transcript),
    )
    assert code == 0
    lines = []
    for line in transcript.read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "reply":
            event["text"] += " You're lucky \ud800."
        lines.append(json.dumps(event))  # (json writes the surrogate as \ud800)
    transcript.write_text("\n".join(lines) + "\n")
    assert "\\ud800" in transcript.read_text()
    code, out, err = run(capsys, *MINI, "replay", str(transcript))
    assert code == 0 and "favour-framing now fires" in out, err
    code, out, err = run(capsys, *MINI, "replay", str(transcript), "--format", "json")
    assert code == 0 and "\ufffd" in out and "\ud800" not in out, err
    out.encode("utf-8")


def test_a_session_records_what_it_scored(mini, tmp_path: Path) -> None:
    from simulator.engine.session import Session

    sc, packs = mini
    log = tmp_path / "t.jsonl"
    s = Session(sc, packs, transcript=log)
    s.reply("I'm so sorry \udcff, I'll bring you a fresh soup right now.")
    s.close()
    recorded = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    reply = next(e for e in recorded if e["type"] == "reply")
    assert reply["text"] == s.turns[0].reply == s.turns[0].verdict.reply
    assert "\ufffd" in reply["text"]


# ---------------------------------------------------------------- docs


def test_the_limits_page_states_the_limits_in_force() -> None:
    from simulator.model import schema

    text = (Path(__file__).parents[1] / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = {
        "a file": f"{limits.MAX_FILE_BYTES // 1_000_000} MB",
        "nesting": f"{limits.MAX_DEPTH} levels",
        "values in one file": f"{limits.MAX_VALUES:,}",
        "phrases in one rule": f"{limits.MAX_PHRASES_PER_RULE:,}",
        "characters in one phrase": str(limits.MAX_PHRASE_CHARS),
        "wildcards in one phrase": str(limits.MAX_WILDCARDS),
        "`max_gap`": str(limits.MAX_GAP),
        "a reply": f"{limits.MAX_REPLY_CHARS:,} characters",
    }
    for what, value in rows.items():
        line = next(row for row in text.splitlines() if row.startswith("|") and what in row)
        assert value in line, (what, value, line)
    # and the schema enforces the same numbers
    for model in (schema.PhraseRule, schema.CooccurPart):
        assert model.model_json_schema()["properties"]["max_gap"]["maximum"] == limits.MAX_GAP
    items = schema.PhraseRule.model_json_schema()["properties"]["phrases"]["items"]
    assert items["maxLength"] == limits.MAX_PHRASE_CHARS


def test_a_group_alternative_of_punctuation_is_refused_at_load_with_its_place() -> None:
    # "(late|,)" once passed the check and then stopped every scorer of the pack
    raw = pack_yaml([phrase_rule(["you were (late|,) again", "you were (late|) again"])])
    src = load_text(raw, SourceFile(path=Path("late.yaml"), origin="extra", display="late.yaml"))
    assert not src.ok
    (p,) = src.problems
    line = next(n for n, text in enumerate(raw.decode().splitlines(), 1) if "(late|,)" in text)
    assert p.line == line and "only punctuation" in p.message, str(p)


@pytest.mark.parametrize("phrase", [",", "you , late", "(,|.)", "-"])
def test_a_phrase_of_punctuation_is_refused_at_load_or_scores(phrase: str) -> None:
    raw = pack_yaml([phrase_rule([phrase])])
    src = load_text(raw, SourceFile(path=Path("p.yaml"), origin="extra", display="p.yaml"))
    if src.ok:
        scorer_for(None, [src.model], "en").score("you were late, again.")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.text("abcde", min_size=1, max_size=4), min_size=1, max_size=40),
    text=st.text("abcde ", max_size=60),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_a_set_split_into_chunks_finds_what_one_set_finds(words: list[str], text: str, chunk: int) -> None:
    """A bucket's patterns compiled in sets of a few characters each (as big buckets
    are, to bound the memory RE2 takes while compiling) report the same slots as one
    set of them all."""
    from simulator.scoring.scorer import _compile_set

    patterns = [rf"\b{w}\b" for w in words]
    whole = _compile_set(patterns)
    parts = _compile_set(patterns, chunk)
    assert sorted(parts.Match(text) or []) == sorted(whole.Match(text) or [])
