"""The core: definitions, cases, decisions and the log, as pure data and pure functions.

Nothing here does I/O beyond reading a definition file it is handed, and
nothing here imports SQLAlchemy, Click or Graphviz, nor any module of the
project outside this package: storage, the CLI and rendering are layers around
it (a test imports the core in a fresh interpreter and looks at ``sys.modules``).
"""
