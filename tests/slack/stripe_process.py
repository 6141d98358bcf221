"""localstripe in a child process, for the Slack payment tests.

localstripe's aiohttp ``app`` is module-global, so one process can serve it once; the payments tests
already run it in this process. A child process gives these tests their own server over real HTTP.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx

_SERVE = """
import threading
from tests.support.localstripe_server import LocalStripe
server = LocalStripe()
server.start()
print(server.url, flush=True)
threading.Event().wait()
"""


class LocalStripeProcess:
    """The parts of ``tests.support.localstripe_server.LocalStripe`` the Stripe fixtures use."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def reset(self) -> None:
        """Nothing to forget: each run of these tests gets a fresh server."""

    def register_webhook(self, url: str, secret: str, name: str = "coach") -> None:
        response = httpx.post(f"{self.url}/_config/webhooks/{name}", data={"url": url, "secret": secret})
        response.raise_for_status()


def run_localstripe_process() -> Iterator[LocalStripeProcess]:
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), "localstripe did not start"
        yield LocalStripeProcess(process, url)
    finally:
        process.terminate()
        process.wait(timeout=30)
