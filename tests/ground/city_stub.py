"""A stub of the city's sync endpoint on 127.0.0.1 for tests: keeps the highest version per
record (a deletion drops the record unless a later version arrives), counts every receipt,
and can answer 500 or hang after a number of batches."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from civicgrid.ground.sync import record_checksum


class CityStub:
    """State and failure switches of the stub."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, int], int] = {}
        self.deleted: dict[tuple[str, int], int] = {}  # version at which each was deleted
        self.receipts: list[tuple[str, int, int]] = []
        self.batches = 0
        self.fail_from: int | None = None  # batch number from which to fail
        self.fail_mode = "500"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, record: dict[str, Any]) -> None:
        """Keep the highest version of a record; a deletion wins over lower versions."""
        key, version = (record["type"], record["id"]), record["version"]
        if record.get("deleted"):
            if version >= self.records.get(key, 0):
                self.records.pop(key, None)
                self.deleted[key] = max(self.deleted.get(key, 0), version)
        elif version > self.deleted.get(key, 0):
            self.records[key] = max(self.records.get(key, 0), version)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if stub.fail_from is not None and stub.batches >= stub.fail_from:
                    if stub.fail_mode == "timeout":
                        time.sleep(1.5)
                    self._answer(500, {"error": "down"})
                    return
                stub.batches += 1
                for r in body["records"]:
                    stub.receipts.append((r["type"], r["id"], r["version"]))
                    stub.receive(r)
                self._answer(200, {"acked": body["cursor"]})

            def do_GET(self) -> None:
                out: dict[str, Any] = {}
                for rtype in {t for t, _ in stub.records}:
                    pairs = [(i, v) for (t, i), v in stub.records.items() if t == rtype]
                    out[rtype] = {"count": len(pairs), "checksum": record_checksum(pairs)}
                self._answer(200, out)

        return Handler
