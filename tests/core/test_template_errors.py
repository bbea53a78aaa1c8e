"""A template that reads a missing record field says which field, in words a form can show."""

from __future__ import annotations

import pytest

from cio_connector.pipeline.templating import render_config


@pytest.mark.parametrize(
    ("template", "record", "message"),
    [
        ("{{ record.nme }}", {"name": "Ada"}, "the record has no field 'nme'"),
        ("Hello {{ record.first }} {{ record.nme }}", {"first": "Ada"}, "the record has no field 'nme'"),
        ("{{ record.address.city }}", {}, "the record has no field 'address'"),
        ("{{ record.address.city }}", {"address": {}}, "the record has no field 'address.city'"),
        ('{{ record["first name"] }}', {}, "the record has no field 'first name'"),
        ("{{ record.plan | upper }}", {}, "the record has no field 'plan'"),
        ("{{ [record.missing] }}", {}, "the record has no field 'missing'"),
        ("{{ nme }}", {}, "'nme' is not defined; a field of the record is written record.nme"),
        ("{{ workflow.step }}", {}, "'workflow' has no field 'step'"),
    ],
)
def test_a_missing_field_is_named(template, record, message):
    rendered = render_config({"v": template}, {"record": record, "workflow": {}})
    assert [p.message for p in rendered.problems] == [f"template error: {message}"]


def test_other_template_errors_keep_their_own_words():
    rendered = render_config({"v": "{{ record.x | nope }}"}, {"record": {}})
    assert [p.message for p in rendered.problems] == ["template error: No filter named 'nope'."]
