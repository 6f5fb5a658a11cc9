"""The app's own text in English and French, through the standard ``gettext`` machinery.

Strings in the code are English and wrapped in ``_()`` (or ``N_()`` where they are only
marked, and translated later). The French catalogue is
``simulator/locale/fr/LC_MESSAGES/simulator.po``; the app reads the compiled
``simulator.mo`` beside it with :func:`gettext.translation`.

After changing a ``_()`` string or the ``.po`` file, regenerate and commit the ``.mo``:

    python -m simulator.tui.i18n check     # lists strings missing from the .po
    python -m simulator.tui.i18n compile   # writes simulator.mo from simulator.po

(GNU ``msgfmt -o simulator.mo simulator.po`` gives an equivalent file.) A test fails
when the ``.mo`` does not hold exactly what the ``.po`` says, or a string is missing.

The customer's lines are not translated here: they come from the scenario, in its own
language. This module does not import Textual.
"""

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

DOMAIN = "simulator"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES: tuple[str, ...] = ("en", "fr")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def detect_language(env: Mapping[str, str] | None = None) -> str:
    """The UI language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if env is None else env
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if not value:
            continue
        for part in value.split(":"):
            code = part.split(".")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
            if code and code not in ("c", "posix"):
                return "en"
    return "en"


def set_language(lang: str) -> str:
    """Use ``lang`` for every ``_()`` from now on; returns the language in force."""
    global _translation, _language
    if lang not in LANGUAGES:
        lang = "en"
    if lang == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True
        )
    _language = lang
    return lang


def language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current UI language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


# --------------------------------------------------------------------------- tooling
# Used by the tests and by ``python -m simulator.tui.i18n``; never at run time.


def po_path(lang: str = "fr") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str = "fr") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _unquote(s: str) -> str:
    import ast

    return ast.literal_eval(s) if s.startswith('"') else ""


def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plurals keyed ``singular\\0plural``, forms joined
    by ``\\0``; fuzzy and untranslated entries left out, as msgfmt does)."""
    catalog: dict[str, str] = {}
    entries: list[dict[str, object]] = []
    cur: dict[str, object] = {}
    field: str | None = None

    def flush() -> None:
        nonlocal cur
        if "msgid" in cur:
            entries.append(cur)
        cur = {}

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            field = None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            if "msgid" in cur:
                flush()
            cur["fuzzy"] = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith("msgid_plural"):
            field = "msgid_plural"
            cur[field] = _unquote(line[len("msgid_plural"):].strip())
        elif line.startswith("msgid"):
            if "msgid" in cur:
                flush()
            field = "msgid"
            cur[field] = _unquote(line[len("msgid"):].strip())
        elif line.startswith("msgstr["):
            idx = int(line[7 : line.index("]")])
            field = f"msgstr[{idx}]"
            cur[field] = _unquote(line[line.index("]") + 1 :].strip())
        elif line.startswith("msgstr"):
            field = "msgstr"
            cur[field] = _unquote(line[len("msgstr"):].strip())
        elif line.startswith('"') and field is not None:
            cur[field] = str(cur.get(field, "")) + _unquote(line)
    flush()
    for e in entries:
        msgid = str(e["msgid"])
        if "msgid_plural" in e:
            forms = [str(e[k]) for k in sorted(k for k in e if k.startswith("msgstr["))]
            if e.get("fuzzy") or not all(forms):
                continue
            catalog[msgid + "\0" + str(e["msgid_plural"])] = "\0".join(forms)
        else:
            msgstr = str(e.get("msgstr", ""))
            if (e.get("fuzzy") and msgid) or not msgstr:
                continue
            catalog[msgid] = msgstr
    return catalog


def write_mo(catalog: Mapping[str, str]) -> bytes:
    """The GNU .mo bytes of a catalogue (keys sorted, no hash table)."""
    import struct

    keys = sorted(catalog)
    ids = b""
    strs = b""
    offsets: list[tuple[int, int, int, int]] = []
    for key in keys:
        k, v = key.encode("utf-8"), catalog[key].encode("utf-8")
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    n = len(keys)
    keystart = 7 * 4 + 16 * n
    valuestart = keystart + len(ids)
    table: list[int] = []
    for o1, l1, _o2, _l2 in offsets:
        table += [l1, o1 + keystart]
    for _o1, _l1, o2, l2 in offsets:
        table += [l2, o2 + valuestart]
    out = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    out += struct.pack(f"{len(table)}i", *table)
    return out + ids + strs


def read_mo(path: Path) -> dict[str, str]:
    """What gettext itself reads from a .mo file, keyed as :func:`comparable` keys it."""
    with open(path, "rb") as fh:
        tr = gettext.GNUTranslations(fh)
    out: dict[str, str] = {}
    plurals: dict[str, dict[int, str]] = {}
    raw: dict[object, str] = tr._catalog  # type: ignore[attr-defined]
    for key, value in raw.items():
        if isinstance(key, tuple):
            plurals.setdefault(str(key[0]), {})[int(key[1])] = value
        else:
            out[str(key)] = value
    for singular, forms in plurals.items():
        out[singular] = "\0".join(forms[i] for i in sorted(forms))
    return out


def comparable(catalog: Mapping[str, str]) -> dict[str, str]:
    """A .po catalogue keyed as gettext keys a .mo (plurals by their singular)."""
    return {key.split("\0")[0]: value for key, value in catalog.items()}


def compile_po(lang: str = "fr") -> Path:
    catalog = parse_po(po_path(lang).read_text(encoding="utf-8"))
    path = mo_path(lang)
    path.write_bytes(write_mo(catalog))
    return path


def extract(files: Iterable[Path]) -> dict[str, list[str]]:
    """Every literal passed to ``_``, ``N_`` or ``ngettext`` -> where it is used."""
    import ast

    found: dict[str, list[str]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in ("_", "N_", "ngettext"):
                continue
            for arg in node.args[: 2 if node.func.id == "ngettext" else 1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, []).append(f"{path.name}:{node.lineno}")
    return found


def source_files() -> list[Path]:
    root = Path(__file__).resolve().parent
    return sorted(root.rglob("*.py"))


def missing(lang: str = "fr") -> list[str]:
    """Strings the code translates that the .po does not."""
    po = parse_po(po_path(lang).read_text(encoding="utf-8"))
    have = set(po) | {k.split("\0")[0] for k in po} | {k.split("\0")[-1] for k in po}
    return sorted(s for s in extract(source_files()) if s not in have)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "compile":
        print(compile_po("fr"))
        return 0
    if cmd == "check":
        gaps = missing("fr")
        for s in gaps:
            print(f"missing: {s!r}")
        return 1 if gaps else 0
    if cmd == "extract":
        for s, where in sorted(extract(source_files()).items()):
            print(f"#: {' '.join(where)}\nmsgid {_po_quote(s)}\nmsgstr \"\"\n")
        return 0
    print("usage: python -m simulator.tui.i18n [check|compile|extract]", file=sys.stderr)
    return 2


def _po_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
