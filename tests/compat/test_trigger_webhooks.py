"""Lambda triggers through signed webhooks: a pool's function ARN is mapped (in the TOML configuration) to an
HTTP endpoint, here a Python server that checks every request's Standard Webhooks signature with the
`standardwebhooks` library before it answers as the function would. A refusal with an error body is the
function's error; a server that cannot verify the signature (wrong secret) refuses, and the operation fails with
UnexpectedLambdaException rather than trusting an unsigned answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from conftest import LatchkeyServer, client_error, free_port
from triggerlib import arn
from userlib import PASSWORD, Kit, attrs, new_email

SECRET = "whsec_" + "c2VjcmV0LWtleS1mb3ItdGhlLXdlYmhvb2stdGVzdHM="  # base64 of a 33-byte key


class WebhookReceiver:
    """Answers PreSignUp events: auto-confirms example.com addresses, refuses blocked.example ones. Requests whose
    signature does not verify are answered 401 and never acted on."""

    def __init__(self, secret: str):
        self.webhook = Webhook(secret)
        self.port = free_port()
        self.received: list = []
        self.rejected = 0

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = receiver.webhook.verify(raw, dict(self.headers))
                except Exception:  # noqa: BLE001 - any verification failure is a refusal
                    receiver.rejected += 1
                    return self._answer(401, {"message": "bad signature"})
                receiver.received.append((dict(self.headers), event))
                email = event["request"]["userAttributes"].get("email", "")
                if email.endswith("@blocked.example"):
                    return self._answer(400, {"errorMessage": "Domain not allowed", "errorType": "Error"})
                if email.endswith("@example.com"):
                    event["response"] = {"autoConfirmUser": True, "autoVerifyEmail": True}
                return self._answer(200, event)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cognito/pre-sign-up"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    r = WebhookReceiver(SECRET).start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def kit(tmp_path_factory, receiver):
    base = tmp_path_factory.mktemp("webhook-server")
    config = base / "latchkey.toml"
    config.write_text(
        f'[webhooks."{arn("signedPreSignUp")}"]\nurl = "{receiver.url}"\nsecret = "{SECRET}"\n'
        f'[webhooks."{arn("wrongSecret")}"]\nurl = "{receiver.url}"\nsecret = "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="\n'
    )
    config.chmod(0o600)
    srv = LatchkeyServer(base / "data", log_dir=base, extra_args=["--config", str(config)])
    srv.start()
    yield Kit(srv, None)
    srv.stop()


def test_a_signed_webhook_runs_pre_sign_up(kit, receiver):
    pool = kit.pool(LambdaConfig={"PreSignUp": arn("signedPreSignUp")})
    client = kit.client(pool)
    email = new_email("hook")
    r = kit.uidp.sign_up(ClientId=client, Username="hooked", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert r["UserConfirmed"] is True
    headers, event = receiver.received[-1]
    assert event["triggerSource"] == "PreSignUp_SignUp" and event["userPoolId"] == pool
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="hooked")["UserStatus"] == "CONFIRMED"


def test_a_webhooks_refusal_is_the_functions_error(kit):
    pool = kit.pool(LambdaConfig={"PreSignUp": arn("signedPreSignUp")})
    with client_error("UserLambdaValidationException", message_contains=["PreSignUp failed with error Domain not allowed."]):
        kit.uidp.sign_up(ClientId=kit.client(pool), Username="nope", Password=PASSWORD,
                         UserAttributes=attrs({"email": "x@blocked.example"}))


def test_a_request_the_receiver_cannot_verify_is_refused(kit, receiver):
    pool = kit.pool(LambdaConfig={"PreSignUp": arn("wrongSecret")})
    before = receiver.rejected
    with client_error("UnexpectedLambdaException"):
        kit.uidp.sign_up(ClientId=kit.client(pool), Username="forged", Password=PASSWORD,
                         UserAttributes=attrs({"email": new_email("w")}))
    assert receiver.rejected == before + 1, "a refusal is not retried"
