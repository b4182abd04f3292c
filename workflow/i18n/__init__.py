"""Words people read: Swedish by default, English on request.

The English text of a message is its id (``t("Due dates")``); the Swedish is
looked up in the compiled catalogues ``workflow/i18n/sv/*.mo`` with the
standard library's :mod:`gettext`, so that translating costs no import at
start-up. The sources are the ``.po`` files beside them, one per area of the
program (``cli.po``, ``core.po``, ``exchange.po``, ``render.po``); ``make
generated`` compiles them and a test fails when a ``.mo`` is stale or when a
message passed to :func:`t` has no Swedish text.

Numbers, amounts and dates are formatted by the language's rules with Babel,
imported only when one is formatted.
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
from decimal import Decimal
from functools import cache
from pathlib import Path

__all__ = ["LANGUAGES", "format_amount", "format_date", "format_number", "language", "set_language", "t"]

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
_FOLDER = Path(__file__).resolve().parent
_LOCALES = {"sv": "sv_SE", "en": "en_GB"}
_chosen: str | None = None


def _normal(value: str | None) -> str | None:
    """``sv``/``en`` for a value naming one of them (``en_GB.UTF-8``, ``sv-SE``), else None."""
    if not value:
        return None
    value = value.strip().lower()
    for lang in LANGUAGES:
        if value == lang or value.startswith((lang + "_", lang + "-", lang + ".")):
            return lang
    return None


def set_language(lang: str | None) -> None:
    """Choose the language of this process's output (None: back to the environment's)."""
    global _chosen
    if lang is not None and _normal(lang) is None:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    _chosen = _normal(lang)


def language(lang: str | None = None) -> str:
    """The language to write in: ``lang`` if given, else the one set by :func:`set_language`,
    else ``WF_LANG``, else the locale's (English only when it says English), else Swedish."""
    if lang is not None:
        chosen = _normal(lang)
        if chosen is None:
            raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
        return chosen
    if _chosen is not None:
        return _chosen
    from_env = _normal(os.environ.get("WF_LANG"))
    if from_env is not None:
        return from_env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:  # the first one set decides, as for the C library
            return "en" if value.lower().startswith("en") else DEFAULT
    return DEFAULT


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """Every compiled catalogue of ``lang``, chained (file-name order); English is the ids themselves."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if lang == "en":
        return chain
    for mo in sorted((_FOLDER / lang).glob("*.mo"), reverse=True):
        with mo.open("rb") as f:
            translations = gettext.GNUTranslations(f)
        translations.add_fallback(chain)
        chain = translations
    return chain


def t(message: str, lang: str | None = None, /, **values: object) -> str:
    """``message`` (its English text) in ``lang`` (default: :func:`language`), then ``.format(**values)``."""
    text = catalogue(language(lang)).gettext(message)
    return text.format(**values) if values else text


def _locale(lang: str | None) -> str:
    return _LOCALES[language(lang)]


def format_number(n: Decimal | int | float | str, lang: str | None = None) -> str:
    """A number grouped and with the decimal sign of the language: ``1 234,5`` / ``1,234.5``."""
    from babel.numbers import format_decimal

    return str(format_decimal(Decimal(str(n)), locale=_locale(lang), decimal_quantization=False))


def format_amount(amount: Decimal | int | str, lang: str | None = None) -> str:
    """An amount of Swedish kronor: ``1 800 000 kr``, ``1 800 000,50 kr``; ``SEK 1,800,000`` in English.
    Whole kronor are written without decimals, öre with two."""
    from babel.numbers import format_decimal

    value = Decimal(str(amount))
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    number = format_decimal(value, format=pattern, locale=_locale(lang), decimal_quantization=True)
    return f"{number}\u00a0kr" if language(lang) == "sv" else f"SEK {number}"


def format_date(value: dt.date | str, lang: str | None = None) -> str:
    """A date for prose: ``8 maj 2026`` / ``8 May 2026``; a partial date (``2026-05``, ``2026``)
    as far as it goes: ``maj 2026``, ``2026``. A value that is no date is returned as it is."""
    from babel.dates import format_date as babel_date

    locale = _locale(lang)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return str(babel_date(value, "d MMMM y", locale=locale))
    parts = value.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            return str(int(parts[0]))
        if len(parts) == 2:
            return str(babel_date(dt.date(int(parts[0]), int(parts[1]), 1), "LLLL y", locale=locale))
        if len(parts) == 3:
            return str(babel_date(dt.date.fromisoformat(value), "d MMMM y", locale=locale))
    except ValueError:
        pass
    return value
