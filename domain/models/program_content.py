"""What is inside a program (versions, steps, tasks, files) and how far each enrollment got through it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.clock import utcnow
from domain.crypto import EncryptedJSON
from domain.models.base import Base


class ProgramVersion(Base):
    """One version of a program's content: a draft the coach edits, or a published one (immutable).

    ``source`` is the program file as the coach wrote it, so an export gives it back byte for byte."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(String(200))
    weeks: Mapped[int]
    checkin_questions: Mapped[list[Any]] = mapped_column(default=list)
    # The program's email sequence ([{day, subject, text}], domain.programs.format.EmailSpec); NULL
    # for versions imported before sequences existed (none).
    email_sequence: Mapped[list[Any] | None]
    publish_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]


class ProgramStep(Base):
    __tablename__ = "program_steps"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"), index=True)
    position: Mapped[int]
    day: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The task texts in order; clients tick them by number (``done 2``).
    tasks: Mapped[list[Any]] = mapped_column(default=list)
    # Paths (``files/intervals.pdf``) of the resources sent with this step.
    resource_paths: Mapped[list[Any]] = mapped_column(default=list)


class ProgramResource(Base):
    """A file stored with a program version and sent as a document with the steps that link to it."""

    __tablename__ = "program_resources"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str] = mapped_column(String(256))
    mime_type: Mapped[str] = mapped_column(String(128))
    size_bytes: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)


class EnrollmentProgress(Base):
    """Which version an enrollment follows, and when it started and finished the program."""

    __tablename__ = "enrollment_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"), index=True)
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StepRelease(Base):
    """A step delivered to an enrollment; one row per (enrollment, step title) makes delivery happen once
    and lets progress survive a move to another version (steps are matched by title)."""

    __tablename__ = "step_releases"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_key"),
        Index("ix_step_releases_enrollment_id_released_at", "enrollment_id", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"))
    # The step's title, case-folded: what identifies a step across versions.
    step_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    day: Mapped[int]
    released_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskTick(Base):
    """A task an enrolled client ticked off (matched by step title and task text across versions)."""

    __tablename__ = "task_ticks"
    __table_args__ = (UniqueConstraint("enrollment_id", "step_key", "task"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(300))
    ticked_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckInAnswer(Base):
    """The answer to one of a program's own check-in questions, typed by the question (JSON value)."""

    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("check_in_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    # What the client answered: encrypted at rest like their notes.
    value: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
