"""Generate what the package ships pre-made, and check that it is not stale.

    .venv/bin/python scripts/generate.py           # write the files (make generated)
    .venv/bin/python scripts/generate.py --check   # exit 1 if a committed one is stale

* ``workflow/core/definition_schema_validator.py``: the validator of
  ``definitions/definition.schema.json``, made by fastjsonschema, so that no code
  is compiled at run time or read back from a cache folder;
* ``definitions/parsed.json``: the shipped definitions' parsed form, with their
  texts, so that listing them does not import a YAML parser nor a schema
  validator: a shipped file whose text is the one generated here was checked
  against the schema when this ran (an invalid one is refused here), and is
  checked as a graph when it loads; a file whose text differs is parsed and
  checked afresh.  Like the validator, the file is part of the installed
  program, trusted as its code is;
* ``workflow/i18n/<lang>/<area>.mo``: each message catalogue ``<area>.po`` compiled,
  so that translating at run time needs only the standard library's gettext;
* ``workflow/i18n/months.py``: each language's month names as Babel's CLDR data
  gives them, so that writing a date in prose loads no locale data at run time.

tests/core/test_loading.py calls :func:`render` and :func:`render_parsed`, and
tests/test_i18n.py :func:`targets`, and they fail when a committed file differs, so
a change of the schema, of a shipped definition (or of fastjsonschema) or of a
catalogue needs a rerun.
"""

from __future__ import annotations

import json
import re
import struct
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "definitions" / "definition.schema.json"
TARGET = ROOT / "workflow" / "core" / "definition_schema_validator.py"
PARSED = ROOT / "definitions" / "parsed.json"
CATALOGUES = ROOT / "workflow" / "i18n"
MONTHS = CATALOGUES / "months.py"
COMMAND = ".venv/bin/python scripts/generate.py"


def render(schema_text: str) -> str:
    """The module's text: a header, fastjsonschema's code and ``validate``, the entry point."""
    import fastjsonschema

    code = fastjsonschema.compile_to_code(json.loads(schema_text))
    entry = re.search(r"^def (validate_\w+)\(", code, flags=re.M)
    if entry is None:
        raise SystemExit("fastjsonschema generated no validate_ function")
    header = (
        "# Generated, do not edit: the validator of definitions/definition.schema.json,\n"
        f"# made by fastjsonschema.compile_to_code (fastjsonschema {fastjsonschema.VERSION}).\n"
        f"# Regenerate with `make generated` ({COMMAND}).\n"
        "# tests/core/test_loading.py fails when this file is stale.\n"
    )
    return f"{header}\n{code.rstrip()}\n\n\nvalidate = {entry.group(1)}\n"


def render_parsed(folder: Path) -> str:
    """The parsed form of every ``*.yaml`` in ``folder``, by file name, as JSON."""
    from workflow.core.loading import load_text, parsed_form

    entries = []
    for f in sorted(folder.glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        load_text(text, str(f))  # only valid definitions are shipped
        entries.append({"file": f.name, **parsed_form(text, str(f))})
    return json.dumps(entries, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def render_mo(po_path: Path) -> bytes:
    """The GNU ``.mo`` file of a ``.po`` catalogue: its translated, non-fuzzy messages, sorted,
    with a fixed header (Babel's own writer stamps the time, which would make every run differ)."""
    from babel.messages.pofile import read_po

    with po_path.open("rb") as f:
        catalog = read_po(f, locale=po_path.parent.name)
    language = po_path.parent.name
    messages = {"": f"Content-Type: text/plain; charset=UTF-8\nLanguage: {language}\n"}
    for m in catalog:
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy:
            key = m.id if not m.context else f"{m.context}\x04{m.id}"
            messages[key] = m.string
    keys = sorted(messages)
    ids = b""
    strs = b""
    offsets = []
    for k in keys:
        kb, vb = k.encode("utf-8"), messages[k].encode("utf-8")
        offsets.append((len(ids), len(kb), len(strs), len(vb)))
        ids += kb + b"\0"
        strs += vb + b"\0"
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    table = []
    for o1, l1, _o2, _l2 in offsets:
        table += [l1, o1 + key_start]
    for _o1, _l1, o2, l2 in offsets:
        table += [l2, o2 + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    return header + struct.pack(f"{len(table)}i", *table) + ids + strs


def render_months() -> str:
    """The month names of every language (format and stand-alone, wide) from Babel's locale data."""
    import babel
    from babel import Locale

    sys.path.insert(0, str(ROOT))
    from workflow.i18n import _LOCALES

    lines = [
        "# Generated, do not edit: month names from Babel's CLDR data "
        f"(Babel {babel.__version__}), by {COMMAND}.",
        "# tests/test_i18n.py fails when this file is stale.",
        '"""The wide month names of each language: ``FORMAT`` inside a date (``8 maj 2026``),',
        '``STAND_ALONE`` on its own (``maj 2026``)."""',
        "",
    ]
    for name, context in (("FORMAT", "format"), ("STAND_ALONE", "stand-alone")):
        lines.append(f"{name}: dict[str, tuple[str, ...]] = {{")
        for lang, locale in sorted(_LOCALES.items()):
            months = Locale.parse(locale).months[context]["wide"]
            names = ", ".join(json.dumps(months[m], ensure_ascii=False) for m in range(1, 13))
            lines.append(f"    {json.dumps(lang)}: ({names}),")
        lines.append("}")
    return "\n".join(lines) + "\n"


def targets() -> list[tuple[Path, Callable[[], str | bytes]]]:
    """Every generated file and how to make it, in the order they are made."""
    made: list[tuple[Path, Callable[[], str | bytes]]] = [
        # The validator first: the parsed form is rendered with it, so a schema change and a
        # definition that uses it are regenerated in one run.
        (TARGET, lambda: render(SCHEMA.read_text(encoding="utf-8"))),
        (PARSED, lambda: render_parsed(PARSED.parent)),
        (MONTHS, render_months),
    ]
    for po in sorted(CATALOGUES.glob("*/*.po")):
        made.append((po.with_suffix(".mo"), lambda po=po: render_mo(po)))  # type: ignore[misc]
    return made


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    stale = 0
    for target, make in targets():
        text = make()
        data = text.encode("utf-8") if isinstance(text, str) else text
        current = target.read_bytes() if target.exists() else None
        if current == data:
            continue
        if check:
            print(f"{target.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            stale = 1
        else:
            target.write_bytes(data)
            print(f"wrote {target.relative_to(ROOT)}")
    return stale


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
