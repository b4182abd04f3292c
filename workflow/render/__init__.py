"""Diagrams: process definitions, the path a case took, and a case's timeline.

definition or case -> :mod:`~workflow.render.model` (a small graph model) ->
:mod:`~workflow.render.dot` / :mod:`~workflow.render.mermaid` text, and
:mod:`~workflow.render.timeline` SVG.  Only
:mod:`~workflow.render.graphviz_run` imports Graphviz, and only when it draws.
"""
