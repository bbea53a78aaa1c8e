"""Where the manifests and generated schemas are: inside the installed package, or this checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundle_root", "in_source_checkout"]

_PACKAGE = Path(__file__).resolve().parent.parent  # cio_connector/


def bundle_root() -> Path:
    """The folder holding ``connector.yaml``, ``actions/`` and ``schemas/``.

    A built wheel carries them in ``cio_connector/_bundle``; a source checkout (editable install,
    tests) reads them from the repository's top level, so edits show up without a rebuild.
    """
    packaged = _PACKAGE / "_bundle"
    if (packaged / "connector.yaml").is_file():
        return packaged
    return _PACKAGE.parent


def in_source_checkout() -> bool:
    """Whether the manifests are a repository's own files (editable install, tests), not a wheel's copy."""
    return bundle_root() == _PACKAGE.parent
