"""Every template probe from issue 9 ends with a problem at its field (the template policy)."""

from __future__ import annotations

import pytest

from cio_connector.pipeline import templating

from .guard import no_hang

BIG = "x" * 1_000_000

# (probe, the problem's message after "template error: ")
PROBES = [
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     "range() of 100,000 numbers is too large for a template; at most 10,000"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
     "the template takes over 20,000 steps (loop iterations, calls, operations)"),
    ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(30) }}",
     "the template takes over 20,000 steps (loop iterations, calls, operations)"),
    ("{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}", "calls nest over 32 deep (a macro calling itself?)"),
    ("{{ lipsum(1000000) }}", "'lipsum' is not defined; a field of the record is written record.lipsum"),
    ("{{ ((((9**64)**64)**64)**64)**64 }}", "203-bit number ** 64 is too large for a template"),
    ("{% set ns = namespace(n=9**64) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
     "a product over 4,096 bits is too large for a template"),
    ("{{ [('a'*1000000)]*1000 }}", "a value over 100,000 characters or items is too large for a template"),
    ("{{ [('a'*99999)]*1000 }}", "a value over 100,000 characters or items is too large for a template"),
    ("{{ 'x'.ljust(999999999) }}", "ljust(999,999,999) is too large for a template; at most 100,000"),
    ("{{ 'x'.zfill(999999999) }}", "zfill(999,999,999) is too large for a template; at most 100,000"),
    ("{{ '{:>999999999}'.format('x') }}", "format(): a width or precision over 100,000 is too large for a template"),
    ("{{ '{:{w}}'.format('x', w=999999999) }}", "format(): nested or starred widths are not allowed in templates"),
    ("{{ '%0999999999d' % 1 }}", "'%' formatting: a width or precision over 100,000 is too large for a template"),
    ("{{ '%0*d' % (999999999, 1) }}", "'%' formatting: nested or starred widths are not allowed in templates"),
    ("{{ '%099999999d'|format(1) }}", "'%' formatting: a width or precision over 100,000 is too large for a template"),
    ("{{ 'x'|center(999999999) }}", "center(999,999,999) is too large for a template"),
    ("{{ ('\n'*10000)|indent(1000) }}", "indent(1,000) is too large for a template"),
    ("{{ ('\t'*1000).expandtabs(99999) }}", "expandtabs() would be too large for a template"),
    ("{{ ('a'*99999).replace('a', 'aaaaaaaaaa') }}", "replace() would be too large for a template"),
    ("{{ ('a'*1000).translate({97: 'b'*100000}) }}", "translate() is not available in templates"),
    ("{{ (1).to_bytes(999999999, 'big') }}", "to_bytes() is not available in templates"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
     "'~' joining over 100,000 characters is too large for a template"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
     "a value over 100,000 characters or items is too large for a template"),
    ("{{ range(100)|list|tojson(indent=999999) }}", "tojson(indent=999,999) is too large for a template; at most 16"),
    ("{{ '{:_>999999999999999}'.format('x') }}", "format(): a width or precision over 100,000 is too large for a template"),
    ("{{ [1]|slice(999999999)|list }}", "slice(999,999,999) is too large for a template; at most 100,000"),
    ("{{ [1]|batch(999999999, 0)|list }}", "batch(999,999,999) is too large for a template; at most 100,000"),
    ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "recursive loops are not allowed in templates"),
    ("{{ " + "(" * 200 + "1" + ")" * 200 + " }}", "the template nests brackets 202 deep; at most 24 allowed"),
    ("{{ 1 }}" + BIG, "the template is 1,000,007 characters; at most 8,000 allowed"),
    ("{{ record.big }}{{ record.big }}", "the template's output is over 100,000 characters"),
    ("{{ record.huge }}x", "a number over 4,096 bits is too large to print"),
]


@pytest.mark.parametrize(("template", "message"), PROBES, ids=range(len(PROBES)))
def test_each_template_probe_is_a_problem_at_its_field(connector, template, message):
    config = {"matching_field": "id", "matching_value": "42", "mappings": {"plan": template}}
    record = {"big": "b" * 60_000, "huge": 10**2000}
    with no_hang():
        problems = connector.validate("upsert_customer", config, record=record)
    found = [(p.path, p.message) for p in problems if p.path == "$.mappings.plan"]
    assert found == [("$.mappings.plan", f"template error: {message}")]


def test_a_huge_template_is_refused_before_compiling_even_without_a_record(connector):
    config = {"matching_field": "id", "matching_value": "{{ 1 }}" + BIG}
    with no_hang():
        problems = connector.validate("delete_customer", config)
    assert [(p.path, p.message) for p in problems] == [
        ("$.matching_value", "template error: the template is 1,000,007 characters; at most 8,000 allowed")
    ]


def test_many_values_share_one_budget_per_config(connector):
    mappings = {f"k{index}": "{{ 'x' * 99999 }}" for index in range(300)}
    config = {"matching_field": "id", "matching_value": "42", "mappings": mappings}
    with no_hang():
        problems = connector.validate("upsert_customer", config, record={})
    budget = [p for p in problems if p.message.startswith("template error: the config's templates together")]
    assert budget and budget[0].message == "template error: the config's templates together output over 400,000 characters"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% for item in record.people %}{{ item.name|upper }}{% if not loop.last %}, {% endif %}{% endfor %}", "A, B"),
        ("{{ '{:>5}'.format(record.n) }}", "   42"),
        ("{{ '%05d' % record.n }}", "00042"),
        ("{{ record.people|map(attribute='name')|join('-') }}", "a-b"),
        ("{% macro greet(n) %}hi {{ n }}{% endmacro %}{{ greet(record.n) }}", "hi 42"),
        ("{{ (record.n ** 2) ~ 'x' }}", "1764x"),
        ("{{ range(3)|list|sum }}", 3),
    ],
)
def test_ordinary_templates_still_render(template, expected):
    rendered = templating.render_config({"v": template}, {"record": {"people": [{"name": "a"}, {"name": "b"}], "n": 42}})
    assert rendered.problems == []
    assert rendered.value == {"v": expected}


BIG_RECORD = {"people": list(range(1_000_000)), "names": {str(i): i for i in range(100_000)}}


@pytest.mark.parametrize(
    "template",
    [
        "{% for i in range(10000) %}{{ i in record.people }}{% endfor %}",
        "{% for i in range(1000) %}{{ record.people.index(999999) }}{% endfor %}",
        "{% for i in range(1000) %}{{ record.people[::1]|length }}{% endfor %}",
        "{% for i in range(1000) %}{{ record.people == record.people }}{% endfor %}",
        "{% for i in range(1000) %}{{ record.people is in record.people }}{% endfor %}",
        "{% for i in range(1000) %}{{ record.names.values()|list|length }}{% endfor %}",
        "{% for i in range(1000) %}{{ dict(**record.names)|length }}{% endfor %}",
        "{% macro f() %}{% endmacro %}{% for i in range(1000) %}{{ f(*record.people) }}{% endfor %}",
    ],
)
def test_work_on_a_large_record_is_charged_to_the_budget(template):
    with no_hang():
        rendered = templating.render_config({"v": template}, {"record": BIG_RECORD})
    assert [p.message for p in rendered.problems] == [
        "template error: the template takes over 20,000 steps (loop iterations, calls, operations)"
    ]


def test_constant_time_filters_do_not_charge_a_large_record():
    rendered = templating.render_config({"v": "{{ record.people|length }} {{ record.people|first }}"}, {"record": BIG_RECORD})
    assert (rendered.value, rendered.problems) == ({"v": "1000000 0"}, [])
