"""A connection the compiled validator accepts is one the full checker finds no problem with."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cio_connector import load_connector
from cio_connector.pipeline.fields import check_config

CONNECTOR = load_connector()
PARSER = CONNECTOR._connections

texts = st.one_of(st.sampled_from(["", " ", "s", "site-1", "eu", "us", "x" * 200, "http://127.0.0.1:9", "https://a.io"]),
                  st.text(max_size=12))
scalars = st.one_of(texts, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
connections = st.fixed_dictionaries(
    {},
    optional={
        "region": st.one_of(st.sampled_from(["us", "eu"]), scalars),
        "site_id": scalars,
        "track_api_key": scalars,
        "app_api_key": scalars,
        "endpoints": st.one_of(st.fixed_dictionaries({}, optional={"track": scalars, "app": scalars}), scalars),
        "unknown": scalars,
    },
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(connections)
def test_the_fast_verdict_and_the_full_checker_agree(data):
    full = check_config(PARSER.checker, PARSER.tree, data, None, templates=False)[1]
    assert PARSER._surely_valid(data) == (not full), full


def test_a_valid_connection_is_parsed_without_python_jsonschema():
    import subprocess
    import sys

    code = ("import sys, cio_connector; c = cio_connector.load_connector(); "
            "c.connection({'region': 'us', 'site_id': 's', 'track_api_key': 't', 'app_api_key': 'a'}); "
            "print('jsonschema' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip() == "False"
