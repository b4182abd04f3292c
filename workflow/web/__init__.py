"""The web app for the secretariat and the HTTP API for the tools around it (``wf serve``).

:func:`create_app` gives the ASGI application; it calls the facade
(:class:`workflow.web.facade.WebWorkflow`) and nothing below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from workflow.web.app import WebConfig

__all__ = ["create_app"]


def create_app(config: "WebConfig | None" = None, **kwargs: Any) -> "FastAPI":
    """The application (see :func:`workflow.web.app.create_app`)."""
    from workflow.web.app import create_app as make

    return make(config, **kwargs)
