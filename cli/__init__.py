"""The ``wf`` command line: a thin client of the :mod:`workflow` API.

Installed as the package ``workflow_cli`` (a plain ``cli`` would collide with
other packages); subcommand modules load only when their command runs.
"""
