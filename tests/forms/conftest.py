from __future__ import annotations

import pytest

from cio_connector import load_connector


@pytest.fixture(scope="session")
def connector():
    return load_connector()
