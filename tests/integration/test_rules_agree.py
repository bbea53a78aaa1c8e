"""The connector's facts and the sandbox's own copy of Customer.io's rules say the same things.

They are two copies on purpose (a simulator must not share the code it checks); this test is what
keeps a correction made to one from missing the other.
"""

from __future__ import annotations

import re

import pytest

from cio_connector import facts
from cio_connector._util.ulid import is_ulid, new_ulid
from cio_connector.sandbox import customerio_rules as rules
from cio_connector.sandbox.config import track_host_url

NUMBERS = [
    "IDENTIFIER_MAX_BYTES", "ATTRIBUTE_NAME_MAX_BYTES", "ATTRIBUTE_VALUE_MAX_BYTES", "MAX_ATTRIBUTES",
    "EVENT_NAME_MAX_BYTES", "EVENT_DATA_MAX_BYTES", "SEGMENT_IDS_PER_REQUEST", "ENTITY_MAX_BYTES",
    "BATCH_MAX_BYTES", "TRACK_REQUESTS_PER_SECOND", "APP_REQUESTS_PER_SECOND", "CIO_PREFIX", "DEVICE_PLATFORMS",
    "TRANSACTIONAL_REQUESTS_PER_SECOND", "SEND_AT_MAX_DAYS_AHEAD",
]

SHAPES = [
    "a@b.co", "ada@example.com", "A.B+c@sub.example.co.uk", "a@b", "a@b.", "a@b.c.", "@b.co", "a@@b.co", "a b@c.de",
    "a@b.co\n", "42", "", "cio_a3000001", "é@ü.de",
]


@pytest.mark.parametrize("name", NUMBERS)
def test_the_numbers_agree(name):
    assert getattr(facts, name) == getattr(rules, name)


@pytest.mark.parametrize("region", facts.REGIONS)
def test_the_track_hosts_agree(region):
    assert track_host_url(region) == facts.REGIONS[region].track
    assert set(rules.TRACK_HOSTS) == set(facts.REGIONS)


@pytest.mark.parametrize("value", SHAPES)
def test_the_email_shape_agrees(value):
    assert facts.is_email_shaped(value) == rules.looks_like_email(value)


@pytest.mark.parametrize("value", ["01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y", "01hxj5z9q4w6zk3v8n2m7r1t0y", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
                                   "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "01HXJ5Z9Q4W6ZK3V8N2M7R1T0I", "01HXJ5Z9Q4W6ZK3V8N2M7R1T0",
                                   "01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y\n", "", new_ulid()])
def test_the_ulid_shape_agrees(value):
    assert is_ulid(value) == rules.looks_like_ulid(value)


@pytest.mark.parametrize("value", ["+15551234567", "+442071838750", "+1", "+12", "+123456789012345", "+1234567890123456",
                                   "+05551234567", "15551234567", "+1 555 123 4567", "+1555123456a", "+15551234567\n", ""])
def test_the_e164_shape_agrees(value):
    assert (re.match(facts.E164_PATTERN.replace("$", r"\Z"), value) is not None) == rules.looks_like_e164(value)
