"""Generated hostile inputs: no exception outside ``cio_connector.errors``, and the URL pattern's meaning kept."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cio_connector import CioConnectorError
from cio_connector.declarative.schema import URL_PATTERN
from cio_connector.declarative.validation import ecma_regex

from .test_templates import PROBES

OLD_URL_PATTERN = r"^(https?://[^\s/?#]+[^\s]*|/[^\s]*)$"
ACTIONS = ["upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment", "track_event",
           "track_page"]
FIELDS = ["matching_field", "matching_value", "mappings", "segment", "customer_id", "name", "data", "page_url", "timestamp",
          "region", "site_id", "track_api_key", "app_api_key", "endpoints", "track", "app", "id", "email"]

# Text including lone surrogates, control characters and the URL pattern's own punctuation.
TEXT = st.text(st.characters(blacklist_categories=()), max_size=20) | st.sampled_from(
    ["http://", "https://x", "/", "?", "#", " ", "ada@example.com", "cio_1", "{{ record.id }}", "{{ record }}", "id", "email",
     "us", "eu"]
)
# Huge integers are built, not written: hypothesis could not even print 10**5000 as a strategy.
NUMBERS = st.integers() | st.floats() | st.builds(pow, st.just(10), st.integers(4290, 5100)) | st.builds(
    Decimal, st.sampled_from(["NaN", "sNaN", "-Infinity", "1e999999", "2.5"])
)
TEMPLATES = st.sampled_from([template for template, _ in PROBES])
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT | TEMPLATES
KEYS = st.sampled_from(FIELDS) | TEXT


def _json(leaves: st.SearchStrategy) -> st.SearchStrategy:
    def containers(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5)

    return st.recursive(leaves, containers, max_leaves=20)


@st.composite
def _nested(draw: st.DrawFn) -> object:
    """A value wrapped in up to 1,200 lists or objects (JSON allows about 1,000)."""
    value = draw(_json(SCALARS))
    for _ in range(draw(st.integers(0, 1200))):
        value = [value] if draw(st.booleans()) else {draw(KEYS): value}
    return value


VALUES = _json(SCALARS) | _nested()
OBJECTS = st.dictionaries(KEYS, VALUES, max_size=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(action=st.sampled_from(ACTIONS), config=OBJECTS | VALUES, record=st.none() | OBJECTS | VALUES)
def test_configs_and_records_end_in_problems_not_crashes(connector, action, config, record):
    try:
        connector.validate(action, config, record=record)
        connector.build_request(action, config, record=record if record is not None else {})
    except CioConnectorError:
        pass


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(connection=OBJECTS | VALUES, endpoint=TEXT | st.sampled_from(["http://[::1", "http://[zz]", "http://[::1]:abc", "http://127.0.0.1:1"]))
def test_connections_end_in_problems_not_crashes(connector, connection, endpoint):
    candidates = [connection]
    if isinstance(connection, dict):
        candidates.append({**connection, "region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a",
                           "endpoints": {"track": endpoint, "app": endpoint}})
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"region": "us", "segments": []}))
    for candidate in candidates:
        try:
            connector.validate_connection(candidate)
            connector.connection(candidate)
        except CioConnectorError:
            pass
        # Documented never to raise: whatever the connection, the answer is a report.
        for allow in (False, True):
            assert connector.check_connection(candidate, transport=transport, allow_custom_endpoints=allow).checks


URL_TEXT = st.text(st.sampled_from(list("ahtps:/?#. \t\n\u00a0\u2028é")), max_size=40) | st.builds(
    lambda head, tail: head + tail, st.sampled_from(["http://", "https://", "/", "http:///", "https://?"]),
    st.text(st.sampled_from(list("a/?# \n\u00a0")), max_size=30),
)


@settings(max_examples=1000, deadline=None)
@given(URL_TEXT)
def test_the_linear_url_pattern_accepts_exactly_what_the_old_one_did(text):
    assert bool(ecma_regex(URL_PATTERN).search(text)) == bool(ecma_regex(OLD_URL_PATTERN).search(text))


def test_the_url_pattern_has_no_overlapping_quantifiers():
    # A host character class repeated, then a wider class repeated, is what backtracked quadratically.
    assert not re.search(r"\]\+\[", URL_PATTERN)
