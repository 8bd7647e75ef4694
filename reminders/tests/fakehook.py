"""A local stand-in for the 企业微信 and 钉钉 robots: an HTTP server on 127.0.0.1 in
a thread that records every request and answers as it is told."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Recorded:
    path: str
    query: dict
    headers: dict
    body: dict | str
    raw_query: str = ""


@dataclass
class FakeHook:
    """``script``: answers to give, in order ((status, JSON body) each); once they
    are used up every request gets ``OK``."""

    script: list = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def start(self) -> FakeHook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                parts = urlsplit(self.path)
                hook.requests.append(
                    Recorded(
                        parts.path,
                        parse_qs(parts.query),
                        dict(self.headers),
                        body,
                        parts.query,
                    )
                )
                status, answer = hook.script.pop(0) if hook.script else OK
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/cgi-bin/webhook/send", query: str = "key=k-12345678"):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}?{query}"
