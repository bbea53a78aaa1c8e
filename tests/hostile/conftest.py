from __future__ import annotations

import pytest

from cio_connector import Connector, load_connector


@pytest.fixture(scope="session")
def connector() -> Connector:
    return load_connector()
