"""Generate what the package ships pre-made, and check that it is not stale.

    .venv/bin/python scripts/generate.py           # write the files (make generated)
    .venv/bin/python scripts/generate.py --check   # exit 1 if a committed one is stale

* ``workflow/core/definition_schema_validator.py``: the validator of
  ``definitions/definition.schema.json``, made by fastjsonschema, so that no code
  is compiled at run time or read back from a cache folder;
* ``definitions/parsed.json``: the shipped definitions' parsed form, so that
  listing them does not import a YAML parser (each is still checked against
  the schema and as a graph when it loads; a file that no longer matches is parsed).

tests/core/test_loading.py calls :func:`render` and :func:`render_parsed` and
fails when a committed file differs, so a change of the schema, of a shipped
definition (or of fastjsonschema) needs a rerun.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "definitions" / "definition.schema.json"
TARGET = ROOT / "workflow" / "core" / "definition_schema_validator.py"
PARSED = ROOT / "definitions" / "parsed.json"
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


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    stale = 0
    # The validator first: the parsed form is rendered with it, so a schema change and a
    # definition that uses it are regenerated in one run.
    for target, make in ((TARGET, lambda: render(SCHEMA.read_text(encoding="utf-8"))),
                         (PARSED, lambda: render_parsed(PARSED.parent))):
        text = make()
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if check:
            print(f"{target.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            stale = 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    return stale


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
