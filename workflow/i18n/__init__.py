"""Words people read: Swedish by default, English on request.

The English text of a message is its id (``t("Due dates")``); the Swedish is
looked up in the compiled catalogues ``workflow/i18n/sv/*.mo`` with the
standard library's :mod:`gettext`, so that translating costs no import at
start-up. The sources are the ``.po`` files beside them, one per area of the
program (``cli.po``, ``core.po``, ``exchange.po``, ``render.po``); ``make
generated`` compiles them and a test fails when a ``.mo`` is stale or when a
message passed to :func:`t` has no Swedish text.

Numbers and amounts are formatted by the language's rules with Babel, imported
only when one is formatted; dates with the month names generated from Babel's
data (:mod:`workflow.i18n.months`).
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["LANGUAGES", "format_amount", "format_date", "format_number", "language", "set_language", "t"]

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
_FOLDER = os.path.dirname(os.path.realpath(__file__))
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
    folder = os.path.join(_FOLDER, lang)
    for name in sorted((n for n in os.listdir(folder) if n.endswith(".mo")), reverse=True):
        with open(os.path.join(folder, name), "rb") as f:
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
    from decimal import Decimal

    from babel.numbers import format_decimal

    return str(format_decimal(Decimal(str(n)), locale=_locale(lang), decimal_quantization=False))


def format_amount(amount: Decimal | int | str, lang: str | None = None) -> str:
    """An amount of Swedish kronor: ``1 800 000 kr``, ``1 800 000,50 kr``; ``SEK 1,800,000`` in English.
    Whole kronor are written without decimals, öre with two."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    value = Decimal(str(amount))
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    number = format_decimal(value, format=pattern, locale=_locale(lang), decimal_quantization=True)
    return f"{number}\u00a0kr" if language(lang) == "sv" else f"SEK {number}"


def format_date(value: dt.date | str, lang: str | None = None) -> str:
    """A date for prose: ``8 maj 2026`` / ``8 May 2026``; a partial date (``2026-05``, ``2026``)
    as far as it goes: ``maj 2026``, ``2026``. A value that is no date is returned as it is.

    The pattern is CLDR's ``d MMMM y`` (``LLLL y`` for a month alone), with the
    month names Babel gives, generated into :mod:`workflow.i18n.months`: no
    locale data is loaded to write a date.
    """
    from workflow.i18n.months import FORMAT, STAND_ALONE

    lang = language(lang)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {FORMAT[lang][value.month - 1]} {value.year}"
    parts = value.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            return str(int(parts[0]))
        if len(parts) == 2:
            month = dt.date(int(parts[0]), int(parts[1]), 1)
            return f"{STAND_ALONE[lang][month.month - 1]} {month.year}"
        if len(parts) == 3:
            return format_date(dt.date.fromisoformat(value), lang)
    except ValueError:
        pass
    return value
