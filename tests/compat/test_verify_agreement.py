"""latchkey-verify (crates/verify, driven through its `verify_tokens` example) and aws-jwt-verify
(node/verify_agreement.mjs) judge the same tokens the same way: real ID and access tokens of a running Latchkey
server, before and after `latchkey keys rotate`, and forgeries and misfits built from them (expired, another
client, another issuer, the other token_use, `alg: none`, HS256 keyed with the public key, a tampered payload, an
unknown kid), plus tokens of a real-Cognito-shaped issuer signed here with a key put in both verifiers' cached JWKS.

Each case states the verdict it must get (valid, or latchkey-verify's error kind); the test asserts that
latchkey-verify gives exactly it and that aws-jwt-verify accepts exactly the same cases. The verify_tokens binary is
taken from env LATCHKEY_VERIFY_TOKENS_BIN, else target/debug/examples/verify_tokens, built with cargo when missing.
Needs node + npm (skips without them, fails when CI is set)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import jwt  # PyJWT
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import LATCHKEY_BIN, REPO, clean_env
from nodelib import NODE_DIR, ensure_packages, node_exe
from userlib import Kit, fetch_jwks, jwt_claims, jwt_header, new_email, tamper

VERIFY_TOKENS_BIN = Path(os.environ.get("LATCHKEY_VERIFY_TOKENS_BIN",
                                        REPO / "target" / "debug" / "examples" / "verify_tokens"))
AWS_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xxx"
AWS_CLIENT = "5kq2r3v4s8mock0client0id12"


@pytest.fixture(scope="module")
def node():
    exe = node_exe()
    ensure_packages(["aws-jwt-verify"])
    return exe


@pytest.fixture(scope="module")
def verify_tokens() -> Path:
    if not VERIFY_TOKENS_BIN.exists():
        cargo = shutil.which("cargo")
        if not cargo:
            pytest.fail(f"{VERIFY_TOKENS_BIN} is missing and cargo is not on PATH to build it")
        r = subprocess.run([cargo, "build", "-p", "latchkey-verify", "--examples"], cwd=REPO, capture_output=True,
                           text=True, timeout=1800)
        assert r.returncode == 0, f"cargo build -p latchkey-verify --examples failed:\n{r.stderr[-4000:]}"
    assert VERIFY_TOKENS_BIN.exists(), f"no verify_tokens at {VERIFY_TOKENS_BIN}"
    return VERIFY_TOKENS_BIN


# --------------------------------------------------------------------------------------------------------------
# Token crafting
# --------------------------------------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64_json(obj) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


class MintedKey:
    """An RSA key made here, published only through the JWKS the test hands to both verifiers."""

    def __init__(self, kid: str):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        nums = self.private.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                    "n": b64(nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")),
                    "e": b64(nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big"))}

    def sign(self, claims: dict, kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


def with_claims(claims: dict, **changes) -> dict:
    return {**claims, **changes}


def alg_none(token: str) -> str:
    """The token's payload under `alg: none`, with no signature."""
    header = {**jwt_header(token), "alg": "none"}
    return f"{b64_json(header)}.{token.split('.')[1]}."


def hs256_with_public_key(token: str, jwks: dict) -> str:
    """The token re-signed with HS256, keyed with the PEM of the public key that verifies it: the classic
    algorithm-confusion forgery, which a verifier that lets the token pick its algorithm would accept."""
    kid = jwt_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    pem = jwt.PyJWK(jwk).key.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64_json({'alg': 'HS256', 'kid': kid, 'typ': 'JWT'})}.{token.split('.')[1]}"
    tag = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(tag)}"


# --------------------------------------------------------------------------------------------------------------
# Running both verifiers
# --------------------------------------------------------------------------------------------------------------


def run_rust(binary: Path, cases: list) -> dict:
    lines = "".join(json.dumps({k: v for k, v in c.items() if k not in ("name", "expect")}) + "\n" for c in cases)
    r = subprocess.run([str(binary)], input=lines, capture_output=True, text=True, timeout=120, env=clean_env())
    assert r.returncode == 0, f"verify_tokens exited {r.returncode}\n{r.stderr}"
    verdicts = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(verdicts) == len(cases), r.stdout
    return {c["name"]: v for c, v in zip(cases, verdicts)}


def run_node(node: str, tmp_path: Path, cases: list) -> dict:
    f = tmp_path / f"agreement-{uuid.uuid4().hex}.json"
    f.write_text(json.dumps({"cases": [{k: v for k, v in c.items() if k != "expect"} for c in cases]}))
    r = subprocess.run([node, str(NODE_DIR / "verify_agreement.mjs"), str(f)], cwd=NODE_DIR, capture_output=True,
                       text=True, timeout=120, env=clean_env())
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert r.returncode == 0 and lines, f"verify_agreement.mjs exited {r.returncode}\n{r.stdout}\n{r.stderr}"
    return json.loads(lines[-1])["results"]


def assert_agreement(rust: dict, node: dict, cases: list) -> None:
    problems = []
    for c in cases:
        name, expect = c["name"], c["expect"]
        got = "valid" if rust[name]["valid"] else rust[name]["error"]
        if got != expect:
            problems.append(f"{name}: latchkey-verify said {got} ({rust[name].get('message')}), expected {expect}")
        if node[name]["valid"] != (expect == "valid"):
            problems.append(f"{name}: aws-jwt-verify said {node[name]}, expected {expect}")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------------------------


def test_latchkey_verify_agrees_with_aws_jwt_verify(server, node, verify_tokens, tmp_path):
    k = Kit(server, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid, other_cid = k.client(pool), k.client(pool)
    other_pool = k.pool(AutoVerifiedAttributes=[])
    other_pool_cid = k.client(other_pool)
    for p in (pool, other_pool):
        k.admin_user(p, "agree", email=new_email("agree"))
    iss, other_iss = k.issuer(pool), k.issuer(other_pool)
    jwks_uri = f"{iss}/.well-known/jwks.json"
    before = k.sign_in(cid, "agree")
    other_client = k.sign_in(other_cid, "agree")
    foreign = k.sign_in(other_pool_cid, "agree")
    jwks = fetch_jwks(server.endpoint, pool)
    both_pools_jwks = {"keys": jwks["keys"] + fetch_jwks(server.endpoint, other_pool)["keys"]}

    # Claims of real tokens, re-signed here with a key added to the JWKS, to move their lifetime.
    minted = MintedKey("agreement-test-key")
    jwks_plus = {"keys": jwks["keys"] + [minted.jwk]}
    now = int(time.time())
    past = {"iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}
    unpublished = MintedKey("agreement-unpublished")

    def case(name, token, expect, use, client=cid, issuer=iss, keys=jwks, uri=jwks_uri):
        c = {"name": name, "token": token, "issuer": issuer, "jwks": keys, "token_use": use, "expect": expect}
        if client:
            c["client_id"] = client
        if uri:
            c["jwks_uri"] = uri
        return c

    cases = [
        case("id", before["IdToken"], "valid", "id"),
        case("access", before["AccessToken"], "valid", "access"),
        case("id_any_client", other_client["IdToken"], "valid", "id", client=None),
        case("resigned_id", minted.sign(jwt_claims(before["IdToken"])), "valid", "id", keys=jwks_plus),
        case("expired_id", minted.sign(with_claims(jwt_claims(before["IdToken"]), **past)), "Expired", "id",
             keys=jwks_plus),
        case("expired_access", minted.sign(with_claims(jwt_claims(before["AccessToken"]), **past)), "Expired",
             "access", keys=jwks_plus),
        case("other_client_id", other_client["IdToken"], "WrongAudience", "id"),
        case("other_client_access", other_client["AccessToken"], "WrongAudience", "access"),
        case("other_pool_id", foreign["IdToken"], "WrongIssuer", "id", client=other_pool_cid, keys=both_pools_jwks),
        case("other_pool_access", foreign["AccessToken"], "WrongIssuer", "access", client=None,
             keys=both_pools_jwks),
        case("other_issuer_configured", before["AccessToken"], "WrongIssuer", "access", issuer=other_iss,
             uri=None),
        case("id_as_access", before["IdToken"], "WrongTokenUse", "access"),
        case("access_as_id", before["AccessToken"], "WrongTokenUse", "id"),
        case("alg_none_id", alg_none(before["IdToken"]), "UnsupportedAlgorithm", "id"),
        case("alg_none_access", alg_none(before["AccessToken"]), "UnsupportedAlgorithm", "access"),
        case("hs256_public_key", hs256_with_public_key(before["AccessToken"], jwks), "UnsupportedAlgorithm",
             "access"),
        case("tampered_id", tamper(before["IdToken"]), "BadSignature", "id"),
        case("tampered_access", tamper(before["AccessToken"]), "BadSignature", "access"),
        case("unknown_kid", unpublished.sign(jwt_claims(before["AccessToken"])), "UnknownKey", "access"),
        case("kid_of_other_key", unpublished.sign(jwt_claims(before["AccessToken"]), kid=minted.kid),
             "BadSignature", "access", keys=jwks_plus),
        case("garbage", "not.a.jwt", "Malformed", "access"),
    ]

    # A real Amazon Cognito pool, as far as the verifiers can tell: its issuer, its claim shapes, a key of ours.
    cognito = MintedKey("cognito-like-key")
    cognito_jwks = {"keys": [cognito.jwk]}
    aws_access = {"sub": str(uuid.uuid4()), "iss": AWS_ISSUER, "client_id": AWS_CLIENT, "origin_jti": str(uuid.uuid4()),
                  "event_id": str(uuid.uuid4()), "token_use": "access", "scope": "aws.cognito.signin.user.admin",
                  "auth_time": now - 10, "exp": now + 3600, "iat": now - 10, "jti": str(uuid.uuid4()),
                  "username": "carol"}
    aws_id = {"sub": aws_access["sub"], "email_verified": True, "iss": AWS_ISSUER, "cognito:username": "carol",
              "origin_jti": aws_access["origin_jti"], "aud": AWS_CLIENT, "event_id": aws_access["event_id"],
              "token_use": "id", "auth_time": now - 10, "exp": now + 3600, "iat": now - 10,
              "jti": str(uuid.uuid4()), "email": "carol@example.com"}

    def aws_case(name, token, expect, use, client=AWS_CLIENT):
        # No jwks_uri: latchkey-verify stays offline, and aws-jwt-verify finds every kid in its cache.
        return case(name, token, expect, use, client=client, issuer=AWS_ISSUER, keys=cognito_jwks, uri=None)

    cases += [
        aws_case("aws_id", cognito.sign(aws_id), "valid", "id"),
        aws_case("aws_access", cognito.sign(aws_access), "valid", "access"),
        aws_case("aws_access_any_client", cognito.sign(aws_access), "valid", "access", client=None),
        aws_case("aws_expired", cognito.sign(with_claims(aws_access, **past)), "Expired", "access"),
        aws_case("aws_other_client", cognito.sign(with_claims(aws_access, client_id="someone-else")),
                 "WrongAudience", "access"),
        aws_case("aws_id_as_access", cognito.sign(aws_id), "WrongTokenUse", "access"),
        aws_case("aws_tampered", tamper(cognito.sign(aws_access)), "BadSignature", "access"),
        aws_case("aws_alg_none", alg_none(cognito.sign(aws_id)), "UnsupportedAlgorithm", "id"),
        aws_case("aws_hs256_public_key", hs256_with_public_key(cognito.sign(aws_id), cognito_jwks),
                 "UnsupportedAlgorithm", "id"),
        aws_case("aws_wrong_issuer", cognito.sign(with_claims(aws_access, iss=AWS_ISSUER + "y")), "WrongIssuer",
                 "access"),
    ]

    # Rotate the pool's keys; the server signs with the new ones within 30 s.
    rot = subprocess.run([str(LATCHKEY_BIN), "keys", "rotate", "--pool", pool, "--data-dir", str(server.data_dir)],
                         capture_output=True, text=True, timeout=60, env=clean_env())
    assert rot.returncode == 0, rot.stderr
    new_kid = re.search(r"ID tokens now use kid (\S+)", rot.stdout).group(1)
    deadline = time.monotonic() + 40
    while True:
        after = k.refresh(cid, before["RefreshToken"])
        if jwt_header(after["IdToken"])["kid"] == new_kid:
            break
        assert time.monotonic() < deadline, "rotated keys not used within 40 s"
        time.sleep(1)
    rotated_jwks = fetch_jwks(server.endpoint, pool)
    assert jwt_header(before["IdToken"])["kid"] in {k["kid"] for k in rotated_jwks["keys"]}, "retired keys stay"
    cases += [
        case("rotated_id", after["IdToken"], "valid", "id", keys=rotated_jwks),
        case("rotated_access", after["AccessToken"], "valid", "access", keys=rotated_jwks),
        case("pre_rotation_id", before["IdToken"], "valid", "id", keys=rotated_jwks),
        case("pre_rotation_access", before["AccessToken"], "valid", "access", keys=rotated_jwks),
        case("rotated_tampered", tamper(after["AccessToken"]), "BadSignature", "access", keys=rotated_jwks),
    ]

    assert len(cases) >= 20
    assert len({c["name"] for c in cases}) == len(cases)
    rust = run_rust(verify_tokens, cases)
    node_results = run_node(node, tmp_path, cases)
    assert_agreement(rust, node_results, cases)
    assert rust["access"]["client_id"] == cid and rust["access"]["username"] == "agree"
    assert rust["aws_id"]["username"] == "carol"

    # Only latchkey-verify can fetch over http: handed the pre-rotation JWKS, it refetches from the server on the
    # new kid and accepts the token (aws-jwt-verify's fetcher is https-only, hence cacheJwks above).
    stale = [case("rotation_by_refetch", after["AccessToken"], "valid", "access"),
             case("refetch_still_unknown", unpublished.sign(jwt_claims(after["AccessToken"])), "UnknownKey",
                  "access", keys=rotated_jwks)]
    got = run_rust(verify_tokens, stale)
    assert got["rotation_by_refetch"]["valid"], got
    assert got["refetch_still_unknown"]["error"] == "UnknownKey", got
