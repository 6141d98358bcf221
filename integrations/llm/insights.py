"""The insights service: computed facts, phrased by a model when one is configured and healthy.

Every answer comes with its source. Without a model, or when it is down, slow or off-script, the
computed summary is used and labelled as not AI. Model answers are cached by a hash of their input, so
an unchanged week is never paid for twice, and token usage is recorded per coach.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time as monotonic_time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.coach_digest import digest_text, summary_label
from conversations.coach_summary import coach_summary_bullets, flag_reason
from conversations.i18n import use_locale
from conversations.ports import GoalSuggester, NewClientGoalSuggester, SuggestedGoal
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.errors import DomainError, NotFound
from domain.insights import cache, data
from domain.insights.compute import local_today, week_facts
from domain.insights.daily import day_view
from domain.insights.digest import Digest, build_digest
from domain.insights.facts import CheckInRow, ClientProfile, RiskFlag, WeekFacts
from domain.insights.goals import MAX_GOAL_WEEKS, GoalProposal, check_goal_set, default_goals
from domain.insights.grounding import is_grounded, ungrounded_in
from domain.insights.period import DigestPeriod, digest_end, digest_window, period_for_cadence
from domain.insights.summary import (
    WeeklySummary,
    cap,
    redact,
    summary_input,
)
from domain.models import Coach
from domain.services.clients import get_client
from integrations.llm.client import LlmClient, LlmError, LlmInvalidOutput, Usage
from integrations.llm.prompts import (
    LANGUAGE_NAMES,
    PROMPT_VERSION,
    GoalsAnswer,
    SummaryAnswer,
    goals_prompt,
    language_of_client,
    summary_prompt,
)

log = logging.getLogger(__name__)

HISTORY_WEEKS = 8
"""Check-ins loaded per summary: this week, the one before (for trends); streaks count this far back."""
GOALS_BUDGET_SECONDS = 8.0
"""Goal suggestions answer a client in chat: past this, the computed goals are offered instead."""
MODEL_REST_SECONDS = 60.0
"""After the model is found unavailable, the rest of a digest (and calls for this long) skip it, so
200 clients do not each wait out their own timeouts."""
MODEL_CONCURRENCY = 4
"""Model calls in flight during a digest; local servers serve one or two at a time."""


@dataclass(frozen=True, slots=True)
class _Drafted:
    value: Any
    source: str
    model: str | None
    reason: str | None
    usage: Usage | None
    cache_key: str | None
    cached: bool
    content: dict[str, Any] | None = None


class InsightsService:
    """Weekly summaries, goal suggestions, risk flags and coach digests.

    Implements :class:`conversations.ports.GoalSuggester`.
    """

    def __init__(
        self,
        db: Database,
        *,
        llm: LlmClient | None = None,
        send_pii: bool = False,
        clock: Clock = utcnow,
        goals_budget: float = GOALS_BUDGET_SECONDS,
    ) -> None:
        self.db = db
        self.goals_budget = goals_budget
        self.llm = llm
        # A model on this machine may see personal data; a remote provider only when allowed.
        self.include_pii = send_pii or (llm is not None and llm.is_local)
        self.clock = clock
        self._model_slots = asyncio.Semaphore(MODEL_CONCURRENCY)
        self._model_down_until = 0.0

    def _model_resting(self) -> bool:
        return monotonic_time.monotonic() < self._model_down_until

    def _model_failed(self) -> None:
        self._model_down_until = monotonic_time.monotonic() + MODEL_REST_SECONDS

    @classmethod
    def from_settings(cls, settings: Any, db: Database) -> InsightsService:
        llm = None
        if settings.llm_model:
            llm = LlmClient(
                model=settings.llm_model, api_key=settings.openai_api_key, base_url=settings.openai_base_url
            )
        return cls(db, llm=llm, send_pii=bool(getattr(settings, "llm_send_pii", False)))

    async def close(self) -> None:
        if self.llm is not None:
            await self.llm.close()

    # ---- facts -------------------------------------------------------------------------------

    async def _load(
        self, client_ids: Sequence[int], *, week_ending: date | None
    ) -> list[tuple[ClientProfile, list[CheckInRow], date]]:
        async with self.db.unit_of_work() as session:
            return await self._load_in(session, client_ids, week_ending=week_ending, now=self.clock())

    @staticmethod
    async def _load_in(
        session: AsyncSession, client_ids: Sequence[int], *, week_ending: date | None, now: datetime
    ) -> list[tuple[ClientProfile, list[CheckInRow], date]]:
        found = {c.id: c for c in await data.clients_by_id(session, client_ids)}
        missing = [cid for cid in client_ids if cid not in found]
        if missing:
            raise NotFound(f"no client with id {missing[0]}")
        clients = [found[cid] for cid in client_ids]
        goals = await data.active_goal_texts(session, client_ids)
        ends = {c.id: week_ending or local_today(now, c.timezone) for c in clients}
        # A day of margin either side of the local dates covers every timezone.
        earliest = min(ends.values(), default=now.date()) - timedelta(weeks=HISTORY_WEEKS, days=1)
        rows = await data.check_in_rows(
            session, client_ids, since=datetime.combine(earliest, time.min, tzinfo=UTC)
        )
        return [(data.profile_of(c, goals.get(c.id)), rows.get(c.id, []), ends[c.id]) for c in clients]

    async def week_facts(self, client_id: int, week_ending: date | None = None) -> WeekFacts:
        [(profile, rows, end)] = await self._load([client_id], week_ending=week_ending)
        return week_facts(profile, rows, week_ending=end, now=self.clock())

    async def risk_flags(self, client_id: int, *, week_ending: date | None = None) -> list[RiskFlag]:
        """Why a coach should look at this client now (empty when all is well); computed, no model."""
        return list((await self.week_facts(client_id, week_ending)).flags)

    async def flags_for_coach(
        self, coach_id: int, *, week_ending: date | None = None, locale: str | None = None
    ) -> dict[int, list[RiskFlag]]:
        """Risk flags of every active client of a coach (client id → flags), computed, no model; with
        ``locale`` (the coach's) each flag's reason reads in that language."""
        async with self.db.unit_of_work() as session:
            client_ids = [c.id for c in await data.coach_clients(session, coach_id)]
        now = self.clock()
        loaded = await self._load(client_ids, week_ending=week_ending)

        def flags_of(facts: WeekFacts) -> list[RiskFlag]:
            if locale is None:
                return list(facts.flags)
            with use_locale(locale):
                return [replace(f, reason=flag_reason(f, facts)) for f in facts.flags]

        # CPU work for a whole roster (trends, note sentiment): in a worker thread, off the loop.
        return await asyncio.to_thread(
            lambda: {
                p.client_id: flags_of(week_facts(p, rows, week_ending=end, now=now))
                for p, rows, end in loaded
            }
        )

    # ---- summaries ---------------------------------------------------------------------------

    async def weekly_summary(self, client_id: int, week_ending: date | None = None) -> WeeklySummary:
        facts = await self.week_facts(client_id, week_ending)
        coach_id = (await self._coach_ids([client_id])).get(client_id)
        [summary] = await self._summaries([(facts, coach_id)])
        return summary

    async def _coach_ids(self, client_ids: Sequence[int]) -> dict[int, int | None]:
        async with self.db.unit_of_work() as session:
            return {cid: (await get_client(session, cid)).coach_id for cid in client_ids}

    def _summary_payload(self, facts: WeekFacts, locale: str | None) -> dict[str, Any]:
        """The model's input; a coach who reads another language than English gets it named."""
        payload = summary_input(facts, include_pii=self.include_pii)
        if locale and locale != "en" and locale in LANGUAGE_NAMES:
            payload["language"] = locale
        return payload

    async def _summaries(self, items: list[tuple[WeekFacts, int | None]]) -> list[WeeklySummary]:
        async with self.db.unit_of_work() as session:
            locales = await data.coach_locales(session, [c for _, c in items if c is not None])
        langs = [locales.get(c) if c is not None else None for _, c in items]
        payloads = [self._summary_payload(facts, lang) for (facts, _), lang in zip(items, langs, strict=True)]
        keys = [
            self._cache_key("summary", f.profile.client_id, p)
            for p, (f, _) in zip(payloads, items, strict=True)
        ]
        cached = await self._cached([k for k in keys if k])
        drafts = await asyncio.gather(
            *(
                self._draft_summary(p, k, cached.get(k) if k else None, lang)
                for p, k, lang in zip(payloads, keys, langs, strict=True)
            )
        )
        fresh: dict[int, _Drafted] = {}
        out: list[WeeklySummary] = []
        for (facts, _), draft, lang in zip(items, drafts, langs, strict=True):
            if draft.source == "ai":
                bullets = tuple(cap(b) for b in draft.value)
                label = summary_label(draft.model, lang)
            else:
                bullets = tuple(cap(b) for b in coach_summary_bullets(facts, lang))
                label = summary_label(None, lang)
            summary = WeeklySummary(
                client_id=facts.profile.client_id,
                week_ending=facts.week.end.isoformat(),
                bullets=bullets,
                source=draft.source,
                model=draft.model,
                label=label,
                facts=facts,
                fallback_reason=draft.reason,
            )
            out.append(summary)
            if draft.cache_key and not draft.cached:
                # What the Slack app shows as the latest summary, besides the bullets the cache re-uses.
                content = {
                    "bullets": list(bullets),
                    "client_id": summary.client_id,
                    "week_ending": summary.week_ending,
                    "model": summary.model,
                    "text": summary.text(),
                }
                fresh[id(draft)] = replace(draft, content=content)
        await self._remember(
            [
                (fresh.get(id(d), d), coach_id, "summary")
                for d, (_, coach_id) in zip(drafts, items, strict=True)
            ]
        )
        return out

    async def _draft_summary(
        self, payload: dict[str, Any], key: str | None, cached: dict[str, Any] | None, locale: str | None
    ) -> _Drafted:
        """The model's summary for a coach who reads ``locale``; its numbers are read in that language."""
        if self.llm is None:
            return _Drafted(None, "computed", None, "no model configured", None, None, False)
        if cached is not None and _grounded(cached.get("bullets", []), payload, locale):
            return _Drafted(cached["bullets"], "ai", self.llm.model, None, None, key, True)
        if self._model_resting():
            return _Drafted(None, "computed", None, "model unavailable", None, None, False)
        system, user = summary_prompt(payload)

        def check(answer: SummaryAnswer) -> str | None:
            bad = ungrounded_in(answer.bullets(), payload, locale)
            return f"it states numbers that are not in FACTS ({', '.join(bad[:5])})" if bad else None

        try:
            async with self._model_slots:
                answer = await self.llm.complete_json(
                    system=system, user=user, output=SummaryAnswer, check=check
                )
        except LlmInvalidOutput as exc:
            log.warning("model summary rejected after repair; using the computed summary")
            return _Drafted(None, "computed", None, "model answer failed checks", exc.usage, None, False)
        except LlmError as exc:
            log.warning("model unavailable for a summary: %s", exc)
            self._model_failed()
            return _Drafted(None, "computed", None, "model unavailable", exc.usage, None, False)
        return _Drafted(list(answer.value.bullets()), "ai", answer.model, None, answer.usage, key, False)

    # ---- goals -------------------------------------------------------------------------------

    async def suggest_goals(self, client_id: int) -> list[SuggestedGoal]:
        """Three SMART goals for the client (model, else from the assessment and history)."""
        proposals, source = await self.goal_proposals(client_id)
        return [
            SuggestedGoal(g.text, g.metric, g.target, g.unit, g.due_date, source == "ai") for g in proposals
        ]

    async def goal_proposals(self, client_id: int) -> tuple[list[GoalProposal], str]:
        """The goals and their source (``"ai"`` or ``"computed"``)."""
        facts = await self.week_facts(client_id)
        profile = facts.profile
        today = local_today(self.clock(), profile.timezone)
        fallback = default_goals(profile, facts if facts.week.check_ins else None, today=today)
        if self.llm is None or self._model_resting():
            return fallback, "computed"
        payload = self._goal_payload(facts, today)
        coach_id = (await self._coach_ids([client_id])).get(client_id)
        return await self._model_goals(payload, today=today, fallback=fallback, coach_id=coach_id)

    async def suggest_goals_for_answers(self, answers: dict[str, object]) -> list[SuggestedGoal]:
        """Three SMART goals for someone still onboarding (no client row yet), from their assessment.

        Implements :class:`conversations.ports.NewClientGoalSuggester`. Same grounding, validation
        and time budget as :meth:`suggest_goals`; without a model the computed goals are offered.
        """
        proposals, source = await self.goal_proposals_for_answers(answers)
        return [
            SuggestedGoal(g.text, g.metric, g.target, g.unit, g.due_date, source == "ai") for g in proposals
        ]

    async def goal_proposals_for_answers(self, answers: dict[str, object]) -> tuple[list[GoalProposal], str]:
        """The newcomer's goals and their source (``"ai"`` or ``"computed"``)."""
        profile = newcomer_profile(answers)
        # The timezone answer is not passed along; a day either way does not move a 4-week due date.
        today = local_today(self.clock(), profile.timezone)
        fallback = default_goals(profile, None, today=today)
        if self.llm is None or self._model_resting():
            return fallback, "computed"
        client_text = [t for t in (profile.obstacle,) if t]
        if not self.include_pii:
            client_text = [redact(t) for t in client_text]
        payload: dict[str, Any] = {
            "client": {
                "first_name": profile.first_name,
                "focus_area": profile.focus_area,
                "activity_level_1_to_5": profile.activity_level,
            },
            "today": today.isoformat(),
            "latest_due_date": (today + timedelta(weeks=MAX_GOAL_WEEKS)).isoformat(),
            "recent_week": None,
            "client_text": client_text,
            **language_of_client(),
        }
        return await self._model_goals(payload, today=today, fallback=fallback, coach_id=None)

    async def _model_goals(
        self,
        payload: dict[str, Any],
        *,
        today: date,
        fallback: list[GoalProposal],
        coach_id: int | None,
    ) -> tuple[list[GoalProposal], str]:
        """Ask the model within the goals budget; the checked answer, else ``fallback``."""
        assert self.llm is not None

        def check(answer: GoalsAnswer) -> str | None:
            try:
                check_goal_set([_proposal(g) for g in answer.goals], today=today)
            except DomainError as exc:
                return exc.message
            return None

        system, user = goals_prompt(payload)
        try:
            async with self._model_slots:
                answer = await asyncio.wait_for(
                    self.llm.complete_json(system=system, user=user, output=GoalsAnswer, check=check),
                    self.goals_budget,
                )
        except TimeoutError:
            log.warning("model too slow for goal suggestions; offering the computed goals")
            return fallback, "computed"
        except LlmError as exc:
            log.warning("model unavailable for goal suggestions: %s", type(exc).__name__)
            if not isinstance(exc, LlmInvalidOutput):
                self._model_failed()
            await self._remember(
                [(_Drafted(None, "computed", None, None, exc.usage, None, False), coach_id, "goals")]
            )
            return fallback, "computed"
        await self._remember(
            [(_Drafted(None, "ai", answer.model, None, answer.usage, None, False), coach_id, "goals")]
        )
        return check_goal_set([_proposal(g) for g in answer.value.goals], today=today), "ai"

    def _goal_payload(self, facts: WeekFacts, today: date) -> dict[str, Any]:
        profile = facts.profile
        surnames = tuple(profile.display_name.split()[1:])
        client_text = [t for t in (profile.obstacle, profile.goal_text) if t]
        if not self.include_pii:
            client_text = [redact(t, surnames=surnames) for t in client_text]
        week = facts.week
        return {
            "client": {
                "first_name": profile.first_name,
                "focus_area": profile.focus_area,
                "activity_level_1_to_5": profile.activity_level,
            },
            "today": today.isoformat(),
            "latest_due_date": (today + timedelta(weeks=MAX_GOAL_WEEKS)).isoformat(),
            "recent_week": {
                "check_ins": week.check_ins,
                "mood": week.mood,
                "energy": week.energy,
                "sleep_hours": week.sleep_hours,
                "adherence_pct": week.adherence_pct,
            },
            "client_text": client_text,
            **language_of_client(),
        }

    # ---- digest ------------------------------------------------------------------------------

    async def coach_digest(
        self, coach_id: int, *, week_ending: date | None = None, period: str | None = None
    ) -> Digest:
        """One line per active client of the coach (flagged first) and an overview.

        ``period`` is ``"day"`` or ``"week"``; by default the coach's digest cadence decides (weekly:
        the week; daily and weekdays: each client's day since the previous digest, with the week as
        context). ``week_ending`` is the digest's last day (default: today in the coach's zone).
        """
        async with self.db.unit_of_work() as session:
            coach = await session.get(Coach, coach_id)
            if coach is None:
                raise NotFound(f"no coach with id {coach_id}")
            clients = await data.coach_clients(session, coach_id)
            names = {c.id: c.display_name for c in clients}
            coach_zone, cadence = coach.timezone, coach.digest_cadence
        chosen = DigestPeriod(period) if period else period_for_cadence(cadence)
        loaded = await self._load([c.id for c in clients], week_ending=week_ending)
        now = self.clock()
        facts = [week_facts(p, rows, week_ending=end, now=now) for p, rows, end in loaded]
        summaries = await self._summaries([(f, coach_id) for f in facts])
        as_of = week_ending or local_today(now, coach_zone)
        return _digest(coach_id, as_of, chosen, coach_zone, cadence, loaded, summaries, names, now=now)

    async def compose_digest(self, session: AsyncSession, coach: Coach, at: datetime) -> str:
        """The digest as text inside the caller's transaction (the reminders' ``DigestComposer``).

        Read-only and without model calls (never hold a transaction open on a network call): model
        summaries already cached for this week are used, every other client gets the computed one.
        The period follows the coach's digest cadence.
        """
        clients = await data.coach_clients(session, coach.id)
        loaded = await self._load_in(session, [c.id for c in clients], week_ending=None, now=at)
        # Trends and note sentiment for every client are CPU work: a worker thread keeps the loop free.
        facts = await asyncio.to_thread(
            lambda: [week_facts(p, rows, week_ending=end, now=at) for p, rows, end in loaded]
        )
        names = {c.id: c.display_name for c in clients}
        summaries = await self._summaries_from_cache(session, facts, coach.locale)
        period = period_for_cadence(coach.digest_cadence)
        as_of = local_today(at, coach.timezone)
        return await asyncio.to_thread(
            lambda: digest_text(
                _digest(
                    coach.id,
                    as_of,
                    period,
                    coach.timezone,
                    coach.digest_cadence,
                    loaded,
                    summaries,
                    names,
                    now=at,
                ),
                coach.timezone,
                coach.locale,
            )
        )

    async def latest_summary(self, client_id: int, week_ending: date | None = None) -> WeeklySummary:
        """This week's summary as far as it is known without calling a model (read-only).

        The model's summary when one was cached for exactly this week's facts, else the computed one
        (labelled as not AI). Its ``facts`` carry the week's trends and risk flags.
        """
        async with self.db.unit_of_work() as session:
            [(profile, rows, end)] = await self._load_in(
                session, [client_id], week_ending=week_ending, now=self.clock()
            )
            facts = week_facts(profile, rows, week_ending=end, now=self.clock())
            locale = await data.client_coach_locale(session, client_id)
            [summary] = await self._summaries_from_cache(session, [facts], locale)
        return summary

    async def _summaries_from_cache(
        self, session: AsyncSession, facts: Sequence[WeekFacts], locale: str | None
    ) -> list[WeeklySummary]:
        """Cached model summaries that still match their facts, computed summaries for the rest (in
        ``locale``, the coach's language)."""
        payloads = [self._summary_payload(f, locale) for f in facts]
        keys = [
            self._cache_key("summary", f.profile.client_id, p) for f, p in zip(facts, payloads, strict=True)
        ]
        cached = await cache.cached_answers(session, [k for k in keys if k])
        out: list[WeeklySummary] = []
        for f, p, key in zip(facts, payloads, keys, strict=True):
            hit = cached.get(key) if key else None
            if hit is not None and self.llm is not None and _grounded(hit.get("bullets", []), p, locale):
                bullets, source, model, label = (
                    tuple(hit["bullets"]),
                    "ai",
                    self.llm.model,
                    summary_label(self.llm.model, locale),
                )
            else:
                bullets, source, model, label = (
                    tuple(cap(b) for b in coach_summary_bullets(f, locale)),
                    "computed",
                    None,
                    summary_label(None, locale),
                )
            out.append(
                WeeklySummary(f.profile.client_id, f.week.end.isoformat(), bullets, source, model, label, f)
            )
        return out

    # ---- cache and usage ---------------------------------------------------------------------

    def _cache_key(self, kind: str, client_id: int, payload: dict[str, Any]) -> str | None:
        if self.llm is None:
            return None
        blob = json.dumps(
            [kind, PROMPT_VERSION, self.llm.model, client_id, payload], sort_keys=True, default=str
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    async def _cached(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        async with self.db.unit_of_work() as session:
            return await cache.cached_answers(session, keys)

    async def _remember(self, drafts: list[tuple[_Drafted, int | None, str]]) -> None:
        """Cache new model answers and record the tokens they cost, in one transaction."""
        new = [d for d, _, _ in drafts if d.cache_key and not d.cached]
        spent = [
            (d.usage, c, f)
            for d, c, f in drafts
            if d.usage and (d.usage.prompt_tokens or d.usage.completion_tokens)
        ]
        if not new and not spent:
            return
        model = self.llm.model if self.llm else "none"
        async with self.db.unit_of_work() as session:
            await cache.remember_answers(
                session,
                [(d.cache_key, d.content or {"bullets": d.value}) for d in new if d.cache_key],
                model=model,
                spent=[
                    cache.TokensSpent(coach_id, feature, usage.prompt_tokens, usage.completion_tokens)
                    for usage, coach_id, feature in spent
                ],
            )


def _digest(
    coach_id: int,
    as_of: date,
    period: DigestPeriod,
    timezone: str,
    cadence: str,
    loaded: Sequence[tuple[ClientProfile, list[CheckInRow], date]],
    summaries: Sequence[WeeklySummary],
    names: dict[int, str],
    *,
    now: datetime,
) -> Digest:
    """The digest of ``period``; a daily one adds each client's day since the previous digest."""
    day = None
    if period is DigestPeriod.DAY:
        window = digest_window(period, digest_end(as_of, timezone, now), timezone, cadence)
        clients = [(p, rows, s.facts) for (p, rows, _), s in zip(loaded, summaries, strict=True)]
        day = day_view(window, clients)
    return build_digest(coach_id, as_of, [(names[s.client_id], s) for s in summaries], day)


def _grounded(bullets: list[str], payload: dict[str, Any], locale: str | None) -> bool:
    return len(bullets) == 3 and is_grounded(bullets, payload, locale)


def _proposal(goal: Any) -> GoalProposal:
    return GoalProposal(goal.text, goal.metric, goal.target, goal.unit, goal.due_date)


def newcomer_profile(answers: dict[str, object]) -> ClientProfile:
    """A profile from onboarding's assessment answers alone (client id 0: not registered yet)."""
    level = answers.get("activity_level")
    focus, obstacle = answers.get("focus_area"), answers.get("obstacle")
    return ClientProfile(
        client_id=0,
        display_name="client",
        timezone="UTC",
        cadence="daily",
        focus_area=focus.strip()[:100] or None if isinstance(focus, str) else None,
        obstacle=obstacle.strip()[:500] or None if isinstance(obstacle, str) else None,
        activity_level=level if isinstance(level, int) and not isinstance(level, bool) else None,
    )


def _is_goal_suggester(service: InsightsService) -> GoalSuggester:
    """Never called: makes mypy prove the service implements the engine's port."""
    return service


def _is_newcomer_suggester(service: InsightsService) -> NewClientGoalSuggester:
    """Never called: onboarding offers suggestions only when this port is implemented."""
    return service
