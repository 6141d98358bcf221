"""Writing a :class:`ProgramFile` back as a program file (canonical layout; pure).

``parse_program(render_program(p)) == p`` for every parsed program. Exports of imported versions
print the coach's own file byte for byte; this layout is for versions that never had one (programs
created with ``coach programs add``) and for tools that build programs in code.
"""

from __future__ import annotations

from typing import Any

import yaml

from domain.programs.format import ProgramFile
from domain.programs.questions import Question


def _scalar(value: Any) -> str:
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return dumped.removesuffix("\n...\n").strip()


def _questions(name: str, questions: tuple[Question, ...]) -> list[str]:
    if not questions:
        return []
    lines = [f"{name}:"]
    for q in questions:
        lines.append(f"  - key: {q.key}")
        lines.append(f"    ask: {_scalar(q.ask)}")
        lines.append(f"    type: {q.type.value}")
        if q.choices:
            lines.append(f"    choices: [{', '.join(_scalar(c) for c in q.choices)}]")
        if q.min is not None:
            lines.append(f"    min: {q.min}")
        if q.max is not None:
            lines.append(f"    max: {q.max}")
    return lines


def render_program(program: ProgramFile) -> str:
    lines = [
        "---",
        f"name: {_scalar(program.name)}",
    ]
    if program.description:
        lines.append(f"description: {_scalar(program.description)}")
    lines += [
        f"price: {program.price_text}",
        f"currency: {program.currency}",
        f"billing: {program.billing}",
        f"weeks: {program.weeks}",
        f"checkin_cadence: {program.checkin_cadence}",
        f"goals_need_approval: {'true' if program.goals_need_approval else 'false'}",
    ]
    lines += _questions("assessment", program.assessment)
    lines += _questions("checkin_questions", program.checkin_questions)
    lines.append("---")
    for step in program.steps:
        lines += ["", f"## Day {step.day}: {step.title}"]
        if step.body:
            lines.append(step.body)
        if step.tasks:
            lines.append("")
            lines += [f"- [ ] {task}" for task in step.tasks]
    return "\n".join(lines) + "\n"
