"""USER_SRP_AUTH on the wire: the PASSWORD_VERIFIER challenge driven by boto3 with the SRP client math computed here
(the same math as amazon-cognito-identity-js and pycognito; see shared/tools/srp_vector.py), so that every field a
client sends can be bent: wrong password and lockout, unknown users (LEGACY / ENABLED), replayed and tampered
SECRET_BLOCKs, stale, future, malformed and zero-padded TIMESTAMPs, invalid SRP_A, email-as-username pools
(USERNAME as typed or as USER_ID_FOR_SRP), client secrets, the admin API, and a second node on the same PostgreSQL
database answering a challenge issued by the first.

The SRP client helpers (SrpClient, srp_sign_in, ...) are imported by test_devices.py too."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import pytest
from botocore.exceptions import ClientError

from conftest import assert_fits_output, client_error, raw_call
from userlib import PASSWORD, PASSWORD2, UUID_RE, Kit, jwt_claims, new_email, secret_hash, verify_token

INCORRECT = "Incorrect username or password."
EXPIRED_SESSION = "Invalid session for the user, session is expired."
CHALLENGE_KEYS = {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}

# --------------------------------------------------------------------------------------------------------------
# SRP client math (Cognito's SRP-6a: 3072-bit group, g = 2, SHA-256, HKDF "Caldera Derived Key")
# --------------------------------------------------------------------------------------------------------------

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pad_hex(x: int) -> str:
    h = "%x" % x
    if len(h) % 2:
        h = "0" + h
    if h[0] in "89abcdef":
        h = "00" + h
    return h


def hash_hex(hex_string: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_string)).hexdigest()


K = int(hash_hex(pad_hex(N) + pad_hex(G)), 16)
assert "%x" % K == "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"


def hkdf16(ikm: bytes, salt: bytes) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def cognito_timestamp(when: Optional[datetime] = None, pad_day: bool = False) -> str:
    """`Tue Mar 5 07:04:09 UTC 2024` (day not padded, as the JS and Python clients send it) or, with pad_day,
    `Tue Mar 05 07:04:09 UTC 2024` (as Java/.NET SDKs may)."""
    d = when or datetime.now(timezone.utc)
    day = f"{d.day:02d}" if pad_day else f"{d.day}"
    return f"{WEEKDAYS[d.weekday()]} {MONTHS[d.month - 1]} {day} {d:%H:%M:%S} UTC {d.year}"


def verifier_config(group_key: str, device_key: str, password: Optional[str] = None):
    """What amazon-cognito-identity-js's generateHashDevice makes: (random password, DeviceSecretVerifierConfig)."""
    password = password or base64.b64encode(os.urandom(40)).decode()
    salt = pad_hex(int.from_bytes(os.urandom(16), "big") or 1)
    inner = hashlib.sha256(f"{group_key}{device_key}:{password}".encode()).hexdigest()
    x = int(hash_hex(salt + inner), 16)
    v = pow(G, x, N)
    cfg = {"PasswordVerifier": base64.b64encode(bytes.fromhex(pad_hex(v))).decode(),
           "Salt": base64.b64encode(bytes.fromhex(salt)).decode()}
    return password, cfg


class SrpClient:
    """One client-side SRP exchange: a random a, A = g^a, and the PASSWORD_CLAIM for a PASSWORD_VERIFIER (or
    DEVICE_PASSWORD_VERIFIER: pool_name := DeviceGroupKey, user_id := DeviceKey, password := device password)."""

    def __init__(self, a: Optional[int] = None):
        self.a = a if a is not None else (int.from_bytes(secrets.token_bytes(128), "big") % N)
        self.A = pow(G, self.a, N)

    @property
    def srp_a(self) -> str:
        return "%x" % self.A

    def key(self, pool_name: str, user_id: str, password: str, salt_hex: str, srp_b_hex: str) -> bytes:
        B = int(srp_b_hex, 16)
        assert B % N != 0, "server sent B ≡ 0 (mod N)"
        u = int(hash_hex(pad_hex(self.A) + pad_hex(B)), 16)
        assert u != 0
        inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
        x = int(hash_hex(pad_hex(int(salt_hex, 16)) + inner), 16)
        S = pow((B - K * pow(G, x, N)) % N, self.a + u * x, N)
        return hkdf16(bytes.fromhex(pad_hex(S)), bytes.fromhex(pad_hex(u)))

    def claim(self, pool_name: str, user_id: str, password: str, params: dict, timestamp: Optional[str] = None,
              secret_block: Optional[str] = None) -> dict:
        """PASSWORD_CLAIM_* + TIMESTAMP for `params` (the ChallengeParameters). `secret_block` replaces the one
        sent back (the signature is computed over what is sent, as a client would)."""
        ts = cognito_timestamp() if timestamp is None else timestamp
        block = params["SECRET_BLOCK"] if secret_block is None else secret_block
        key = self.key(pool_name, user_id, password, params["SALT"], params["SRP_B"])
        msg = pool_name.encode() + user_id.encode() + base64.b64decode(block) + ts.encode()
        sig = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
        return {"PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}


def pool_name(pool_id: str) -> str:
    return pool_id.split("_", 1)[1]


class Srp:
    """USER_SRP_AUTH through boto3 for one pool/client: `initiate` then `respond` (or `sign_in` for both).
    admin=True uses AdminInitiateAuth / AdminRespondToAuthChallenge (SigV4)."""

    def __init__(self, kit: Kit, pool_id: str, client_id: str, secret: Optional[str] = None, admin: bool = False):
        self.kit, self.pool_id, self.client_id, self.secret, self.admin = kit, pool_id, client_id, secret, admin

    def _hash(self, username: str) -> dict:
        return {"SECRET_HASH": secret_hash(username, self.client_id, self.secret)} if self.secret else {}

    def initiate(self, username: str, srp: Optional[SrpClient] = None, srp_a: Optional[str] = None, **extra):
        srp = srp or SrpClient()
        params = {"USERNAME": username, "SRP_A": srp_a or srp.srp_a, **self._hash(username), **extra}
        if self.admin:
            r = self.kit.idp.admin_initiate_auth(UserPoolId=self.pool_id, ClientId=self.client_id,
                                                 AuthFlow="USER_SRP_AUTH", AuthParameters=params)
        else:
            r = self.kit.uidp.initiate_auth(ClientId=self.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
        return srp, r

    def responses(self, srp: SrpClient, challenge: dict, password: str, username: Optional[str] = None,
                  timestamp: Optional[str] = None, secret_block: Optional[str] = None, **extra) -> dict:
        p = challenge["ChallengeParameters"]
        user = username or p["USER_ID_FOR_SRP"]
        out = {"USERNAME": user, **srp.claim(pool_name(self.pool_id), p["USER_ID_FOR_SRP"], password, p,
                                             timestamp=timestamp, secret_block=secret_block)}
        out.update(self._hash(user))
        out.update(extra)
        return out

    def send(self, responses: dict, challenge_name: str = "PASSWORD_VERIFIER", session: Optional[str] = None,
             idp=None):
        kw = dict(ClientId=self.client_id, ChallengeName=challenge_name, ChallengeResponses=responses)
        if session:
            kw["Session"] = session
        if self.admin:
            return (idp or self.kit.idp).admin_respond_to_auth_challenge(UserPoolId=self.pool_id, **kw)
        return (idp or self.kit.uidp).respond_to_auth_challenge(**kw)

    def respond(self, srp: SrpClient, challenge: dict, password: str, **kw):
        idp = kw.pop("idp", None)
        return self.send(self.responses(srp, challenge, password, **kw), idp=idp)

    def sign_in(self, username: str, password: str = PASSWORD, **kw) -> dict:
        """The full exchange; returns RespondToAuthChallenge's answer (tokens or the next challenge)."""
        srp, ch = self.initiate(username)
        assert ch["ChallengeName"] == "PASSWORD_VERIFIER", ch
        return self.respond(srp, ch, password, **kw)

    def attempt(self, username: str, password: str = PASSWORD) -> str:
        """'OK' | 'CHALLENGE <name>' | '<Code>: <Message>' from whichever step failed."""
        try:
            r = self.sign_in(username, password)
        except ClientError as e:
            return f'{e.response["Error"]["Code"]}: {e.response["Error"]["Message"]}'
        return "OK" if "AuthenticationResult" in r else f"CHALLENGE {r['ChallengeName']}"


def assert_tokens(r: dict) -> dict:
    assert "ChallengeName" not in r or r["ChallengeName"] is None, f"expected tokens, got {r}"
    res = r["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(res), res
    assert res["TokenType"] == "Bearer" and res["ExpiresIn"] == 3600
    return res


def is_hex(s: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]+", s))


# --------------------------------------------------------------------------------------------------------------
# The happy path, on the wire
# --------------------------------------------------------------------------------------------------------------


def test_password_verifier_challenge_shape_and_tokens(kit, app):
    pool, cid = app
    kit.admin_user(pool, "alice", email=new_email("alice"))
    s = Srp(kit, pool, cid)

    # Raw, unsigned, as a browser sends it: no Session, exactly the five parameters.
    srp = SrpClient()
    raw = raw_call(kit.server, "InitiateAuth", {"ClientId": cid, "AuthFlow": "USER_SRP_AUTH",
                                                "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.srp_a}},
                   sign=False)
    assert raw.status == 200, raw
    body = raw.json()
    assert_fits_output("InitiateAuth", body)
    assert body["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in body, f"PASSWORD_VERIFIER must come without a Session: {body.get('Session')!r}"
    assert "AuthenticationResult" not in body
    p = body["ChallengeParameters"]
    assert set(p) == CHALLENGE_KEYS, p
    assert p["USER_ID_FOR_SRP"] == p["USERNAME"] == "alice"
    assert is_hex(p["SALT"]) and is_hex(p["SRP_B"]), p
    assert 0 < int(p["SRP_B"], 16) < N and int(p["SRP_B"], 16) % N != 0
    base64.b64decode(p["SECRET_BLOCK"], validate=True)  # standard base64
    # The salt belongs to the user (stable); B is fresh every time.
    _, again = s.initiate("alice")
    assert again["ChallengeParameters"]["SALT"] == p["SALT"]
    assert again["ChallengeParameters"]["SRP_B"] != p["SRP_B"]
    assert again["ChallengeParameters"]["SECRET_BLOCK"] != p["SECRET_BLOCK"]

    r = s.respond(srp, body, PASSWORD)
    res = assert_tokens(r)
    iss = kit.issuer(pool)
    idc = verify_token(res["IdToken"], kit.jwks(pool), issuer=iss, audience=cid)
    ac = verify_token(res["AccessToken"], kit.jwks(pool), issuer=iss)
    assert idc["cognito:username"] == "alice" and ac["username"] == "alice" and ac["client_id"] == cid
    assert kit.get_user(res["AccessToken"])["Username"] == "alice"
    assert kit.refresh(cid, res["RefreshToken"])["AccessToken"]

    # The same through the admin API (SigV4).
    a = Srp(kit, pool, cid, admin=True)
    srp2, ch = a.initiate("alice")
    assert ch["ChallengeName"] == "PASSWORD_VERIFIER" and "Session" not in ch
    assert set(ch["ChallengeParameters"]) == CHALLENGE_KEYS
    res2 = assert_tokens(a.respond(srp2, ch, PASSWORD))
    assert jwt_claims(res2["AccessToken"])["username"] == "alice"


def test_srp_flow_not_enabled_for_client(kit, app):
    pool, _ = app
    kit.admin_user(pool, "nosrp", email=new_email("nosrp"))
    cid = kit.client(pool, flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with client_error("InvalidParameterException", message_contains=["USER_SRP_AUTH flow not enabled"]):
        Srp(kit, pool, cid).initiate("nosrp")


# --------------------------------------------------------------------------------------------------------------
# Wrong password, lockout, unknown users
# --------------------------------------------------------------------------------------------------------------


def test_wrong_password_counts_toward_lockout(kit, app):
    pool, cid = app
    kit.admin_user(pool, "srplock", email=new_email("srplock"))
    kit.admin_user(pool, "bystander", email=new_email("bystander"))
    s = Srp(kit, pool, cid)
    for i in range(5):
        srp, ch = s.initiate("srplock")
        with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
            s.respond(srp, ch, PASSWORD2)
    locked_at = time.monotonic()
    # Locked now (for 1 s after 5 failures): the right password is refused, by USER_PASSWORD_AUTH and by SRP.
    with client_error("NotAuthorizedException", message_contains=["Password attempts exceeded"]):
        kit.sign_in(cid, "srplock")
    got = s.attempt("srplock", PASSWORD)
    if got == "OK":  # only acceptable when the 1 s lock had already run out
        assert time.monotonic() - locked_at >= 0.9, "SRP sign-in succeeded during the lock"
    else:
        assert got == "NotAuthorizedException: Password attempts exceeded", got
    # Other users are not affected.
    assert s.attempt("bystander") == "OK"
    # The lock passes.
    deadline = time.monotonic() + 15
    while (got := s.attempt("srplock")) != "OK":
        assert got == "NotAuthorizedException: Password attempts exceeded", got
        assert time.monotonic() < deadline, "SRP lock never expired"
        time.sleep(0.25)


def test_unknown_user_legacy(kit, app):
    pool, _ = app
    legacy = kit.client(pool, PreventUserExistenceErrors="LEGACY")
    for admin in (False, True):
        with client_error("UserNotFoundException", message_contains=["User does not exist."]):
            Srp(kit, pool, legacy, admin=admin).initiate("nobody-here")


def test_unknown_user_enabled_gets_a_stable_simulated_challenge(kit, app):
    pool, _ = app
    enabled = kit.client(pool, PreventUserExistenceErrors="ENABLED")
    kit.admin_user(pool, "realuser", email=new_email("real"))
    s = Srp(kit, pool, enabled)

    _, real = s.initiate("realuser")
    _, fake1 = s.initiate("ghost-one")
    _, fake2 = s.initiate("ghost-one")
    _, other = s.initiate("ghost-two")
    for r in (fake1, fake2, other):
        assert r["ChallengeName"] == "PASSWORD_VERIFIER" and "Session" not in r, r
        p = r["ChallengeParameters"]
        assert set(p) == set(real["ChallengeParameters"]) == CHALLENGE_KEYS, (p, real["ChallengeParameters"])
        # Where people choose their usernames, a real user's USER_ID_FOR_SRP is the name typed: a simulated one
        # must be too (a UUID here said "no such user"; UUIDs are for pools that sign in by email or phone).
        assert p["USER_ID_FOR_SRP"] in ("ghost-one", "ghost-two"), p["USER_ID_FOR_SRP"]
        assert p["USERNAME"] == p["USER_ID_FOR_SRP"], p
        assert is_hex(p["SALT"]) and is_hex(p["SRP_B"])
        assert len(p["SALT"]) >= 24, p["SALT"]
        base64.b64decode(p["SECRET_BLOCK"], validate=True)
    f1, f2, o = fake1["ChallengeParameters"], fake2["ChallengeParameters"], other["ChallengeParameters"]
    assert f1["SALT"] == f2["SALT"] and f1["USER_ID_FOR_SRP"] == f2["USER_ID_FOR_SRP"], "not stable per name"
    assert f1["SRP_B"] != f2["SRP_B"], "B must be fresh, as for a real user"
    assert o["SALT"] != f1["SALT"] and o["USER_ID_FOR_SRP"] != f1["USER_ID_FOR_SRP"], "same for two names"
    # The admin API gives the same simulated identity.
    _, adm = Srp(kit, pool, enabled, admin=True).initiate("ghost-one")
    assert adm["ChallengeParameters"]["SALT"] == f1["SALT"]
    assert adm["ChallengeParameters"]["USER_ID_FOR_SRP"] == f1["USER_ID_FOR_SRP"]

    # Answering fails like a wrong password, whatever is sent.
    for username in (None, "ghost-one"):
        srp, ch = s.initiate("ghost-one")
        with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
            s.respond(srp, ch, PASSWORD, username=username)
    # ... and a real user's wrong password reads the same.
    srp, ch = s.initiate("realuser")
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        s.respond(srp, ch, PASSWORD2)


# --------------------------------------------------------------------------------------------------------------
# SECRET_BLOCK: single use, sealed, bound to its user and client
# --------------------------------------------------------------------------------------------------------------


def test_replayed_password_verifier_is_refused(kit, app):
    pool, cid = app
    kit.admin_user(pool, "replay", email=new_email("replay"))
    s = Srp(kit, pool, cid)
    srp, ch = s.initiate("replay")
    responses = s.responses(srp, ch, PASSWORD)
    assert_tokens(s.send(responses))
    with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
        s.send(responses)
    # A fresh signature over the same (used) block is refused too.
    with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
        s.send(s.responses(srp, ch, PASSWORD))
    # The admin API shares the single use.
    a = Srp(kit, pool, cid, admin=True)
    srp2, ch2 = a.initiate("replay")
    r2 = a.responses(srp2, ch2, PASSWORD)
    assert_tokens(a.send(r2))
    with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
        a.send(r2)


def test_tampered_secret_block_is_refused(kit, app):
    pool, cid = app
    kit.admin_user(pool, "tamper", email=new_email("tamper"))
    s = Srp(kit, pool, cid)
    srp, ch = s.initiate("tamper")
    raw = bytearray(base64.b64decode(ch["ChallengeParameters"]["SECRET_BLOCK"]))
    for i in (len(raw) // 2, len(raw) - 1, 0):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        tampered = base64.b64encode(bytes(bad)).decode()
        with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
            s.respond(srp, ch, PASSWORD, secret_block=tampered)
    for junk in (base64.b64encode(b"not a sealed block").decode(), base64.b64encode(bytes(raw[:-16])).decode()):
        with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
            s.respond(srp, ch, PASSWORD, secret_block=junk)
    # The untouched block still works afterwards (failed tampering did not burn it).
    assert_tokens(s.respond(srp, ch, PASSWORD))


def test_secret_block_is_bound_to_user_and_client(kit, app):
    pool, cid = app
    other_cid = kit.client(pool)
    kit.admin_user(pool, "bound1", email=new_email("bound1"))
    kit.admin_user(pool, "bound2", password=PASSWORD, email=new_email("bound2"))
    s = Srp(kit, pool, cid)
    # A block issued for bound1, answered as bound2 (signature computed for bound2 with bound2's password).
    srp, ch = s.initiate("bound1")
    forged = {**ch, "ChallengeParameters": {**ch["ChallengeParameters"], "USER_ID_FOR_SRP": "bound2"}}
    with pytest.raises(ClientError) as ex:
        s.respond(srp, forged, PASSWORD, username="bound2")
    assert ex.value.response["Error"]["Code"] == "NotAuthorizedException", ex.value.response
    # A block issued through one app client, answered through another.
    srp, ch = s.initiate("bound1")
    with pytest.raises(ClientError) as ex:
        Srp(kit, pool, other_cid).respond(srp, ch, PASSWORD)
    assert ex.value.response["Error"]["Code"] == "NotAuthorizedException", ex.value.response


# --------------------------------------------------------------------------------------------------------------
# TIMESTAMP
# --------------------------------------------------------------------------------------------------------------


def test_timestamp_window(kit, app):
    pool, cid = app
    kit.admin_user(pool, "clock", email=new_email("clock"))
    s = Srp(kit, pool, cid)
    now = datetime.now(timezone.utc)
    for skew in (timedelta(minutes=-6), timedelta(minutes=6), timedelta(hours=-3), timedelta(days=1)):
        srp, ch = s.initiate("clock")
        with client_error("NotAuthorizedException"):
            s.respond(srp, ch, PASSWORD, timestamp=cognito_timestamp(now + skew))
    # Within the window (a client clock a few minutes off) is fine.
    for skew in (timedelta(minutes=-4), timedelta(minutes=4)):
        srp, ch = s.initiate("clock")
        assert_tokens(s.respond(srp, ch, PASSWORD, timestamp=cognito_timestamp(now + skew)))


@pytest.mark.parametrize("timestamp", [
    "yesterday", "", "2024-03-05T07:04:09Z", "Tue Mar 5 07:04:09 2024", "Tue Foo 5 07:04:09 UTC 2024",
    "Tue Mar 5 25:04:09 UTC 2024", "Tue Mar 32 07:04:09 UTC 2024",
    "{iso}", "Xyz {rest}", "{now} GMT", "{now}x",
])
def test_malformed_timestamp(kit, app, timestamp):
    """Malformed is malformed even when the time in it is current (`{now}` is a valid TIMESTAMP for now)."""
    now = datetime.now(timezone.utc)
    valid = cognito_timestamp(now)
    timestamp = timestamp.format(iso=now.strftime("%Y-%m-%dT%H:%M:%SZ"), rest=valid.split(" ", 1)[1], now=valid)
    pool, cid = app
    kit.admin_user(pool, "badts", email=new_email("badts"))
    s = Srp(kit, pool, cid)
    srp, ch = s.initiate("badts")
    with client_error("InvalidParameterException"):
        s.respond(srp, ch, PASSWORD, timestamp=timestamp)


def faketime_lib() -> Path:
    """libfaketime.so.1 as shipped by the PyPI package `libfaketime` (in requirements.txt)."""
    try:
        import libfaketime
    except ImportError:
        pytest.fail("the PyPI package libfaketime is not installed (pip install -r tests/compat/requirements.txt)")
    so = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    assert so.exists(), f"{so} missing"
    return so


def test_zero_padded_day_is_accepted(server_factory, monkeypatch):
    """Only a day of month below 10 tells `Mar 5` from `Mar 05`, so the server runs with its clock moved (by
    libfaketime) to noon on the 5th of next month; the client signs with the moved clock too."""
    real = datetime.now(timezone.utc)
    month = real.month % 12 + 1
    year = real.year + (1 if month == 1 else 0)
    target = real.replace(year=year, month=month, day=5, hour=12)
    offset = int((target - real).total_seconds())
    srv = server_factory(env={"LD_PRELOAD": str(faketime_lib()), "FAKETIME": f"{offset:+d}",
                              "DONT_FAKE_MONOTONIC": "1"}).start()
    # SigV4 signatures are checked against the server's clock: sign with the moved clock.
    import botocore.auth

    real_now = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda *a, **kw: real_now(*a, **kw) + timedelta(seconds=offset))
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.admin_user(pool, "padded", email=new_email("padded"))
    s = Srp(k, pool, cid)

    def server_now():
        return datetime.now(timezone.utc) + timedelta(seconds=offset)

    # The server's clock really is on the 5th (the access token's iat says so).
    _, first = s.initiate("padded")
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    ts = cognito_timestamp(server_now(), pad_day=True)
    assert re.match(r"^\w{3} \w{3} 05 ", ts), ts
    srp, ch = s.initiate("padded")
    res = assert_tokens(s.respond(srp, ch, PASSWORD, timestamp=ts))
    iat = datetime.fromtimestamp(jwt_claims(res["AccessToken"])["iat"], timezone.utc)
    assert iat.day == 5 and abs((iat - server_now()).total_seconds()) < 120, iat
    # Unpadded works as well.
    ts = cognito_timestamp(server_now())
    assert re.match(r"^\w{3} \w{3} 5 ", ts), ts
    srp, ch = s.initiate("padded")
    assert_tokens(s.respond(srp, ch, PASSWORD, timestamp=ts))
    # The window is checked against the server's clock: the real date is weeks away from it.
    srp, ch = s.initiate("padded")
    with client_error("NotAuthorizedException"):
        s.respond(srp, ch, PASSWORD, timestamp=cognito_timestamp(datetime.now(timezone.utc)))


class MovableClock:
    """A server whose wall clock the test moves forward (libfaketime reading an offset file); SigV4 requests are
    signed with the moved clock as well, and `wait` polls the server's Date header until the move took effect."""

    def __init__(self, server_factory, tmp_path, monkeypatch):
        import botocore.auth

        self.offset = 0
        self.file = tmp_path / "faketime.rc"
        self.file.write_text("+0\n")
        self.server = server_factory(env={"LD_PRELOAD": str(faketime_lib()), "FAKETIME_TIMESTAMP_FILE": str(self.file),
                                          "FAKETIME_CACHE_DURATION": "1", "DONT_FAKE_MONOTONIC": "1"}).start()
        real_now = botocore.auth.get_current_datetime
        monkeypatch.setattr(botocore.auth, "get_current_datetime",
                            lambda *a, **kw: real_now(*a, **kw) + timedelta(seconds=self.offset))

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset)

    def server_date(self) -> datetime:
        from email.utils import parsedate_to_datetime

        from conftest import raw_request

        return parsedate_to_datetime(raw_request(self.server, "GET", "/health/ready").header("Date"))

    def move_to(self, offset: int, timeout: float = 15) -> None:
        self.offset = offset
        self.file.write_text(f"{offset:+d}\n")
        deadline = time.monotonic() + timeout
        while abs((self.server_date() - self.now()).total_seconds()) > 3:
            assert time.monotonic() < deadline, f"server clock did not move to {offset:+d}s within {timeout}s"
            time.sleep(0.2)


def test_secret_block_expires_after_auth_session_validity(server_factory, tmp_path, monkeypatch):
    clock = MovableClock(server_factory, tmp_path, monkeypatch)
    k = Kit(clock.server, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool, AuthSessionValidity=4)
    k.admin_user(pool, "slow", email=new_email("slow"))
    s = Srp(k, pool, cid)
    early_srp, early = s.initiate("slow")
    late_srp, late = s.initiate("slow")
    # 2.5 minutes later: within the 4-minute AuthSessionValidity.
    clock.move_to(150)
    assert_tokens(s.respond(early_srp, early, PASSWORD, timestamp=cognito_timestamp(clock.now())))
    # 5 minutes after it was issued the other block has expired (the TIMESTAMP itself is current).
    clock.move_to(300)
    with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
        s.respond(late_srp, late, PASSWORD, timestamp=cognito_timestamp(clock.now()))
    # A fresh challenge works at the moved time.
    srp, ch = s.initiate("slow")
    assert_tokens(s.respond(srp, ch, PASSWORD, timestamp=cognito_timestamp(clock.now())))


# --------------------------------------------------------------------------------------------------------------
# SRP_A
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("srp_a", ["0", "00", "not-hex", "xyz", N_HEX.lower(), "%x" % (N + 1), "%x" % (2 * N)])
def test_invalid_srp_a(kit, app, srp_a):
    pool, cid = app
    kit.admin_user(pool, "srpa", email=new_email("srpa"))
    for admin in (False, True):
        with client_error("InvalidParameterException"):
            Srp(kit, pool, cid, admin=admin).initiate("srpa", srp_a=srp_a)


def test_missing_srp_a(kit, app):
    pool, cid = app
    kit.admin_user(pool, "nosrpa", email=new_email("nosrpa"))
    with client_error("InvalidParameterException"):
        kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "nosrpa"})


# --------------------------------------------------------------------------------------------------------------
# Users: email as username, NEW_PASSWORD_REQUIRED, unconfirmed, disabled
# --------------------------------------------------------------------------------------------------------------


def test_email_as_username_pool_accepts_typed_name_and_user_id_for_srp(kit):
    pool = kit.pool(UsernameAttributes=["email"])
    cid = kit.client(pool)
    email = new_email("mailname")
    created = kit.admin_user(pool, email, email=email)
    sub = {a["Name"]: a["Value"] for a in created["Attributes"]}["sub"]
    s = Srp(kit, pool, cid)
    for answer_as in (email, sub, None):
        srp, ch = s.initiate(email)
        p = ch["ChallengeParameters"]
        assert p["USER_ID_FOR_SRP"] == p["USERNAME"] == sub, p
        assert UUID_RE.fullmatch(sub)
        res = assert_tokens(s.respond(srp, ch, PASSWORD, username=answer_as))
        c = jwt_claims(res["IdToken"])
        assert c["sub"] == sub and c["email"] == email and c["cognito:username"] == sub
    # With a client secret, SECRET_HASH goes with whichever name each request carries.
    app_secret = kit.app(pool, GenerateSecret=True)
    sec = Srp(kit, pool, app_secret["ClientId"], secret=app_secret["ClientSecret"])
    for answer_as in (email, sub):
        srp, ch = sec.initiate(email)
        assert_tokens(sec.respond(srp, ch, PASSWORD, username=answer_as))


def test_admin_created_user_gets_new_password_required(kit, app):
    pool, cid = app
    kit.invited_user(pool, "fresh", email=new_email("fresh"))
    for admin in (False, True):
        s = Srp(kit, pool, cid, admin=admin)
        r = s.sign_in("fresh", "Temp0rary!Pass")
        assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED", r
        assert len(r["Session"]) >= 20
        assert r["ChallengeParameters"]["USER_ID_FOR_SRP"] == "fresh"
        assert "AuthenticationResult" not in r
    done = s.send({"USERNAME": "fresh", "NEW_PASSWORD": PASSWORD2}, challenge_name="NEW_PASSWORD_REQUIRED",
                  session=r["Session"])
    assert_tokens(done)
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="fresh")["UserStatus"] == "CONFIRMED"
    assert Srp(kit, pool, cid).attempt("fresh", PASSWORD2) == "OK"


def test_unconfirmed_and_disabled_users(kit, app):
    pool, cid = app
    email = new_email("srpunconf")
    kit.sign_up(cid, "srpunconf", email=email, confirm=False)
    s = Srp(kit, pool, cid)
    got = s.attempt("srpunconf")
    assert got.startswith("UserNotConfirmedException"), got
    assert s.attempt("srpunconf", PASSWORD2) == f"NotAuthorizedException: {INCORRECT}"

    kit.admin_user(pool, "srpoff", email=new_email("srpoff"))
    kit.idp.admin_disable_user(UserPoolId=pool, Username="srpoff")
    assert s.attempt("srpoff") == "NotAuthorizedException: User is disabled."
    kit.idp.admin_enable_user(UserPoolId=pool, Username="srpoff")
    assert s.attempt("srpoff") == "OK"


# --------------------------------------------------------------------------------------------------------------
# Client secrets
# --------------------------------------------------------------------------------------------------------------


def test_client_with_secret(kit, app):
    pool, _ = app
    a = kit.app(pool, GenerateSecret=True)
    cid, secret = a["ClientId"], a["ClientSecret"]
    kit.admin_user(pool, "sec", email=new_email("sec"))
    s = Srp(kit, pool, cid, secret=secret)
    assert_tokens(s.sign_in("sec"))
    # No SECRET_HASH at InitiateAuth.
    with client_error("NotAuthorizedException", message_contains=["SECRET_HASH"]):
        Srp(kit, pool, cid).initiate("sec")
    # None, or a wrong one, with the PASSWORD_VERIFIER answer.
    for bad in ({}, {"SECRET_HASH": secret_hash("sec", cid, "wrong-secret")}):
        srp, ch = s.initiate("sec")
        responses = s.responses(srp, ch, PASSWORD)
        responses.pop("SECRET_HASH")
        responses.update(bad)
        with client_error("NotAuthorizedException"):
            s.send(responses)


# --------------------------------------------------------------------------------------------------------------
# Two nodes on one PostgreSQL database
# --------------------------------------------------------------------------------------------------------------

from test_persistence import pg_schema  # noqa: E402,F401  (fixture; skips without PostgreSQL, fails when CI is set)

MASTER_KEY = "fedcba9876543210" * 4


@pytest.mark.postgres
def test_second_node_answers_a_challenge_issued_by_the_first(server_factory, tmp_path, pg_schema):  # noqa: F811
    _, url = pg_schema
    args = ["--database-url", url, "--master-key", MASTER_KEY, "--public-url", "http://auth.latchkey.test"]
    a = server_factory(data_dir=tmp_path / "node-a", extra_args=args).start()
    b = server_factory(data_dir=tmp_path / "node-b", extra_args=args).start()
    A, B = Kit(a, None), Kit(b, None)
    pool = A.pool(AutoVerifiedAttributes=[])
    cid = A.client(pool)
    enabled = A.client(pool, PreventUserExistenceErrors="ENABLED")
    A.admin_user(pool, "twin", email=new_email("twin"))
    sa, sb = Srp(A, pool, cid), Srp(B, pool, cid)

    # Issued by A, answered on B; tokens from B work on A.
    srp, ch = sa.initiate("twin")
    responses = sa.responses(srp, ch, PASSWORD)
    res = assert_tokens(sb.send(responses))
    assert A.get_user(res["AccessToken"])["Username"] == "twin"
    # Single use holds across nodes.
    for node in (sa, sb):
        with client_error("NotAuthorizedException", message_contains=[EXPIRED_SESSION]):
            node.send(responses)
    # And the other way round, through the admin API.
    srp, ch = Srp(B, pool, cid, admin=True).initiate("twin")
    assert_tokens(Srp(A, pool, cid, admin=True).respond(srp, ch, PASSWORD))
    # Wrong passwords on either node add up to one lockout.
    for i in range(5):
        node_from, node_to = (sa, sb) if i % 2 == 0 else (sb, sa)
        srp, ch = node_from.initiate("twin")
        with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
            node_to.respond(srp, ch, PASSWORD2)
    with client_error("NotAuthorizedException", message_contains=["Password attempts exceeded"]):
        B.sign_in(cid, "twin")  # right away: the 1 s lock is on
    # A simulated challenge for an unknown name is the same on both nodes.
    _, fa = Srp(A, pool, enabled).initiate("ghost")
    _, fb = Srp(B, pool, enabled).initiate("ghost")
    assert fa["ChallengeParameters"]["SALT"] == fb["ChallengeParameters"]["SALT"]
    assert fa["ChallengeParameters"]["USER_ID_FOR_SRP"] == fb["ChallengeParameters"]["USER_ID_FOR_SRP"]
