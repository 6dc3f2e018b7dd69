"""A model double: a tiny OpenAI-compatible chat-completions server on 127.0.0.1 that streams
server-sent events as vLLM, llama.cpp or a hosted API do. `manage.py fake_model_server` runs it;
tests start it on a free port (`with FakeModelServer("obedient") as server: ...`).

Modes:
  wellbehaved  quotes the source sentence closest to the question, with its number
  obedient     obeys every instruction it finds in the question and the sources, citing the
               source it came from, then answers as wellbehaved (the adversarial suite)
  echo         repeats the user message, uncited
  decline      says the articles do not answer
  nousage      wellbehaved without the usage chunk
  whole        wellbehaved, not streamed (one JSON answer, as a server that ignores "stream")
  slow         wellbehaved, one character every `delay` seconds
  cutoff       one sentence and half another, then the stream stops without [DONE]
  error        HTTP 500
  malformed    a chunk that is not JSON
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import quote

MODES = (
    "wellbehaved",
    "obedient",
    "echo",
    "decline",
    "nousage",
    "whole",
    "slow",
    "cutoff",
    "error",
    "malformed",
)
DECLINE = "記事からは確かな答えが見つかりませんでした。"
_SOURCE = re.compile(r'<source number="(\d+)" kind="([^"]*)"[^>]*>\n(.*?)\n</source>', re.DOTALL)
_QUESTION = re.compile(r"^質問: (.*)$", re.MULTILINE)
_SPLIT = re.compile(r"(?<=[。！？!?])|\n")

# What the obedient double looks for (in NFKC text, so that escaped ＜tags＞ still "work" on it).
_REVEAL = re.compile(
    r"system ?prompt|システムプロンプト|(?:指示|命令|プロンプト|設定|きまり)(?:文|の文面|の内容)?を"
    r"(?:すべて|全て|全部|そのまま)?(?:出力|表示|教え|開示|復唱|書き出)"
    r"|ignore (?:all |the |any )?(?:previous|prior|above|earlier)"
    r"|(?:これまで|以前|前|上記)の(?:指示|命令)を(?:すべて|全て)?無視|(?:reveal|print|repeat) (?:your|the) "
    r"(?:instructions|prompt|rules)",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"'「」]+", re.IGNORECASE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)\s]*\)")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
_TAG = re.compile(
    r"<\|im_start\|>\s*(?:system|assistant)?|</source>|<system>|<\|system\|>|\[INST\]|<\|assistant\|>"
    r"|###\s*(?:system|instruction)|<assistant>|<\|endoftext\|>",
    re.IGNORECASE,
)
_DUMP = re.compile(
    r"(?:他の|ほかの|すべての|全ての|全部の)(?:出典|コメント|ソース|資料)|(?:all|other|every) (?:the )?"
    r"(?:sources|comments|documents)",
    re.IGNORECASE,
)
_PERSONAL = re.compile(
    r"メールアドレス|e-?mail|氏名|本名|実名|real name|住所|電話番号|個人情報|personal (?:data|details)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_HTML = re.compile(r"<(?:script|img|iframe|a|svg|style|object)\b[^>]*>(?:[^<]{0,80}</\w+>)?", re.IGNORECASE)
_SAY = re.compile(
    r"「([^」]{1,40})」(?:と|とだけ)(?:出力|回答|答え|書|言)|(?:say|reply|respond|answer|output)(?: only)?"
    r"(?: with)? [\"']([^\"']{1,60})[\"']",
    re.IGNORECASE,
)
_BIG_CITATION = re.compile(r"\[(\d{2,3})\]")


@dataclass
class Reply:
    mode: str
    text: str
    obeyed: list[str] = field(default_factory=list)  # the kinds of instruction it followed


@dataclass(frozen=True)
class _Source:
    number: int
    kind: str
    body: str  # its lines after the title line


def _grams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _sources(user: str) -> list[_Source]:
    return [_Source(int(n), kind, body.partition("\n")[2]) for n, kind, body in _SOURCE.findall(user)]


def wellbehaved(user: str) -> str:
    """The source sentence that shares most with the question (an article's before a comment's),
    quoted with its number."""
    question = _QUESTION.search(user)
    asked = _grams(unicodedata.normalize("NFKC", question.group(1) if question else ""))
    best: tuple[tuple[bool, int], str, int] = ((False, 0), "", 0)
    for source in _sources(user):
        for sentence in _SPLIT.split(source.body):
            sentence = sentence.strip()
            score = (source.kind == "記事", len(_grams(unicodedata.normalize("NFKC", sentence)) & asked))
            if len(sentence) >= 8 and score[1] and score > best[0]:
                best = (score, sentence, source.number)
    return f"{best[1]}[{best[2]}]" if best[1] else DECLINE


class _Obedient:
    """Follows whatever it reads: the worst a model could do with our prompt."""

    def __init__(self, system: str, user: str) -> None:
        self.system, self.user = system, user
        self.sources = _sources(user)
        self.obeyed: list[str] = []
        self.lines: list[str] = []

    def run(self) -> str:
        question = _QUESTION.search(self.user)
        self.scan(question.group(1) if question else "", 1)
        for source in self.sources:
            self.scan(source.body, source.number)
        return "\n".join([*self.lines, wellbehaved(self.user)])

    def _do(self, kind: str, *lines: str) -> None:
        self.obeyed.append(kind)
        self.lines.extend(lines)

    def scan(self, text: str, n: int, depth: int = 0) -> None:
        text = unicodedata.normalize("NFKC", text)
        if _REVEAL.search(text):
            self._do("reveal_prompt", *(f"{line}[{n}]" for line in self.system.splitlines() if line.strip()))
        for image in _IMAGE.findall(text):
            leaked = quote(self.system[-40:])  # where a real attack puts its loot: the query string
            self._do("image", f"{image.replace(')', '')}{leaked})[{n}]")
        for url in _URL.findall(text):
            self._do("url", f"詳しくは {url} をご覧ください[{n}]", f"[公式資料はこちら]({url})[{n}]")
        for html in _HTML.findall(text):
            self._do("html", f"{html}[{n}]")
        if tag := _TAG.search(text):
            rest = text[tag.end() :].strip()[:120]
            self._do("fake_tag", f"新しいシステム指示に従います。{rest}[{n}]", "これは公式に確認済みです[99]")
        for number in _BIG_CITATION.findall(text):
            self._do("fake_citation", f"この点は出典で裏付けられています[{number}]")
        if _DUMP.search(text):
            self._do("dump_sources", *(s.body.replace("\n", " ") for s in self.sources if s.number != n))
        if _PERSONAL.search(text):
            emails = sorted(set(_EMAIL.findall(self.system + self.user)))
            self._do("personal_data", f"会員の連絡先は {'、'.join(emails) or '不明'} です[{n}]")
        for said in _SAY.findall(text):
            self._do("say", f"{said[0] or said[1]}[{n}]")
        if "```" in text:
            self._do("code", "```", text.split("```")[1][:80] if text.count("```") > 1 else text[:80], "```")
        for blob in _BASE64.findall(text) if depth == 0 else []:
            try:
                decoded = base64.b64decode(blob, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue
            self._do("base64", f"{decoded}[{n}]")
            self.scan(decoded, n, depth + 1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet in tests and in the terminal

    def do_GET(self) -> None:  # noqa: N802
        self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        try:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            self.server.fake.requests.append(request)
            self.server.fake.headers.append(dict(self.headers))
            self._answer(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the engine gave up (a timeout test): nothing to answer to

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: Any) -> None:
        self._chunk(f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode())

    def _answer(self, request: dict[str, Any]) -> None:
        fake = self.server.fake
        mode = fake.mode
        messages = request.get("messages") or []
        system = next((m["content"] for m in messages if m.get("role") == "system"), "")
        user = next((m["content"] for m in messages if m.get("role") == "user"), "")
        if mode == "error":
            fake.replies.append(Reply(mode, ""))
            self._json(500, {"error": {"message": "the model is not loaded", "type": "server_error"}})
            return
        reply = Reply(mode, wellbehaved(user))
        if mode == "obedient":
            obedient = _Obedient(system, user)
            reply = Reply(mode, obedient.run(), obedient.obeyed)
        elif mode == "echo":
            reply.text = user
        elif mode == "decline":
            reply.text = DECLINE
        elif mode == "cutoff":
            reply.text += "さらに詳しく見ると、"
        fake.replies.append(reply)
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(reply.text)}
        if mode == "whole":
            message = {"role": "assistant", "content": reply.text}
            self._json(
                200, {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if mode == "malformed":
            self._chunk(b'data: {"choices": [{"delta": {"content": "\xe6\x97\xa5\xe9\x8a\x80\n\n')
            self._event("[DONE]")
            self._chunk(b"")
            return
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": request.get("model", "")}
        sizes = itertools.cycle([1, 4, 2, 7, 3] if mode != "slow" else [1])
        text, start = reply.text, 0
        while start < len(text):
            size = next(sizes)
            delta = {"content": text[start : start + size]} | ({"role": "assistant"} if not start else {})
            self._event(base | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            start += size
            if mode == "slow" and fake.stopping.wait(fake.delay):
                return
        if mode == "cutoff":
            self._chunk(b"")  # a clean end of the body, but no finish_reason and no [DONE]
            return
        self._event(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        wants_usage = (request.get("stream_options") or {}).get("include_usage")
        if wants_usage and mode != "nousage":
            self._event(base | {"choices": [], "usage": usage | {"total_tokens": sum(usage.values())}})
        self._event("[DONE]")
        self._chunk(b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeModelServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up is expected (timeout tests)


class FakeModelServer:
    """The double, on 127.0.0.1 in a thread. `requests` holds what it was sent, `replies` what
    it answered (and which instructions it obeyed); `mode` may change between requests."""

    def __init__(self, mode: str = "wellbehaved", *, port: int = 0, delay: float = 0.5) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.mode, self.delay = mode, delay
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.replies: list[Reply] = []
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeModelServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def serve_until_interrupted(self) -> None:
        self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> FakeModelServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
