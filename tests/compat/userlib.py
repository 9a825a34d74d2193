"""Helpers for the user / sign-in / token tests: pools and clients set up for password sign-in, users created the
way an application would (SignUp + emailed code, or AdminCreateUser), JWT decoding and verification with PyJWT
against the server's own JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from typing import Callable, Iterable, Optional

import jwt  # PyJWT

from conftest import LatchkeyServer, client_error, http_get, unique
from mailsink import MailSink

PASSWORD = "Passw0rd!Strong1"
PASSWORD2 = "N3w-Passw0rd!two"
PASSWORD3 = "Th1rd#Passw0rd!x"
TEMP_PASSWORD = "Temp0rary!Pass"

ALL_FLOWS = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
]

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_email(tag: str = "u") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def attrs(d: dict) -> list:
    return [{"Name": k, "Value": v} for k, v in d.items()]


def attr_map(lst: Iterable[dict]) -> dict:
    out = {}
    for a in lst:
        assert a["Name"] not in out, f"attribute {a['Name']} listed twice: {lst}"
        out[a["Name"]] = a["Value"]
    return out


def mask(email: str) -> str:
    """An address as CodeDeliveryDetails show it: `a***@e***`."""
    local, domain = email.split("@")
    return f"{local[0]}***@{domain[0]}***"


def email_delivery(email: str) -> dict:
    """The CodeDeliveryDetails of a code mailed to `email` for its email attribute."""
    return {"Destination": mask(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def codes_until_limit(sink: MailSink, email: str, send: Callable[[], dict], n: int = 5) -> list:
    """Asks for a code with `send()` `n` times, each mailed to `email`, then once more, which is refused with
    LimitExceededException. Returns the codes received."""
    codes = []
    for _ in range(n):
        r = send()
        assert r["CodeDeliveryDetails"] == email_delivery(email)
        codes.append(sink.next_code(email))
    with client_error("LimitExceededException"):
        send()
    return codes


def wrong_guesses_kill_the_code(confirm: Callable[[int, str], object], code: str) -> None:
    """Four wrong guesses are CodeMismatchException, the fifth LimitExceededException, and the right `code` has
    expired after them. `confirm(i, guess)` sends the i-th guess (0 to 5)."""
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c != code][:5]
    for i, c in enumerate(wrong[:4]):
        with client_error("CodeMismatchException"):
            confirm(i, c)
    with client_error("LimitExceededException"):
        confirm(4, wrong[4])
    with client_error("ExpiredCodeException"):
        confirm(5, code)


def secret_hash(username: str, client_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


# --------------------------------------------------------------------------------------------------------------
# JWTs
# --------------------------------------------------------------------------------------------------------------


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_header(token: str) -> dict:
    return b64url_json(token.split(".")[0])


def jwt_claims(token: str) -> dict:
    return b64url_json(token.split(".")[1])


def fetch_jwks(endpoint: str, pool_id: str) -> dict:
    status, headers, body = http_get(f"{endpoint}/{pool_id}/.well-known/jwks.json")
    assert status == 200, f"JWKS: HTTP {status} {body[:300]!r}"
    return json.loads(body)


def verify_token(token: str, jwks: dict, *, issuer: str, audience: Optional[str] = None) -> dict:
    """Verifies an RS256 token with PyJWT against `jwks` (exp, iat, iss, and aud when given). Returns the claims."""
    kid = jwt.get_unverified_header(token)["kid"]
    matching = [k for k in jwks["keys"] if k["kid"] == kid]
    assert matching, f"kid {kid} not in JWKS {[k['kid'] for k in jwks['keys']]}"
    key = jwt.PyJWK(matching[0]).key
    options = {"require": ["exp", "iat", "iss", "sub"], "verify_aud": audience is not None}
    return jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, audience=audience, options=options,
                      leeway=5)


def tamper(token: str) -> str:
    """The token with one claim changed and the original signature kept."""
    h, p, s = token.split(".")
    claims = b64url_json(p)
    claims["sub"] = str(uuid.uuid4())
    p2 = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{h}.{p2}.{s}"


# --------------------------------------------------------------------------------------------------------------
# The kit: admin + unsigned clients and the mail sink of one server
# --------------------------------------------------------------------------------------------------------------


class Kit:
    def __init__(self, server: LatchkeyServer, sink: Optional[MailSink]):
        self.server = server
        self.sink = sink
        self.idp = server.client()
        self.uidp = server.unsigned_client()

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def issuer(self, pool_id: str) -> str:
        return f"{self.server.endpoint}/{pool_id}"

    # -- pools and clients
    def pool(self, **kw) -> str:
        kw.setdefault("PoolName", unique("users"))
        kw.setdefault("AutoVerifiedAttributes", ["email"])
        return self.idp.create_user_pool(**kw)["UserPool"]["Id"]

    def client(self, pool_id: str, flows=ALL_FLOWS, **kw) -> str:
        return self.app(pool_id, flows, **kw)["ClientId"]

    def app(self, pool_id: str, flows=ALL_FLOWS, **kw) -> dict:
        kw.setdefault("ClientName", "app")
        if flows is not None:
            kw["ExplicitAuthFlows"] = list(flows)
        return self.idp.create_user_pool_client(UserPoolId=pool_id, **kw)["UserPoolClient"]

    # -- users
    def sign_up(self, client_id: str, username: str, password: str = PASSWORD, email: Optional[str] = None,
                extra: Optional[dict] = None, confirm: bool = True) -> dict:
        """SignUp, and (confirm=True) ConfirmSignUp with the code mailed to `email`. Returns SignUp's answer."""
        a = dict(extra or {})
        if email:
            a["email"] = email
        r = self.uidp.sign_up(ClientId=client_id, Username=username, Password=password, UserAttributes=attrs(a))
        if confirm:
            assert email and self.sink, "confirming needs an email and the mail sink"
            code = self.sink.next_code(email)
            self.uidp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
        return r

    def admin_user(self, pool_id: str, username: str, password: str = PASSWORD, email: Optional[str] = None,
                   extra: Optional[dict] = None, verified: bool = True, permanent: bool = True) -> dict:
        """AdminCreateUser (no message) then AdminSetUserPassword: a CONFIRMED user with `password`."""
        a = dict(extra or {})
        if email:
            a["email"] = email
            if verified:
                a["email_verified"] = "true"
        u = self.idp.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attrs(a),
                                       MessageAction="SUPPRESS")["User"]
        if permanent:
            self.idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password,
                                             Permanent=True)
        return u

    def invited_user(self, pool_id: str, username: str, email: Optional[str] = None, extra: Optional[dict] = None,
                     temporary_password: str = TEMP_PASSWORD) -> None:
        """AdminCreateUser with a temporary password and no message (a verified email first, when given): a user
        in FORCE_CHANGE_PASSWORD."""
        a = {"email": email, "email_verified": "true"} if email else {}
        a.update(extra or {})
        kw = {"UserAttributes": attrs(a)} if a else {}
        self.idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                                   TemporaryPassword=temporary_password, **kw)

    def initiate(self, client_id: str, username: str, password: str) -> dict:
        """USER_PASSWORD_AUTH: the whole answer (tokens or a challenge)."""
        return self.uidp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": username, "PASSWORD": password})

    def sign_in(self, client_id: str, username: str, password: str = PASSWORD, **auth) -> dict:
        params = {"USERNAME": username, "PASSWORD": password, **auth}
        r = self.uidp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
        assert "AuthenticationResult" in r, f"expected tokens, got a challenge: {r}"
        return r["AuthenticationResult"]

    def admin_sign_in(self, pool_id: str, client_id: str, username: str, password: str = PASSWORD) -> dict:
        r = self.idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": username, "PASSWORD": password})
        assert "AuthenticationResult" in r, f"expected tokens, got a challenge: {r}"
        return r["AuthenticationResult"]

    def refresh(self, client_id: str, refresh_token: str, flow: str = "REFRESH_TOKEN_AUTH", **auth) -> dict:
        r = self.uidp.initiate_auth(ClientId=client_id, AuthFlow=flow,
                                    AuthParameters={"REFRESH_TOKEN": refresh_token, **auth})
        return r["AuthenticationResult"]

    def get_user(self, access_token: str) -> dict:
        return self.uidp.get_user(AccessToken=access_token)

    def jwks(self, pool_id: str) -> dict:
        return fetch_jwks(self.server.endpoint, pool_id)
