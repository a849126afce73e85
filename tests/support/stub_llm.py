"""A stub OpenAI-compatible chat server on 127.0.0.1 for tests.

``StubLLM(reply=...)`` starts a real HTTP server on a free port; ``.url`` is the base URL to
configure. ``reply`` is a string, or a function of the request body returning a string, or
``None`` to answer HTTP 500. ``delay`` makes it sleep before answering (to test timeouts).
Every request body received is kept in ``.requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str] | None


class StubLLM:
    def __init__(self, reply: Reply = "{}", delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(body)
                if stub.delay:
                    time.sleep(stub.delay)
                reply = stub.reply(body) if callable(stub.reply) else stub.reply
                if reply is None:
                    self.send_response(500)
                    self.end_headers()
                    return
                payload = {"choices": [{"message": {"role": "assistant", "content": reply}}]}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> StubLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
