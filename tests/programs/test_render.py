"""Writing programs back as files: the canonical layout parses to the same program."""

from __future__ import annotations

import pytest

from domain.programs import ProgramFile, parse_program, render_program
from domain.programs.templates import TEMPLATES, template_text
from tests.programs.example import EXAMPLE


@pytest.mark.parametrize("text", [EXAMPLE, *(template_text(name) for name in TEMPLATES)])
def test_rendering_a_parsed_program_gives_the_same_program(text: str) -> None:
    program = parse_program(text)
    rendered = render_program(program)
    assert parse_program(rendered) == program
    assert render_program(parse_program(rendered)) == rendered  # the layout is a fixed point


def test_a_program_without_content_renders_its_settings() -> None:
    program = ProgramFile(
        name="Momentum: strength", price_minor=4950, currency="eur", billing="monthly", weeks=12
    )
    text = render_program(program)
    assert "name: 'Momentum: strength'\n" in text and "price: 49.50\n" in text
    assert parse_program(text) == program


def test_templates_are_complete_programs() -> None:
    for name in TEMPLATES:
        program = parse_program(template_text(name))
        assert program.steps[0].day == 1 and len(program.steps) >= 10
        assert program.steps[-1].day > (program.weeks - 1) * 7  # content runs to the last week
        assert all(step.body and step.tasks for step in program.steps)
        assert program.checkin_questions and program.assessment
