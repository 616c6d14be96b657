"""SMTP sink: a minimal ESMTP server that accepts every message and records it.

Python 3.12 removed ``smtpd`` (and ``aiosmtpd`` is not in the standard
library), so this speaks just enough SMTP for Alertmanager and ``smtplib``:
EHLO/HELO, AUTH PLAIN and LOGIN (any credentials accepted), MAIL, RCPT,
DATA, RSET, NOOP, QUIT. It advertises no STARTTLS, so clients must not
require TLS. Each message is appended to a JSON Lines file as
``{"time", "helo", "mail_from", "rcpt_to", "auth_user", "auth_sha256",
"subject", "from", "to", "text", "data"}``; the password itself is never
written, only its sha256, so a test can check which secret was sent.

    python3 smtp_sink.py --host 127.0.0.1 --port 2525 --out /var/lib/sinks/smtp.jsonl
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import socketserver
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

MAX_LINE = 64 * 1024
MAX_MESSAGE = 10 * 1024 * 1024
IDLE_TIMEOUT = 60.0


def read_records(out: Path) -> list[dict[str, Any]]:
    """Every message recorded so far, oldest first."""
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def b64(text: str) -> str:
    """Decode a base64 SMTP argument ("=" is an empty response)."""
    if text.strip() == "=":
        return ""
    return base64.b64decode(text.strip(), validate=True).decode("utf-8", errors="replace")


def parse_plain(response: str) -> tuple[str, str]:
    """User and password of an AUTH PLAIN response (authzid NUL authcid NUL passwd)."""
    parts = response.split("\0")
    if len(parts) != 3:
        raise ValueError("malformed AUTH PLAIN response")
    return parts[1], parts[2]


def unstuff(lines: Sequence[bytes]) -> bytes:
    """The message of DATA lines (terminator excluded): undo dot-stuffing."""
    return b"".join(line[1:] if line.startswith(b".") else line for line in lines)


def summarize(data: bytes) -> dict[str, str]:
    """Subject, From, To and the readable text (plain part, else HTML) of a message."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    text = ""
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            text = str(part.get_content()).replace("\r\n", "\n")
    return {
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "text": text,
    }


@dataclass
class Session:
    """What one connection has said so far."""

    helo: str = ""
    auth_user: str = ""
    auth_sha256: str = ""
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.mail_from = ""
        self.rcpt_to = []


class SMTPSinkServer(socketserver.ThreadingTCPServer):
    """Accepts every message and appends it to ``out``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], out: Path) -> None:
        super().__init__(address, SMTPHandler)
        self.out = out
        self.lock = threading.Lock()

    def record(self, session: Session, data: bytes) -> None:
        entry: dict[str, Any] = {
            "time": time.time(),
            "helo": session.helo,
            "mail_from": session.mail_from,
            "rcpt_to": list(session.rcpt_to),
            "auth_user": session.auth_user,
            "auth_sha256": session.auth_sha256,
            "data": data.decode("utf-8", errors="replace"),
        }
        entry.update(summarize(data))
        with self.lock, self.out.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")


class SMTPHandler(socketserver.StreamRequestHandler):
    """One SMTP conversation."""

    server: SMTPSinkServer
    timeout = IDLE_TIMEOUT

    def send(self, reply: str) -> None:
        self.wfile.write(reply.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def readline(self) -> str | None:
        raw = self.rfile.readline(MAX_LINE + 1)
        if not raw:
            return None
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    def handle(self) -> None:
        session = Session()
        self.send("220 sink ESMTP ready")
        while (line := self.readline()) is not None:
            verb, _, arg = line.partition(" ")
            if not self.dispatch(session, verb.upper(), arg):
                return

    def dispatch(self, session: Session, verb: str, arg: str) -> bool:
        """Answer one command; False ends the conversation."""
        if verb == "EHLO":
            session.helo = arg
            session.reset()
            self.send("250-sink greets " + arg)
            self.send("250-AUTH PLAIN LOGIN")
            self.send("250-8BITMIME")
            self.send("250 SIZE " + str(MAX_MESSAGE))
        elif verb == "HELO":
            session.helo = arg
            session.reset()
            self.send("250 sink")
        elif verb == "AUTH":
            self.auth(session, arg)
        elif verb == "MAIL":
            session.reset()
            session.mail_from = arg.partition(":")[2].split(" ")[0].strip().strip("<>")
            self.send("250 2.1.0 OK")
        elif verb == "RCPT":
            session.rcpt_to.append(arg.partition(":")[2].strip().strip("<>"))
            self.send("250 2.1.5 OK")
        elif verb == "DATA":
            return self.data(session)
        elif verb == "RSET":
            session.reset()
            self.send("250 2.0.0 OK")
        elif verb == "NOOP":
            self.send("250 2.0.0 OK")
        elif verb == "QUIT":
            self.send("221 2.0.0 bye")
            return False
        elif verb == "STARTTLS":
            self.send("454 4.7.0 TLS not available")
        else:
            self.send("502 5.5.2 command not implemented")
        return True

    def auth(self, session: Session, arg: str) -> None:
        mechanism, _, initial = arg.partition(" ")
        try:
            if mechanism.upper() == "PLAIN":
                response = initial or self.challenge("")
                user, password = parse_plain(b64(response))
            elif mechanism.upper() == "LOGIN":
                user = b64(initial or self.challenge("VXNlcm5hbWU6"))  # "Username:"
                password = b64(self.challenge("UGFzc3dvcmQ6"))  # "Password:"
            else:
                self.send("504 5.5.4 mechanism not supported")
                return
        except (ValueError, binascii.Error):
            self.send("501 5.5.2 cannot decode response")
            return
        session.auth_user = user
        session.auth_sha256 = hashlib.sha256(password.encode("utf-8")).hexdigest()
        self.send("235 2.7.0 authentication successful")

    def challenge(self, prompt: str) -> str:
        self.send("334 " + prompt)
        line = self.readline()
        if line is None or line == "*":
            raise ValueError("authentication cancelled")
        return line

    def data(self, session: Session) -> bool:
        if not session.rcpt_to:
            self.send("503 5.5.1 RCPT first")
            return True
        self.send("354 end data with <CR><LF>.<CR><LF>")
        lines: list[bytes] = []
        size = 0
        while True:
            raw = self.rfile.readline(MAX_LINE + 1)
            if not raw:
                return False
            if raw in (b".\r\n", b".\n"):
                break
            size += len(raw)
            if size > MAX_MESSAGE:
                self.send("552 5.3.4 message too big")
                return False
            lines.append(raw)
        self.server.record(session, unstuff(lines))
        session.reset()
        self.send("250 2.0.0 OK queued")
        return True


def make_server(host: str, port: int, out: Path) -> SMTPSinkServer:
    """A bound server (port 0 picks a free one); call ``serve_forever`` to run it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(exist_ok=True)
    return SMTPSinkServer((host, port), out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accept and record every SMTP message.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file of the messages")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.out)
    print(f"smtp_sink listening on {args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
