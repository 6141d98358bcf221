"""Programs as content: the program file format, its questions and the schedule of its steps (pure)."""

from domain.programs.format import (
    Problem,
    ProgramFile,
    ProgramFormatError,
    Resource,
    StepSpec,
    parse_program,
)
from domain.programs.questions import Question, QuestionType, answer_text, check_answer
from domain.programs.render import render_program

__all__ = [
    "Problem",
    "ProgramFile",
    "ProgramFormatError",
    "Question",
    "QuestionType",
    "Resource",
    "StepSpec",
    "answer_text",
    "check_answer",
    "parse_program",
    "render_program",
]
