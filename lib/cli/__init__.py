"""Subcommands of ``python -m lib``: one module per subcommand, discovered by name.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
"""
