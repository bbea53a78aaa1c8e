"""Findings written for people (colour on a terminal) and for CI: JSON, GitHub, JUnit, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from typing import IO, Any
from urllib.parse import quote
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_quoteattr

from .findings import FileResult, Finding

__all__ = ["FORMATS", "render", "use_colour"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RED, _YELLOW, _CYAN, _BOLD, _DIM, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


# What a hostile file name, key or step id must not carry into a terminal: C0 and C1 controls (ESC,
# CSI, OSC ...), DEL, bidi overrides, and lone surrogates (undecodable bytes of a file name).
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# What XML 1.0 cannot carry at all, not even escaped.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _shown(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written out (``\\x1b``), safe to print on a terminal."""
    return _TERMINAL_UNSAFE.sub(lambda m: _shown(m.group()), text)


def _xml(text: str) -> str:
    return _XML_UNSAFE.sub(lambda m: _shown(m.group()), text)


def escape(text: str) -> str:
    return _xml_escape(_xml(text))


def quoteattr(text: str) -> str:
    return _xml_quoteattr(_xml(text))


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cio-connector")
    except PackageNotFoundError:
        return "0"


def _problems(results: Sequence[FileResult]) -> list[Finding]:
    return [finding for result in results for finding in result.findings]


def _summary(results: Sequence[FileResult]) -> str:
    errors = sum(1 for f in _problems(results) if f.level == "error")
    failing = sum(1 for r in results if not r.ok)
    unreadable = sum(1 for r in results if r.unreadable)
    warnings = sum(1 for f in _problems(results) if f.level == "warning")
    total = len(results)
    files = f"{total} file{'s' if total != 1 else ''}"
    if not failing:
        return f"{files} checked: no problems" + (f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else "")
    text = f"{errors} problem{'s' if errors != 1 else ''} in {failing - unreadable} of {files}"
    return text + (f"; {unreadable} unreadable" if unreadable else "")


def human(results: Sequence[FileResult], notes: Sequence[str], colour: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines = []
    for result in results:
        if result.unreadable:
            lines.append(paint(_RED, f"error: {visible(result.unreadable)}"))
        for finding in result.findings:
            tone = _RED if finding.level == "error" else _YELLOW
            position, where, text = visible(finding.position), visible(finding.where), visible(finding.text)
            lines.append(f"{paint(_BOLD, position + ':')} {paint(_CYAN, where + ':')} {paint(tone, text)}")
    lines.extend(paint(_DIM, f"note: {visible(note)}") for note in notes)
    lines.append(_summary(results))
    return "\n".join(lines) + "\n"


def as_json(results: Sequence[FileResult], notes: Sequence[str], colour: bool = False) -> str:
    files = [
        {
            "file": r.file,
            "valid": r.ok,
            **({"unreadable": r.unreadable} if r.unreadable else {}),
            "problems": [f.to_dict() for f in r.findings],
            "deferred": [f.to_dict() for f in r.deferred],
        }
        for r in results
    ]
    document = {"valid": all(r.ok for r in results), "files": files, "notes": list(notes), "summary": _summary(results)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _gh_data(text: str) -> str:
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github(results: Sequence[FileResult], notes: Sequence[str], colour: bool = False) -> str:
    """GitHub Actions workflow commands: one annotation per finding, shown on the pull request."""
    lines = []
    for result in results:
        if result.unreadable:
            lines.append(f"::error file={_gh_property(result.file)}::{_gh_data(result.unreadable)}")
        for f in result.findings:
            kind = {"error": "error", "warning": "warning"}.get(f.level, "notice")
            where = f"file={_gh_property(f.file)}" + (f",line={f.line},col={f.column}" if f.line else "")
            lines.append(f"::{kind} {where}::{_gh_data(f.where + ': ' + f.message)}")
    lines.extend(f"::notice::{_gh_data(note)}" for note in notes)
    return "\n".join(lines) + ("\n" if lines else "")


def junit(results: Sequence[FileResult], notes: Sequence[str], colour: bool = False, *, suite: str = "cio-connector") -> str:
    """One test case per file; a failure lists that file's findings (errors: unreadable files)."""
    failures = sum(1 for r in results if not r.ok and not r.unreadable)
    errors = sum(1 for r in results if r.unreadable)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr(suite)} tests="{len(results)}" failures="{failures}" errors="{errors}">',
        f'  <testsuite name={quoteattr(suite)} tests="{len(results)}" failures="{failures}" errors="{errors}">',
    ]
    for r in results:
        out.append(f"    <testcase classname={quoteattr(suite)} name={quoteattr(r.file)}>")
        if r.unreadable:
            out.append(f'      <error message={quoteattr(r.unreadable)} type="unreadable"/>')
        elif not r.ok:
            errors_here = [f for f in r.findings if f.level == "error"]
            first = errors_here[0]
            body = escape("\n".join(str(f) for f in r.findings))
            count = f"{len(errors_here)} problem{'s' if len(errors_here) != 1 else ''}"
            out.append(
                f"      <failure message={quoteattr(count + ': ' + str(first))} type={quoteattr(first.code)}>{body}</failure>"
            )
        elif r.findings:
            out.append(f"      <system-out>{escape(chr(10).join(str(f) for f in r.findings))}</system-out>")
        out.append("    </testcase>")
    if notes:
        out.append(f"    <system-out>{escape(chr(10).join(notes))}</system-out>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


_RULE_TEXT = {
    "syntax": "the file is not valid YAML or JSON",
    "shape": "the file is not an action config or a list of steps",
    "unknown_action": "no such action",
    "unknown_field": "no such field in the action",
    "required": "a required field is missing",
    "template": "a template does not parse",
    "record_field": "a template reads a record field the record schema lacks or types differently",
    "record_type": "a template renders text where the field needs another type",
    "options": "a chosen option does not exist in the workspace",
    "unreadable": "the file cannot be read",
    "duplicate_step": "two steps share an id",
}


def sarif(results: Sequence[FileResult], notes: Sequence[str], colour: bool = False) -> str:
    """SARIF 2.1.0 for code scanning: one result per finding, rules named by finding code."""
    findings = _problems(results) + [Finding(r.file, r.unreadable, code="unreadable") for r in results if r.unreadable]
    codes = sorted({f.code for f in findings})
    rules = [
        {"id": code, "shortDescription": {"text": _RULE_TEXT.get(code, f"a value fails its {code!r} check")}} for code in codes
    ]
    sarif_results: list[dict[str, Any]] = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.column} if f.line else {}
        location = {
            "physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},
                **({"region": region} if region else {}),
            }
        }
        sarif_results.append(
            {
                "ruleId": f.code,
                "ruleIndex": codes.index(f.code),
                "level": f.level,
                "message": {"text": f"{f.where}: {f.message}"},
                "locations": [location],
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": not any(r.unreadable for r in results)}
    if notes:
        invocation["toolExecutionNotifications"] = [{"level": "note", "message": {"text": note}} for note in notes]
    run = {
        "tool": {"driver": {"name": "cio-connector", "version": _version(), "rules": rules}},
        "invocations": [invocation],
        "results": sarif_results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative URI reference (RFC 3986): every byte outside the unreserved set and ``/`` percent-encoded."""
    raw = os.fsencode(path.replace(os.sep, "/"))  # undecodable bytes of a name come back as themselves
    return quote(raw, safe="/")


Renderer = Callable[..., str]
FORMATS: dict[str, Renderer] = {"human": human, "json": as_json, "github": github, "junit": junit, "sarif": sarif}


def render(fmt: str, results: Sequence[FileResult], notes: Sequence[str], stream: IO[str]) -> str:
    text = FORMATS[fmt](results, notes, use_colour(stream) if fmt == "human" else False)
    # JSON and SARIF keep text as it is (JSON escapes controls); a lone surrogate left from an
    # undecodable file name would make the write fail, so it is written as a JSON escape.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
