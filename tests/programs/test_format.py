"""Parsing program files: the issue's example, and each validation error with its line."""

from __future__ import annotations

import pytest

from conversations.i18n import use_locale
from conversations.reasons import explain
from domain.programs import ProgramFormatError, QuestionType, parse_program
from tests.programs.example import EXAMPLE, program_file


def problems(text: str) -> list[str]:
    with pytest.raises(ProgramFormatError) as caught:
        parse_program(text)
    return [str(p) for p in caught.value.problems]


def test_the_example_parses_into_settings_questions_steps_tasks_and_files() -> None:
    program = parse_program(EXAMPLE)
    assert (program.name, program.description) == ("Couch to 5K", "Six weeks from walking to a 5 km run.")
    assert (program.price_minor, program.currency, program.billing, program.weeks) == (
        4900,
        "usd",
        "one_off",
        6,
    )
    assert program.checkin_cadence == "daily" and program.goals_need_approval is False
    assert [(q.key, q.type) for q in program.assessment] == [("longest_run", QuestionType.NUMBER)]
    assert [(q.key, q.ask) for q in program.checkin_questions] == [
        ("run_minutes", "How many minutes did you run today?")
    ]
    assert [(s.day, s.title) for s in program.steps] == [(1, "Welcome"), (3, "First intervals")]
    assert program.steps[0].body == "Why walking first works, in three short paragraphs."
    assert program.steps[0].tasks == ("Walk 20 minutes at an easy pace", "Put your shoes by the door")
    assert program.steps[1].tasks == ("8 × (1 min jog, 90 s walk)",)
    assert [(r.label, r.path) for r in program.resources] == [("Interval guide", "files/intervals.pdf")]


@pytest.mark.parametrize(
    ("price", "minor"),
    [("49", 4900), ("49.00", 4900), ("'49,00'", 4900), ("49,5", 4950), ("0", 0), ("12.30", 1230)],
)
def test_price_is_in_currency_units_with_dot_or_comma(price: str, minor: int) -> None:
    assert parse_program(program_file(settings=f"name: X\nprice: {price}\n")).price_minor == minor


def test_price_of_a_zero_decimal_currency() -> None:
    assert parse_program(program_file(settings="name: X\nprice: 4900\ncurrency: jpy\n")).price_minor == 4900


def test_steps_out_of_order_name_the_line() -> None:
    text = program_file("## Day 5: Later\nText", "## Day 3: Earlier\nText")
    assert problems(text) == ["line 9: day 3 comes after day 5"]


@pytest.mark.parametrize(
    ("steps", "settings", "expected"),
    [
        (
            ("## Day 2: A", "## Day 2: B"),
            "name: X\n",
            "line 7: day 2 already has a step (line 5): one step per day",
        ),
        (("## Day 0: Zero",), "name: X\n", "line 5: days count from 1 (day 1 is the day the client starts)"),
        (
            ("## Day 15: Late",),
            "name: X\nweeks: 2\n",
            "line 6: day 15 is after the program's 2 weeks (day 14)",
        ),
        (
            ("## Day 1: Same", "## Day 2: same"),
            "name: X\n",
            "line 7: the title 'same' is already used on line 5",
        ),
        (("## Day 1:",), "name: X\n", "line 5: the step needs a title after 'Day N:'"),
        (
            ("## Week 1",),
            "name: X\n",
            "line 5: a step starts with a heading like '## Day 3: First intervals'",
        ),
        (("## Day 1: A\n- [x] done already",), "name: X\n", "line 6: tasks start unticked: write '- [ ] …'"),
        (("## Day 1: A\n- [ ] ",), "name: X\n", "line 6: the task is empty"),
        (("## Day 1: A\n- [ ] " + "t" * 201,), "name: X\n", "line 6: the task is longer than 200 characters"),
        (
            ("## Day 1: A\n[x](files/../secret)",),
            "name: X\n",
            "line 6: 'files/../secret' must name a file inside files/",
        ),
        (("## Day 1: A\n" + "x" * 3801,), "name: X\n", "line 5: the step's text is 3801 characters"),
        (("## Day 1: A",), "price: 5\n", "line 1: 'name' is required"),
        (("## Day 1: A",), "name: X\nprice: 0.499\n", "line 3: price: '0.499' has too many decimals"),
        (("## Day 1: A",), "name: X\nprice: -5\n", "line 3: price: '-5' is not an amount"),
        (("## Day 1: A",), "name: X\nprice: yes\n", "line 3: 'price' must be an amount like 49 or 49.00"),
        (("## Day 1: A",), "name: X\ncurrency: dollars\n", "line 3: 'currency' must be a three-letter code"),
        (("## Day 1: A",), "name: X\nbilling: yearly\n", "line 3: 'billing' must be one_off or monthly"),
        (
            ("## Day 1: A",),
            "name: X\nbilling: monthly\nprice: 0\n",
            "line 3: a monthly program needs a price",
        ),
        (("## Day 1: A",), "name: X\nweeks: 0\n", "line 3: 'weeks' must be a whole number from 1 to 520"),
        (("## Day 1: A",), "name: X\ncheckin_cadence: hourly\n", "line 3: 'checkin_cadence' must be daily"),
        (
            ("## Day 1: A",),
            "name: X\ngoals_need_approval: maybe\n",
            "line 3: 'goals_need_approval' must be true",
        ),
        (("## Day 1: A",), "name: X\ncolour: blue\n", "line 3: unknown setting 'colour'"),
        (("## Day 1: A",), "name: X\nname: [unclosed\n", "line 3: the settings are not valid YAML"),
        (("## Day 1: A",), "- just\n- a list\n", "line 2: the settings must be 'field: value' lines"),
    ],
)
def test_each_validation_error_names_its_line(steps: tuple[str, ...], settings: str, expected: str) -> None:
    found = problems(program_file(*steps, settings=settings))
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        ("  - key: Bad Key\n    ask: Q?\n    type: text\n", "line 4: 'key' must be lowercase letters"),
        (
            "  - key: a\n    ask: Q?\n    type: text\n  - key: a\n    ask: R?\n    type: text\n",
            "line 7: the key 'a' is used twice",
        ),
        ("  - key: a\n    type: text\n", "line 4: question 'a' needs 'ask'"),
        ("  - key: a\n    ask: Q?\n    type: colour\n", "line 6: 'type' must be one of number, scale"),
        (
            "  - key: a\n    ask: Q?\n    type: choice\n    choices: [One]\n",
            "line 7: a choice question needs 'choices'",
        ),
        (
            "  - key: a\n    ask: Q?\n    type: scale\n    min: 5\n    max: 1\n",
            "line 7: a scale needs whole numbers min < max",
        ),
        (
            "  - key: a\n    ask: Q?\n    type: text\n    min: 1\n",
            "line 7: 'min' and 'max' belong to questions of type scale",
        ),
        ("  - key: a\n    ask: Q?\n    type: text\n    hint: x\n", "line 7: unknown question field 'hint'"),
        ("  - just text\n", "line 4: a question has 'key', 'ask' and 'type'"),
    ],
)
def test_each_question_error_names_its_line(questions: str, expected: str) -> None:
    found = problems(program_file("## Day 1: A", settings=f"name: X\ncheckin_questions:\n{questions}"))
    assert any(p.startswith(expected) for p in found), found


def test_questions_must_be_a_list() -> None:
    assert problems(program_file(settings="name: X\nassessment: yes\n")) == [
        "line 3: 'assessment' must be a list of questions ('- key: …')"
    ]


def test_file_structure_errors() -> None:
    assert problems("name: X\n") == ["line 1: a program file starts with a '---' line, then its settings"]
    assert problems("---\nname: X\n") == ["line 1: the settings block opened here is never closed with '---'"]
    assert problems("---\n---\n") == ["line 1: the settings block is empty: a program needs at least a name"]
    assert problems("---\nname: X\n---\nIntro text\n## Day 1: A\n") == [
        "line 4: text before the first step: start it with '## Day 1: Title'"
    ]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = program_file("## Day 3: B", "## Day 2: A\n- [x] t", settings="name: X\nbilling: yearly\n")
    assert problems(text) == [
        "line 3: 'billing' must be one_off or monthly",
        "line 8: day 2 comes after day 3",
        "line 9: tasks start unticked: write '- [ ] …'",
    ]


def test_a_german_coach_reads_every_problem_in_german_with_its_line() -> None:
    text = program_file("## Day 3: B", "## Day 3: A\n- [x] t", settings="name: X\nbilling: yearly\n")
    with pytest.raises(ProgramFormatError) as caught:
        parse_program(text)
    error = caught.value
    english = [
        "line 3: 'billing' must be one_off or monthly",
        "line 8: day 3 already has a step (line 6): one step per day",
        "line 9: tasks start unticked: write '- [ ] …'",
    ]
    assert [str(p) for p in error.problems] == english and error.message == "\n".join(english)
    with use_locale("de"):
        german = [
            "Zeile 3: 'billing' muss one_off oder monthly sein",
            "Zeile 8: Tag 3 hat schon einen Schritt (Zeile 6): ein Schritt pro Tag",
            "Zeile 9: Aufgaben beginnen nicht abgehakt: schreib '- [ ] …'",
        ]
        assert [explain(p.reason) for p in error.problems] == german
        # A channel that only has the error says all of it, one problem a line.
        assert explain(error) == "\n".join(german)
    with use_locale("ru"):
        assert explain(error.problems[1].message) == "у дня 3 уже есть шаг (строка 6): один шаг в день"
    assert explain(error) == error.message  # English as before


def test_a_price_problem_says_the_money_modules_reason_in_the_same_language() -> None:
    with pytest.raises(ProgramFormatError) as caught:
        parse_program(program_file("## Day 1: A", settings="name: X\nprice: 49.999\n"))
    assert (
        caught.value.message
        == "line 3: price: '49.999' has too many decimals: USD takes at most two decimals"
    )
    with use_locale("de"):
        assert explain(caught.value).startswith(
            "Zeile 3: Preis (price): '49.999' hat zu viele Nachkommastellen"
        )


def test_the_yaml_librarys_detail_is_a_value_inside_the_translated_sentence() -> None:
    with pytest.raises(ProgramFormatError) as caught:
        parse_program("---\nname: [unclosed\n---\n## Day 1: A\n")
    [problem] = caught.value.problems
    english = str(problem)
    assert english.startswith(f"line {problem.line}: the settings are not valid YAML (")
    detail = english.split("valid YAML (", 1)[1]
    with use_locale("es"):
        assert explain(problem.reason) == f"línea {problem.line}: los ajustes no son YAML válido ({detail}"


def test_weeks_default_to_the_last_step_day() -> None:
    program = parse_program(program_file("## Day 1: A", "## Day 16: B", settings="name: X\n"))
    assert program.weeks == 3


def test_scale_and_choice_questions() -> None:
    settings = (
        "name: X\ncheckin_questions:\n"
        "  - key: legs\n    ask: Legs?\n    type: scale\n    min: 1\n    max: 5\n"
        "  - key: where\n    ask: Where?\n    type: choice\n    choices: [Road, Trail]\n"
        "  - key: ten\n    ask: Ten?\n    type: scale\n"
    )
    questions = parse_program(program_file("## Day 1: A", settings=settings)).checkin_questions
    assert [(q.min, q.max, q.choices) for q in questions] == [
        (1, 5, ()),
        (None, None, ("Road", "Trail")),
        (1, 10, ()),
    ]
