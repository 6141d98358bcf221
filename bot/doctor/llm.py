"""The language model: ``models.list()`` on the configured OpenAI-compatible server, and whether the
configured model is among them. Without a model, insights are computed in code (a valid setup)."""

from __future__ import annotations

import openai

from bot.config import Settings
from bot.doctor.report import CheckResult, failed, ok, public_url, reason, skipped, timed

NAME = "llm"
NAMES = (NAME,)
SHOWN_MODELS = 5
DEFAULT_BASE_URL = "https://api.openai.com/v1"


def _offered(ids: list[str]) -> str:
    if not ids:
        return "it lists no models"
    more = "…" if len(ids) > SHOWN_MODELS else ""
    return "it lists " + ", ".join(ids[:SHOWN_MODELS]) + more


async def _listed(settings: Settings, time_limit: float) -> CheckResult:
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=time_limit,
        max_retries=0,
    )
    where = public_url(str(client.base_url))
    try:
        page = await client.models.list()
    except openai.AuthenticationError:
        return failed(NAME, f"{where} rejected OPENAI_API_KEY (401)")
    except openai.APIConnectionError as exc:
        return failed(NAME, f"cannot reach {where}: {reason(exc.__cause__ or exc)}")
    except openai.APIStatusError as exc:
        return failed(NAME, f"{where} answered {exc.status_code} to GET /models")
    finally:
        await client.close()
    ids = sorted(model.id for model in page.data)
    model = settings.llm_model
    if not model:
        return failed(
            NAME, f"COACH_LLM_MODEL is not set, so insights are computed in code; {_offered(ids)} at {where}"
        )
    if model not in ids:
        return failed(NAME, f"{where} does not offer COACH_LLM_MODEL {model}; {_offered(ids)}")
    return ok(NAME, f"model {model} listed at {where}")


async def check(settings: Settings, time_limit: float) -> list[CheckResult]:
    if not (settings.llm_model or settings.openai_base_url):
        return [skipped(NAME, "insights computed in code (no model configured)")]
    if not (settings.openai_base_url or settings.openai_api_key):
        return [
            failed(NAME, "OPENAI_API_KEY is not set: set it, or OPENAI_BASE_URL for a local model server")
        ]
    where = settings.openai_base_url or DEFAULT_BASE_URL
    return [await timed(NAME, time_limit, lambda: _listed(settings, time_limit), target=public_url(where))]
