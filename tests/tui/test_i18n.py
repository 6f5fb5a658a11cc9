"""The French catalogue: compiled, up to date, complete.

Regenerate after editing a ``_()`` string or the .po (see simulator/tui/i18n.py):
    python -m simulator.tui.i18n check && python -m simulator.tui.i18n compile
"""

from __future__ import annotations

from simulator.tui import i18n


def test_the_mo_file_is_up_to_date_with_the_po() -> None:
    po = i18n.comparable(i18n.parse_po(i18n.po_path("fr").read_text(encoding="utf-8")))
    mo = i18n.read_mo(i18n.mo_path("fr"))
    stale = sorted(k for k in set(po) | set(mo) if po.get(k) != mo.get(k))
    assert not stale, f"simulator.mo is stale: run 'python -m simulator.tui.i18n compile' ({stale[:5]})"


def test_every_ui_string_has_a_french_translation() -> None:
    assert i18n.missing("fr") == []


def test_the_language_comes_from_the_locale() -> None:
    assert i18n.detect_language({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert i18n.detect_language({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.detect_language({"LANGUAGE": "fr:en"}) == "fr"
    assert i18n.detect_language({}) == "en"


def test_french_is_used_at_run_time() -> None:
    try:
        i18n.set_language("fr")
        assert i18n._("Your reply") == "Votre réponse"
    finally:
        i18n.set_language("en")
    assert i18n._("Your reply") == "Your reply"
