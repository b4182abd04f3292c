# Generated, do not edit: month names from Babel's CLDR data (Babel 2.18.0), by .venv/bin/python scripts/generate.py.
# tests/test_i18n.py fails when this file is stale.
"""The wide month names of each language: ``FORMAT`` inside a date (``8 maj 2026``),
``STAND_ALONE`` on its own (``maj 2026``)."""

FORMAT: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"),
}
STAND_ALONE: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"),
}
