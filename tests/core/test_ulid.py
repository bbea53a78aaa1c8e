"""ULIDs: shape, ordering and the spec's fixed points."""

from __future__ import annotations

import pytest

from cio_connector._util.ulid import is_ulid, new_ulid


def test_new_ulid_is_a_ulid_and_sorts_by_time():
    first, second = new_ulid(milliseconds=1), new_ulid(milliseconds=2)
    assert is_ulid(first) and is_ulid(second)
    assert first < second


def test_known_value():
    assert new_ulid(milliseconds=0, randomness=bytes(10)) == "0" * 26
    assert new_ulid(milliseconds=2**48 - 1, randomness=b"\xff" * 10) == "7" + "Z" * 25


@pytest.mark.parametrize(
    "value",
    ["", "0" * 25, "0" * 27, "8" + "0" * 25, "0" * 25 + "I", "0" * 25 + "U", "0" * 25 + "\n", 12, None],
)
def test_not_ulids(value):
    assert not is_ulid(value)


def test_lower_case_is_accepted():
    assert is_ulid(new_ulid().lower())


@pytest.mark.parametrize("kwargs", [{"milliseconds": -1}, {"milliseconds": 2**48}, {"randomness": b"x"}])
def test_out_of_range_parts_are_refused(kwargs):
    with pytest.raises(ValueError):
        new_ulid(**kwargs)
