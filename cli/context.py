"""What every command shares: the API object, opened on first use, and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from workflow.api import Workflow


class Context:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._workflow: Workflow | None = None

    @property
    def workflow(self) -> "Workflow":
        if self._workflow is None:
            from workflow.api import Workflow

            self._workflow = Workflow(self.database_url)
        return self._workflow

    def close(self) -> None:
        if self._workflow is not None:
            self._workflow.close()


F = TypeVar("F", bound=Callable[..., Any])


class LazyCommands(click.Group):
    """A group whose listed subcommands (``name: (module, attribute, help)``) are imported only when used,
    so that a command does not pay at start-up for its siblings' imports."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr, _help = self.lazy[name]
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][2] if name in self.lazy else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

pass_context = click.make_pass_decorator(Context)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A plain text table, columns as wide as their widest cell."""
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    if not rows:
        click.echo("(none)")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def field_options(*names: str, **helps: str) -> Callable[[F], F]:
    """Click options for decision fields, derived from their one declaration (:mod:`workflow.core.fields`).

    With no names, every field; ``helps`` overrides a field's help text where
    a command uses it differently (a proposed due date).
    """
    from workflow.core.fields import BY_NAME, FIELDS

    chosen = [BY_NAME[n] for n in names] if names else list(FIELDS)

    def decorate(f: F) -> F:
        for field in reversed(chosen):
            kwargs: dict[str, Any] = {"help": helps.get(field.name, field.help)}
            if field.kind == "flag":
                kwargs["is_flag"] = True
            elif field.kind == "choice":
                kwargs.update(type=click.Choice(field.choices), default=field.default, show_default=True)
            else:
                kwargs.update(metavar=field.metavar, multiple=field.multiple)
            f = click.option(field.option, field.name, **kwargs)(f)
        return f

    return decorate


def given_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The options a user gave, keyed by field name, for ``Decision.from_mapping``."""
    return {k: v for k, v in values.items() if v is not None and v != () and v is not False}


def flag_for(field: str | None) -> str | None:
    """The option that supplies a decision field, for error messages."""
    from workflow.core.fields import BY_NAME

    return BY_NAME[field].option if field in BY_NAME else None
