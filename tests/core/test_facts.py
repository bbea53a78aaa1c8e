"""Customer.io's identifier rules as cio_connector.facts states them."""

from __future__ import annotations

import pytest

from cio_connector import facts


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("42", "id"),
        ("ada@example.com", "email"),
        ("cio_a3000001", "cio_id"),
        ("cio_", "id"),  # a bare prefix names nobody: an External ID, as Customer.io would read it
        ("cio_ada@example.com", "cio_id"),  # the prefix wins over the email shape
        ("ada@example", "id"),
        ("+15551234567", "id"),  # phones need Track v2's explicit identifier
    ],
)
def test_the_shape_rule(value, kind):
    assert facts.identifier_type_from_shape(value) == kind


@pytest.mark.parametrize("value", ["a3000001", "cio_a3000001"])
def test_cio_ids_are_taken_in_either_form(value):
    assert facts.raw_cio_id(value) == "a3000001"
    assert facts.prefixed_cio_id(value) == "cio_a3000001"


@pytest.mark.parametrize(("value", "shaped"), [("a@b.co", True), ("a@b.co\n", False), ("a@b.c.", False), ("a b@c.de", False)])
def test_the_email_shape_reads_the_end_as_javascript_does(value, shaped):
    assert facts.is_email_shaped(value) is shaped


def test_each_region_has_both_hosts_over_https():
    assert list(facts.REGIONS) == ["us", "eu"]
    for hosts in facts.REGIONS.values():
        assert hosts.track.startswith("https://track") and hosts.app.startswith("https://api")


def test_each_api_family_names_its_credentials():
    assert {name: (family.auth, family.credentials) for name, family in facts.API_FAMILIES.items()} == {
        "track": ("basic", ("site_id", "track_api_key")),
        "app": ("bearer", ("app_api_key",)),
    }
