"""The shape every benchmark section returns, and the JSON + markdown files a run writes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class Target:
    """One of the issue's targets: what it asks, what we measured, and whether that meets it."""

    name: str
    goal: str
    measured: str
    met: bool | None  # None: not measured in this run (say why in `note`)
    note: str = ""


@dataclass
class Section:
    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Run:
    started_at: datetime
    quick: bool
    machine: dict[str, Any]
    sections: list[Section] = field(default_factory=list)
    finished_at: datetime | None = None
    command: str = ""


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def section_markdown(section: Section) -> str:
    lines = [f"### {section.title}", ""]
    if section.error:
        lines += [f"**Not measured:** {section.error}", ""]
    if section.rows:
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("|" + "|".join("---" for _ in section.columns) + "|")
        for row in section.rows:
            lines.append("| " + " | ".join(_cell(row.get(c)) for c in section.columns) + " |")
        lines.append("")
    for note in section.notes:
        lines.append(f"- {note}")
    if section.notes:
        lines.append("")
    return "\n".join(lines)


def targets_markdown(sections: list[Section]) -> str:
    targets = [t for s in sections for t in s.targets]
    if not targets:
        return ""
    lines = ["### Targets", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    for t in targets:
        met = {True: "yes", False: "**no**", None: "not measured"}[t.met]
        note = f" ({t.note})" if t.note else ""
        lines.append(f"| {t.name} | {t.goal} | {t.measured}{note} | {met} |")
    return "\n".join(lines) + "\n"


def machine_markdown(machine: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    return (
        f"Machine: {machine['cpu_model']}, {machine['logical_cores']} cores, "
        f"{machine['memory_gib']} GiB; load average at start {machine['load_average']}"
        f"{', at end ' + str(machine['load_average_end']) if 'load_average_end' in machine else ''}; "
        f"Python {machine['python']}, Redis {machine.get('redis_server')}, "
        f"PostgreSQL {machine.get('postgresql')}; commit {machine.get('git_commit')}.\n\n"
        f"Packages: {packages}.\n"
    )


def run_markdown(run: Run) -> str:
    mode = "quick (BENCH_QUICK=1)" if run.quick else "full"
    parts = [
        f"## Benchmark run {run.started_at:%Y-%m-%d %H:%M:%S} UTC ({mode})",
        "",
        f"Command: `{run.command}`" if run.command else "",
        "",
        machine_markdown(run.machine),
        targets_markdown(run.sections),
    ]
    parts += [section_markdown(s) for s in run.sections]
    return "\n".join(parts)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def write(run: Run, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = run.started_at.strftime("%Y%m%dT%H%M%SZ")
    json_path = directory / f"{stamp}.json"
    md_path = directory / f"{stamp}.md"
    json_path.write_text(json.dumps(asdict(run), indent=2, default=_json_default) + "\n")
    md_path.write_text(run_markdown(run))
    return json_path, md_path
