"""`cio-connector validate` beside check-jsonschema on the same 10,000 config files, side by side.

Both run as one process over every file (as CI would call them). check-jsonschema gets one schema
that applies our generated input schema to each file's ``config`` by its ``action``; it knows
nothing of templates, cross-field messages, byte limits or positions in the file, so it does less.

    ./dev pip install -e '.[bench]'        # check-jsonschema
    ./dev python benchmarks/bench_ci_validate.py [--files 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def config_for(action: str, rng: random.Random, index: int) -> dict:
    ident = rng.choice(["{{ record.id }}", f"user-{index}", "{{ record.email }}"])
    matching = {"matching_field": "email" if "email" in ident else "id", "matching_value": ident}
    if action == "upsert_customer":
        return {**matching, "mappings": {"plan": "{{ record.plan }}", "source": "import", "score": index}}
    if action == "delete_customer":
        return matching
    if action in ("add_customer_to_segment", "remove_customer_from_segment"):
        return {**matching, "segment": rng.choice([rng.randint(1, 1000), "{{ record.segment_id }}"])}
    if action == "track_event":
        return {
            "name": "purchase",
            "customer_id": ident,
            "mappings": {"total": "{{ record.total }}"},
            "timestamp": "2024-05-01T12:00:00Z",
        }
    return {"customer_id": ident, "page_url": "https://example.com/pricing", "mappings": {"ref": "{{ record.ref }}"}}


def write_files(folder: Path, count: int, actions: list[str]) -> list[str]:
    """Half YAML, half JSON; one in five holds two steps; one in twenty has a mistake."""
    import yaml

    rng = random.Random(12)
    names = []
    for index in range(count):
        action = actions[index % len(actions)]
        config = config_for(action, rng, index)
        if index % 20 == 7:
            config["unknown_field"] = True
        document: dict = {"action": action, "config": config}
        if index % 5 == 3:
            other = actions[(index + 1) % len(actions)]
            document = {
                "steps": [{"id": "first", **document}, {"id": "second", "action": other, "config": config_for(other, rng, index)}]
            }
        name = f"c{index:05d}." + ("json" if index % 2 else "yaml")
        text = json.dumps(document, indent=2) if name.endswith("json") else yaml.safe_dump(document, sort_keys=False)
        (folder / name).write_text(text)
        names.append(name)
    return names


def combined_schema(schemas: Path) -> dict:
    """One schema for check-jsonschema: the config file format, each action's input schema on ``config``."""
    defs, branches = {}, []
    for path in sorted((schemas / "actions").glob("*.json")):
        schema = json.loads(path.read_text())
        schema.pop("$id", None)
        schema.pop("$schema", None)
        defs[path.stem] = schema
        branches.append(
            {
                "if": {"properties": {"action": {"const": path.stem}}},
                "then": {"properties": {"config": {"$ref": f"#/$defs/{path.stem}"}}},
            }
        )
    step = {"type": "object", "required": ["action", "config"], "allOf": branches}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "if": {"required": ["steps"]},
        "then": {"properties": {"steps": {"type": "array", "items": step}}},
        "else": step,
        "$defs": defs,
    }


def timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and CPU seconds (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    checker = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
    if checker is None:
        print("check-jsonschema is not installed: ./dev pip install -e '.[bench]'", file=sys.stderr)
        return 2
    schemas = ROOT / "schemas"
    actions = sorted(p.stem for p in (schemas / "actions").glob("*.json"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = write_files(folder, args.files, actions)
        (folder / "combined.schema.json").write_text(json.dumps(combined_schema(schemas)))
        ours_cmd = [str(BIN / "cio-connector"), "validate", "--format", "json", *names]
        theirs_cmd = [checker, "--schemafile", "combined.schema.json", "--output-format", "json", *names]
        ours, theirs = [], []
        for _ in range(args.repeat):
            *times, ours_run = timed(ours_cmd, folder)
            ours.append(times)
            *times, theirs_run = timed(theirs_cmd, folder)
            theirs.append(times)
        ours_report = json.loads(ours_run.stdout)
        flagged_ours = sum(1 for f in ours_report["files"] if not f["valid"])
        theirs_report = json.loads(theirs_run.stdout) if theirs_run.stdout.strip() else {}
        flagged_theirs = len({e.get("filename") for e in theirs_report.get("errors", [])})
    print(
        f"{args.files:,} config files (half YAML, half JSON, a fifth multi-step), median of {args.repeat} runs, one process each"
    )
    rows = [("cio-connector validate", ours, ours_run, flagged_ours), ("check-jsonschema", theirs, theirs_run, flagged_theirs)]
    for name, runs, run, flagged in rows:
        wall, cpu = statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs)
        print(
            f"  {name:<23}: {wall:6.2f} s wall, {cpu:6.2f} s CPU ({args.files / cpu:,.0f} files per CPU second), "
            f"exit {run.returncode}, {flagged:,} files flagged"
        )
    cpu_ratio = statistics.median(t[1] for t in theirs) / statistics.median(t[1] for t in ours)
    wall_ratio = statistics.median(t[0] for t in theirs) / statistics.median(t[0] for t in ours)
    print(f"  check-jsonschema / ours: {cpu_ratio:.2f}x CPU time, {wall_ratio:.2f}x wall time (higher: ours is faster)")
    print("  check-jsonschema cannot tell a template from a value; ours also reports line:column, suggestions,")
    print("  template syntax, cross-field rules with their messages, and Customer.io's byte limits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
