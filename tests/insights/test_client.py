"""The openai client over real HTTP against the local OpenAI-compatible server."""

from __future__ import annotations

import socket

import pytest

from integrations.llm.client import LlmClient, LlmInvalidOutput, LlmUnavailable, is_loopback
from integrations.llm.prompts import SummaryAnswer
from tests.support.openai_api import FakeOpenAI, Reply, answer, malformed, rate_limited, server_error, slow

GOOD = {"how_they_are_doing": "Fine.", "what_stood_out": "Calm notes.", "coach_could_ask": "What helped?"}


def client(server: FakeOpenAI, **kwargs: object) -> LlmClient:
    options: dict[str, object] = {"backoff": 0.01, "timeout": 5.0}
    options.update(kwargs)
    return LlmClient(model="test-model", api_key="sk-test", base_url=server.base_url, **options)  # type: ignore[arg-type]


async def ask(llm: LlmClient) -> SummaryAnswer:
    try:
        return (await llm.complete_json(system="sys", user="user", output=SummaryAnswer)).value
    finally:
        await llm.close()


async def test_normal_answer_uses_json_schema(openai_server: FakeOpenAI) -> None:
    openai_server.then(answer(GOOD))
    llm = client(openai_server)
    result = await llm.complete_json(system="sys", user="user", output=SummaryAnswer)
    await llm.close()
    assert result.value.coach_could_ask == "What helped?"
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    request = openai_server.requests[0]
    assert request["model"] == "test-model"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["schema"]["required"] == list(GOOD)
    assert openai_server.headers[0]["Authorization"] == "Bearer sk-test"


async def test_malformed_json_is_repaired_once(openai_server: FakeOpenAI) -> None:
    openai_server.then(malformed(), answer(GOOD))
    assert (await ask(client(openai_server))).what_stood_out == "Calm notes."
    repair = openai_server.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and "not acceptable" in repair[-1]["content"]


async def test_malformed_twice_is_invalid_output(openai_server: FakeOpenAI) -> None:
    openai_server.then(malformed(), answer({"how_they_are_doing": "x"}))
    with pytest.raises(LlmInvalidOutput):
        await ask(client(openai_server))
    assert len(openai_server.requests) == 2


async def test_a_failing_check_counts_as_invalid(openai_server: FakeOpenAI) -> None:
    openai_server.then(answer(GOOD), answer(GOOD))
    llm = client(openai_server)
    with pytest.raises(LlmInvalidOutput, match="too vague"):
        await llm.complete_json(system="s", user="u", output=SummaryAnswer, check=lambda _a: "too vague")
    await llm.close()


async def test_rate_limit_is_retried_after_the_servers_wait(openai_server: FakeOpenAI) -> None:
    openai_server.then(rate_limited(retry_after_ms=30), answer(GOOD))
    assert (await ask(client(openai_server))).how_they_are_doing == "Fine."
    assert len(openai_server.requests) == 2


async def test_a_wait_too_long_gives_up(openai_server: FakeOpenAI) -> None:
    openai_server.then(Reply(status=429, headers={"retry-after": "3600"}))
    with pytest.raises(LlmUnavailable, match="too long"):
        await ask(client(openai_server))


async def test_server_errors_are_retried_with_backoff(openai_server: FakeOpenAI) -> None:
    openai_server.then(server_error(502), server_error(503), answer(GOOD))
    assert (await ask(client(openai_server))).how_they_are_doing == "Fine."
    assert len(openai_server.requests) == 3


async def test_persistent_server_errors_make_the_model_unavailable(openai_server: FakeOpenAI) -> None:
    openai_server.then(server_error(), server_error(), server_error())
    with pytest.raises(LlmUnavailable, match="500"):
        await ask(client(openai_server))


async def test_client_errors_are_not_retried(openai_server: FakeOpenAI) -> None:
    openai_server.then(Reply(status=401, error="bad key"))
    with pytest.raises(LlmUnavailable, match="401"):
        await ask(client(openai_server))
    assert len(openai_server.requests) == 1


async def test_a_slow_server_times_out(openai_server: FakeOpenAI) -> None:
    openai_server.then(slow(1.0), slow(1.0))
    with pytest.raises(LlmUnavailable, match="Timeout"):
        await ask(client(openai_server, timeout=0.2, attempts=2))


async def test_llama_cpp_style_servers_get_json_object_with_the_schema() -> None:
    server = await FakeOpenAI(reject_json_schema=True).start()
    try:
        server.then(answer(GOOD))
        llm = client(server)
        assert (await ask(llm)).how_they_are_doing == "Fine."
        assert [r["response_format"]["type"] for r in server.requests] == ["json_schema", "json_object"]
        assert server.requests[1]["response_format"]["schema"]["title"] == "SummaryAnswer"
    finally:
        await server.stop()


async def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = LlmClient(model="m", base_url=f"http://127.0.0.1:{port}/v1", attempts=2, backoff=0.01)
    with pytest.raises(LlmUnavailable, match="unreachable"):
        await ask(llm)


def test_loopback_detection() -> None:
    assert is_loopback("http://127.0.0.1:8080/v1")
    assert is_loopback("http://localhost:11434/v1")
    assert is_loopback("http://[::1]:8000/v1")
    assert not is_loopback("https://api.openai.com/v1")
    assert not is_loopback(None)
