"""Lazy package exports: a package lists the names it re-exports and the module each lives in,
and a name's module is imported on first use (the module ``__getattr__`` of PEP 562).

Why: a package ``__init__`` that imports all its modules makes every ``import lib.<feature>.x``
pay for all of them. ``lib.runner``'s batch and HTTP modules pull in the ``openai`` SDK (about
0.3 s of CPU), so a screen that only reads stored results paid for a client it never built.
With lazy exports ``from lib.runner import Request`` still works, as do ``runner.execute``
and ``mock.patch("lib.runner.execute")``; the package's ``TYPE_CHECKING`` block keeps the
names typed for mypy (https://peps.python.org/pep-0562/).

A name may be both an export and a submodule (``lib.runner.execute`` is a module and the
function it defines). Importing a submodule binds it on its package
(https://docs.python.org/3/reference/import.html#submodules), which would hide the function;
the package keeps the export there instead, as the eager ``from … import`` used to.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any


class _LazyPackage(types.ModuleType):
    """A package module whose re-exported names are imported on first read."""

    _lazy_exports: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        module = self.__dict__.get("_lazy_exports", {}).get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        types.ModuleType.__setattr__(self, name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        exports = self.__dict__.get("_lazy_exports", {})
        if (
            isinstance(value, types.ModuleType)
            and exports.get(name) == value.__name__
            and value.__name__ == f"{self.__name__}.{name}"
        ):
            value = getattr(value, name)  # the submodule is loaded: bind its export instead
        types.ModuleType.__setattr__(self, name, value)


def lazy_exports(package: str, exports: Mapping[str, str]) -> None:
    """Make ``package`` (already in ``sys.modules``: call from its ``__init__`` with
    ``__name__``) import ``exports[name]`` (a module path) when ``name`` is first read."""
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    types.ModuleType.__setattr__(module, "_lazy_exports", dict(exports))
