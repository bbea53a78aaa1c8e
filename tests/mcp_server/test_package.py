"""The public surface of ``cio_connector.mcp``: every exported name resolves, nothing else does."""

from __future__ import annotations

import pytest

import cio_connector.mcp as package


def test_the_exported_names():
    assert package.__all__ == sorted(package.__all__)
    assert set(package.__all__) == {
        "ServerConnection", "ToolOutcome", "ToolRunner", "ToolSpec", "UnknownToolError",
        "connection_from_environment", "connection_from_file", "create_server", "tool_catalog",
    }
    for name in package.__all__:
        assert getattr(package, name).__name__ == name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'serve'"):
        package.serve  # noqa: B018
