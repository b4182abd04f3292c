"""Generate workflow/core/definition_schema_validator.py from definitions/definition.schema.json.

    .venv/bin/python scripts/gen-schema-validator.py           # write the module (make generated)
    .venv/bin/python scripts/gen-schema-validator.py --check   # exit 1 if the committed one is stale

The validator is generated once, here, and committed with the package, so that
no code is ever compiled at run time or read back from a cache folder.
tests/core/test_loading.py calls :func:`render` and fails when the committed
module differs, so a change of the schema (or of fastjsonschema) needs a rerun.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "definitions" / "definition.schema.json"
TARGET = ROOT / "workflow" / "core" / "definition_schema_validator.py"
COMMAND = ".venv/bin/python scripts/gen-schema-validator.py"


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


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    text = render(SCHEMA.read_text(encoding="utf-8"))
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if check:
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
