"""The error hierarchy is exactly the tree drawn in ``errors.py``'s docstring."""

from __future__ import annotations

import re

import pytest

from cio_connector import errors
from cio_connector.errors import (
    ApiError,
    AuthenticationError,
    ConnectionConfigError,
    FatalApiError,
    InputError,
    ManifestError,
    Problem,
    RegionMismatchError,
    RetryableApiError,
)

_NODE = re.compile(r"^(?P<indent>[ │├└─]*)(?P<name>[A-Z]\w*Error)\b")


def _drawn_tree() -> dict[str, str | None]:
    """Each class in the docstring's tree -> its parent there (None for the root)."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = _NODE.match(line)
        if not match:
            continue
        column, name = len(match["indent"]), match["name"]
        while stack and stack[-1][0] >= column:
            stack.pop()
        assert name not in parents, f"{name} is drawn twice"
        parents[name] = stack[-1][1] if stack else None
        stack.append((column, name))
    return parents


DRAWN = _drawn_tree()
ERROR_CLASSES = {
    name: getattr(errors, name)
    for name in errors.__all__
    if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), Exception)
}


def _public_parent(cls: type) -> str | None:
    """The nearest ancestor that is a drawn class (private helpers in between are skipped)."""
    return next((base.__name__ for base in cls.__mro__[1:] if base.__name__ in DRAWN), None)


def test_the_docstring_draws_every_exported_error_once():
    assert sorted(DRAWN) == sorted(ERROR_CLASSES)
    assert len(DRAWN) == 9


def test_the_drawing_has_one_root():
    assert [name for name, parent in DRAWN.items() if parent is None] == ["CioConnectorError"]


@pytest.mark.parametrize("name", sorted(DRAWN))
def test_each_class_sits_where_the_tree_draws_it(name):
    assert _public_parent(ERROR_CLASSES[name]) == DRAWN[name]


def test_the_tree_as_drawn():
    assert DRAWN == {
        "CioConnectorError": None,
        "ManifestError": "CioConnectorError",
        "InputError": "CioConnectorError",
        "ConnectionConfigError": "CioConnectorError",
        "AuthenticationError": "ConnectionConfigError",
        "RegionMismatchError": "ConnectionConfigError",
        "ApiError": "CioConnectorError",
        "RetryableApiError": "ApiError",
        "FatalApiError": "ApiError",
    }


def test_errors_carry_their_context():
    auth = AuthenticationError("Track API key refused", credential="track", status=401)
    assert (auth.credential, auth.status, str(auth)) == ("track", 401, "Track API key refused")
    assert [p.path for p in auth.problems] == ["$.track_api_key"]
    region = RegionMismatchError("workspace is in the EU", actual_region="eu")
    assert (region.actual_region, [p.path for p in region.problems]) == ("eu", ["$.region"])
    retry = RetryableApiError("rate limited", status=429, retry_after=2.0, action="track_event")
    assert (retry.status, retry.retry_after, retry.action, retry.not_sent) == (429, 2.0, "track_event", False)
    fatal = FatalApiError("bad request", status=400)
    assert isinstance(fatal, ApiError) and fatal.status == 400


def test_problem_errors_list_every_problem():
    problems = [Problem("$.a", "is required"), Problem("$.b", "must be a string", source="config.yaml", line=3, column=5)]
    assert str(InputError(problems, action="track_event")) == (
        "invalid input for action 'track_event':\n  - $.a: is required\n  - config.yaml:3:5: $.b: must be a string"
    )
    assert str(ManifestError(problems[:1])) == "invalid manifest:\n  - $.a: is required"
    assert str(ConnectionConfigError()) == "invalid connection"


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("$.x", "bad"), "$.x: bad"),
        (Problem("$.x", "bad", source="a.yaml"), "a.yaml: $.x: bad"),
        (Problem("$.x", "bad", source="a.yaml", line=2, column=7), "a.yaml:2:7: $.x: bad"),
    ],
)
def test_problem_str_is_the_one_path_dialect(problem, text):
    assert str(problem) == text
