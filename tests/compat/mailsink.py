"""An SMTP sink for the compatibility tests: aiosmtpd on a loopback port, keeping every message it receives.

Tests read what the server mailed the way a person would: they wait for the next message to an address and pull the
six-digit code (or the temporary password) out of its plain-text body. Each address has a read cursor, so a test
that triggers three codes reads three messages in order and never mistakes an old code for a new one.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Callable, List, Optional

from aiosmtpd.controller import Controller

CODE_RE = re.compile(r"\b(\d{6})\b")


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: List[str]
    message: EmailMessage
    received: float = field(default_factory=time.monotonic)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def from_header(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def to_header(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain", "html"))
        return (part if part is not None else self.message).get_content()

    def code(self) -> str:
        m = CODE_RE.search(self.body)
        assert m, f"no six-digit code in mail to {self.rcpt_tos}: {self.body!r}"
        return m.group(1)

    def __repr__(self):
        return f"<Mail to={self.rcpt_tos} subject={self.subject!r} body={self.body[:200]!r}>"


class MailSink:
    """aiosmtpd controller + message store. `start()`/`stop()` may be called more than once (same port)."""

    def __init__(self, port: int):
        self.port = port
        self.messages: List[Mail] = []
        self._cursor: dict = {}
        self._cv = threading.Condition()
        self._controller: Optional[Controller] = None

    # -- aiosmtpd handler
    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        mail = Mail(envelope.mail_from, [r.lower() for r in envelope.rcpt_tos], msg)
        with self._cv:
            self.messages.append(mail)
            self._cv.notify_all()
        return "250 OK"

    # -- lifecycle
    def start(self) -> "MailSink":
        assert self._controller is None, "sink already running"
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    # -- reading
    def to(self, address: str) -> List[Mail]:
        a = address.lower()
        with self._cv:
            return [m for m in self.messages if a in m.rcpt_tos]

    def next_message(self, address: str, timeout: float = 15.0,
                     match: Optional[Callable[[Mail], bool]] = None) -> Mail:
        """The oldest message to `address` not yet returned by next_message/next_code; waits for it."""
        a = address.lower()
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                mine = [m for m in self.messages if a in m.rcpt_tos]
                start = self._cursor.get(a, 0)
                for i in range(start, len(mine)):
                    if match is None or match(mine[i]):
                        self._cursor[a] = i + 1
                        return mine[i]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no new mail to {address} within {timeout}s; mails to it so far: {mine!r}; "
                        f"all recipients: {[m.rcpt_tos for m in self.messages][-20:]}")
                self._cv.wait(min(left, 0.5))

    def next_code(self, address: str, timeout: float = 15.0) -> str:
        return self.next_message(address, timeout).code()

    def assert_no_new_message(self, address: str, within: float = 1.5) -> None:
        """Polls `within` seconds: nothing new may arrive for `address` (for "no mail is sent" checks)."""
        a = address.lower()
        deadline = time.monotonic() + within
        with self._cv:
            while True:
                mine = [m for m in self.messages if a in m.rcpt_tos]
                new = mine[self._cursor.get(a, 0):]
                assert not new, f"unexpected mail to {address}: {new!r}"
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cv.wait(min(left, 0.25))
