"""Template errors in words for the person who wrote the config: which record field is missing.

jinja2 says ``'dict object' has no attribute 'nme'``; a form should say ``the record has no field
'nme'``. The template's own source tells which path was meant (``record.address.city``).
"""

from __future__ import annotations

import re

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.exceptions import UndefinedError

__all__ = ["describe_template_error"]

# jinja2's wording: "'dict object' has no attribute 'nme'" and "'nme' is undefined".
_NO_ATTRIBUTE = re.compile(r"has no attribute '(?P<name>.*)'\Z", re.S)
_UNDEFINED = re.compile(r"\A'(?P<name>.*)' is undefined\Z", re.S)
_PARSER = Environment()


def describe_template_error(error: BaseException, source: str) -> str:
    """A plain sentence for ``error``, raised rendering the template ``source``."""
    message = str(getattr(error, "message", None) or error)
    if not isinstance(error, UndefinedError):
        return message
    if missing := _NO_ATTRIBUTE.search(message):
        path = _path_ending_in(missing["name"], source)
        if path is None:
            return f"there is no field '{missing['name']}'"
        if path[0] == "record":
            return f"the record has no field '{'.'.join(path[1:])}'"
        return f"'{'.'.join(path[:-1])}' has no field '{path[-1]}'"
    if undefined := _UNDEFINED.match(message):
        name = undefined["name"]
        return f"'{name}' is not defined; a field of the record is written record.{name}"
    return message


def _path_ending_in(name: str, source: str) -> list[str] | None:
    """The first ``a.b.c`` (or ``a['b']``) path in ``source`` whose last part is ``name``."""
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError:
        return None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        path = _path(node)
        if path and path[-1] == name:
            return path
    return None


def _path(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return [*base, node.attr] if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
        base = _path(node.node)
        return [*base, str(node.arg.value)] if base else None
    return None
