"""Multi-factor sign-in helpers shared by test_mfa_boto3.py and test_mfa_amplify.py: pools offering TOTP and email
MFA, TOTP codes (pyotp) that are never replayed, a TOTP factor enrolled through the access token the way an app does
it, and the codes the server mails for EMAIL_OTP.

Replay: a server may accept each TOTP code once, so `Totp.fresh()` hands out the code of a time step later than any
used before for that secret, waiting for the next 30-second window when needed. Tests that must wait enrol their
users early (module fixtures), so the window has usually moved on by the time the code is needed."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from typing import Optional

import pyotp

from conftest import unique
from userlib import PASSWORD, Kit, new_email

STEP = 30
EMAIL_MFA = {"Message": "Your code is {####}", "Subject": "Code"}
# Cognito's SecretCode: base32 of a random key (32 bytes → 52 characters, unpadded).
BASE32_RE = re.compile(r"^[A-Z2-7]+=*$")
# An emailed MFA code: Cognito's {####} placeholder has been seen with six- and eight-digit codes.
MAIL_CODE_RE = re.compile(r"\b(\d{6,8})\b")
CODE_MISMATCH = "Invalid code or auth state for the user."


def secret_bytes(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def check_secret(secret: str) -> str:
    """A SecretCode an authenticator app can take: base32, and a key of at least 128 bits (RFC 4226's minimum;
    pyotp refuses keys under 112 bits)."""
    assert isinstance(secret, str) and BASE32_RE.match(secret), f"SecretCode is not base32: {secret!r}"
    assert len(secret_bytes(secret)) >= 16, f"SecretCode key has {len(secret_bytes(secret)) * 8} bits: {secret!r}"
    return secret


class Totp:
    """An authenticator app for one secret, remembering the last time step it gave a code of."""

    def __init__(self, secret: str, last_step: int = -1):
        self.secret = check_secret(secret)
        self.otp = pyotp.TOTP(secret)  # SHA-1, 6 digits, 30 s: what Cognito and every authenticator app use
        self.last_step = last_step

    @staticmethod
    def step_now() -> int:
        return int(time.time() // STEP)

    def at_step(self, step: int) -> str:
        return self.otp.at(step * STEP)

    def fresh(self, min_left: float = 4.0) -> str:
        """The code of the current time step, once that step is later than the last one used and has at least
        `min_left` seconds of its window left; waits (at most one window plus `min_left`) otherwise."""
        while True:
            now = time.time()
            step, left = int(now // STEP), STEP - now % STEP
            if step > self.last_step and left >= min_left:
                self.last_step = step
                return self.at_step(step)
            time.sleep(left + 0.05)

    def last(self) -> str:
        """The code handed out last (to replay it)."""
        assert self.last_step >= 0, "no code used yet"
        return self.at_step(self.last_step)

    def wrong(self) -> str:
        """Six digits that are no valid code of the two steps either side of now."""
        step = self.step_now()
        near = {self.at_step(s) for s in range(step - 2, step + 3)}
        n = int(self.at_step(step))
        while True:
            n = (n + 111111) % 1_000_000
            if f"{n:06d}" not in near:
                return f"{n:06d}"


@dataclass
class MfaUser:
    pool: str
    cid: str
    username: str
    email: str
    totp: Optional[Totp] = None
    password: str = PASSWORD


def mfa_pool(kit: Kit, mode: str = "OPTIONAL", totp: bool = True, email: bool = True) -> tuple:
    """A pool (email auto-verified) with SetUserPoolMfaConfig(mode, TOTP on, email MFA with EMAIL_MFA's template)
    and an app client allowing every password flow and refresh: (pool id, client id)."""
    pool = kit.pool()
    cfg = {"SoftwareTokenMfaConfiguration": {"Enabled": totp}}
    if email:
        cfg["EmailMfaConfiguration"] = dict(EMAIL_MFA)
    r = kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration=mode, **cfg)
    assert r["MfaConfiguration"] == mode, r
    return pool, kit.client(pool)


def enroll_totp(kit: Kit, cid: str, username: str, password: str = PASSWORD, preferred: bool = True) -> Totp:
    """Password sign-in (the user has no factor yet), AssociateSoftwareToken + VerifySoftwareToken with the access
    token, then SetUserMFAPreference(SoftwareTokenMfaSettings Enabled, PreferredMfa=`preferred`)."""
    at = kit.sign_in(cid, username, password)["AccessToken"]
    totp = Totp(kit.uidp.associate_software_token(AccessToken=at)["SecretCode"])
    r = kit.uidp.verify_software_token(AccessToken=at, UserCode=totp.fresh(min_left=2), FriendlyDeviceName="phone")
    assert r["Status"] == "SUCCESS", r
    kit.uidp.set_user_mfa_preference(AccessToken=at,
                                     SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": preferred})
    return totp


def mfa_user(kit: Kit, pool: str, cid: str, tag: str, totp: bool = True, totp_preferred: bool = True,
             email_mfa: bool = False, email_preferred: bool = False) -> MfaUser:
    """A CONFIRMED user with a verified email, and the factors asked for: TOTP enrolled by the user, email MFA set by
    AdminSetUserMFAPreference."""
    username, email = unique(tag), new_email(tag)
    kit.admin_user(pool, username, email=email)
    u = MfaUser(pool, cid, username, email)
    if totp:
        u.totp = enroll_totp(kit, cid, username, preferred=totp_preferred)
    if email_mfa:
        kit.idp.admin_set_user_mfa_preference(UserPoolId=pool, Username=username,
                                              EmailMfaSettings={"Enabled": True, "PreferredMfa": email_preferred})
    return u


def mail_code(sink, address: str, timeout: float = 15.0) -> tuple:
    """The next mail to `address` and the code in it: (Mail, code)."""
    mail = sink.next_message(address, timeout)
    m = MAIL_CODE_RE.search(mail.body)
    assert m, f"no code in the mail to {address}: {mail.body!r}"
    return mail, m.group(1)


def challenge(resp: dict, name: str) -> dict:
    """Asserts `resp` is the challenge `name` with a Session and no tokens; returns its ChallengeParameters."""
    assert "AuthenticationResult" not in resp, f"expected {name}, got tokens: {resp}"
    assert resp.get("ChallengeName") == name, f"expected {name}, got {resp.get('ChallengeName')}: {resp}"
    assert resp.get("Session"), f"{name} without a Session: {resp}"
    return resp.get("ChallengeParameters", {})


def json_list(params: dict, key: str) -> list:
    """A ChallengeParameters value that is a JSON array in a string (MFAS_CAN_SETUP, MFAS_CAN_CHOOSE)."""
    assert key in params, f"{key} missing from ChallengeParameters {params}"
    value = json.loads(params[key])
    assert isinstance(value, list), f"{key} is not a JSON array: {params[key]!r}"
    return value
