"""A workshop's results as xAPI 1.0.3 statements, for a learning record store (LRS).

``xapi_statements(data, options)`` turns what ``Store.workshop_data`` builds (with the
turns) into a list of statements, in the order things happened:

* one per reply: verb ``answered``, object the scenario's step (an interaction activity
  whose parent is the scenario), result the reply's score (0–100, scaled 0–1) and how
  long the trainee took;
* one per attempt, after its replies: verb ``passed`` or ``failed`` for a finished
  attempt that was judged, ``completed`` for a finished one that was not, ``attempted``
  for one still open; object the scenario; result the total score, ``success``,
  ``completion`` and the attempt's duration.

Every statement has the attempt's ``context.registration`` and the workshop as
``context.contextActivities.grouping``. Identifiers are UUID 5 of what the statement is
about, so exporting or posting the same results twice gives the same statements, and an
LRS keeps one copy (an attempt still open gets another id once it is finished).

Privacy: the trainee is an xAPI account under ``options.home_page`` whose name is a hash
of the trainee's name (the same name gives the same account in every export, so the LRS
can follow a trainee; the name is not in the statement). ``include_text`` adds the
trainee's name and each reply's text (``result.response``); those statements get other
ids, so they never clash with pseudonymous ones already stored. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["DEFAULT_HOME_PAGE", "VERBS", "XapiOptions", "account_name", "xapi_statements"]

DEFAULT_HOME_PAGE = "https://simulator.invalid"

_ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    v: _ADL + v for v in ("answered", "attempted", "completed", "failed", "passed")
}
_SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
_COURSE = "http://adlnet.gov/expapi/activities/course"


@dataclass(frozen=True)
class XapiOptions:
    """``home_page``: the address (IRL) the trainees' accounts and the activities' ids
    live under, the facilitator's organisation; ``include_text``: add names and replies."""

    home_page: str = DEFAULT_HOME_PAGE
    include_text: bool = False

    @property
    def base(self) -> str:
        return self.home_page.rstrip("/")


def account_name(home_page: str, trainee: str) -> str:
    """The pseudonym of a trainee: a stable hash of the name (case and spacing aside)
    under this home page. Pseudonymous, not anonymous: whoever has the list of names
    and the home page can recompute it."""
    key = f"{home_page.rstrip('/')}\n{' '.join(trainee.split()).casefold()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _duration(seconds: float) -> str:
    """ISO 8601 duration: PT12.5S (xAPI keeps 0.01 s precision)."""
    return f"PT{max(0.0, round(float(seconds), 2)):g}S"


def _between(start: Any, end: Any) -> str | None:
    try:
        a = datetime.fromisoformat(str(start))
        b = datetime.fromisoformat(str(end))
    except ValueError:
        return None
    return _duration((b - a).total_seconds())


def _score(raw: Any) -> dict[str, Any]:
    value = max(0, min(100, int(raw)))
    return {"scaled": round(value / 100, 4), "raw": value, "min": 0, "max": 100}


def _lang(language: Any) -> str:
    return str(language or "en")


def _ext(o: XapiOptions, name: str) -> str:
    return f"{o.base}/xapi/extensions/{name}"


def xapi_statements(
    data: dict[str, Any], options: XapiOptions | None = None
) -> list[dict[str, Any]]:
    """The workshop's statements (``data`` with each attempt's ``turns``)."""
    o = options or XapiOptions()
    ws = data.get("workshop") or {}
    code = str(ws.get("code") or "")
    titles = data.get("titles") or {}
    workshop_iri = f"{o.base}/workshops/{code}"
    workshop: dict[str, Any] = {
        "objectType": "Activity",
        "id": workshop_iri,
        "definition": {"type": _COURSE, "name": {"en": str(ws.get("name") or code)}},
    }
    out: list[dict[str, Any]] = []
    for a in data.get("attempts") or []:
        out.extend(_attempt(o, a, workshop, workshop_iri, titles))
    return out


def _actor(o: XapiOptions, trainee: str) -> dict[str, Any]:
    actor: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": o.home_page, "name": account_name(o.home_page, trainee)},
    }
    if o.include_text:
        actor["name"] = trainee
    return actor


def _attempt(
    o: XapiOptions,
    a: dict[str, Any],
    workshop: dict[str, Any],
    workshop_iri: str,
    titles: dict[str, str],
) -> list[dict[str, Any]]:
    sid = str(a.get("scenario_id"))
    lang = _lang(a.get("language"))
    scenario_iri = f"{o.base}/scenarios/{sid}"
    scenario = {
        "objectType": "Activity",
        "id": scenario_iri,
        "definition": {"type": _SIMULATION, "name": {lang: str(titles.get(sid) or sid)}},
    }
    key = f"{workshop_iri}/attempts/{a.get('id')}"
    variant = "with-text" if o.include_text else "pseudonymous"
    registration = _uuid(key)
    actor = _actor(o, str(a.get("trainee") or ""))

    def context(parent: bool) -> dict[str, Any]:
        activities: dict[str, Any] = {"grouping": [workshop]}
        if parent:
            activities["parent"] = [{"objectType": "Activity", "id": scenario_iri}]
        return {
            "registration": registration,
            "contextActivities": activities,
            "platform": "simulator",
            "language": lang,
            "extensions": {_ext(o, "mode"): str(a.get("mode") or "")},
        }

    out: list[dict[str, Any]] = []
    for t in a.get("turns") or []:
        result: dict[str, Any] = {}
        if t.get("score") is not None:
            result["score"] = _score(t["score"])
        if o.include_text:
            result["response"] = str(t.get("reply") or "")
        if t.get("elapsed") is not None:
            result["duration"] = _duration(t["elapsed"])
        rules = [str(h.get("rule")) for h in (t.get("verdict") or {}).get("hits") or []]
        result["extensions"] = {
            _ext(o, "fired-rules"): rules,
            _ext(o, "over-time"): bool(t.get("over_time")),
        }
        node = str(t.get("node") or "")
        statement = {
            "id": _uuid(key, "turns", t.get("turn"), variant),
            "actor": actor,
            "verb": {"id": VERBS["answered"], "display": {"en-US": "answered"}},
            "object": {
                "objectType": "Activity",
                "id": f"{scenario_iri}/steps/{node}",
                "definition": {
                    "type": _INTERACTION,
                    "name": {lang: f"{titles.get(sid) or sid}: {node}"},
                    "interactionType": "long-fill-in",
                },
            },
            "result": result,
            "context": context(parent=True),
        }
        if t.get("created_at"):
            statement["timestamp"] = str(t["created_at"])
        out.append(statement)

    finished = a.get("finished_at") is not None
    passed = a.get("passed")
    if not finished:
        verb = "attempted"
    elif passed is None:
        verb = "completed"
    else:
        verb = "passed" if passed else "failed"
    result = {"completion": finished}
    if finished and passed is not None:
        result["success"] = bool(passed)
    if finished and a.get("score") is not None:
        result["score"] = _score(a["score"])
    if finished and (d := _between(a.get("started_at"), a.get("finished_at"))):
        result["duration"] = d
    extensions = {
        _ext(o, name): a.get(field)
        for name, field in (
            ("outcome", "outcome"),
            ("level", "level"),
            ("difficulty", "difficulty"),
            ("pass-mark", "pass_mark"),
        )
        if a.get(field) is not None
    }
    if extensions:
        result["extensions"] = extensions
    statement = {
        "id": _uuid(key, verb, variant),
        "actor": actor,
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": scenario,
        "result": result,
        "context": context(parent=False),
        "timestamp": str(a.get("finished_at") or a.get("started_at")),
    }
    out.append(statement)
    return out
