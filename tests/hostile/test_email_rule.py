"""The email rule (one pattern: the schemas, the fast check, the forms) refuses what no address holds."""

from __future__ import annotations

import pytest

from cio_connector import load_connector
from cio_connector.facts import is_email_shaped

REFUSED = ["a\x00@b.co", "a\u202e@b.co", "<script>@b.co", "a@b.c\u202eo", "a\u200b@b.co", "a\x1b[2J@b.co",
           '"a b"@b.co', "a@b.co\ufeff", "a,b@c.co", "a@b;c.co"]
ACCEPTED = ["a@b.co", "first.last+tag@sub.example.com", "o'brien@example.ie", "ünïcode@exämple.de", "x_y-z@a.b.c.dev"]


@pytest.mark.parametrize("value", REFUSED)
def test_refused_everywhere(value):
    assert not is_email_shaped(value)
    config = {"matching_field": "email", "matching_value": value}
    problems = load_connector().validate("delete_customer", config)
    assert [p.path for p in problems] == ["$.matching_value"]


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepted_everywhere(value):
    assert is_email_shaped(value)
    assert load_connector().validate("delete_customer", {"matching_field": "email", "matching_value": value}) == []
