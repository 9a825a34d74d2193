"""Tokens as Cognito issues them, checked with PyJWT against the server's JWKS: header, claims of ID and access
tokens, per-client validity, refresh, RevokeToken, (Admin)GlobalSignOut, bad tokens on GetUser; JWKS and OIDC
discovery; issuer styles; key rotation with `latchkey keys rotate` while the server runs."""

import json
import re
import subprocess
import time

import jwt
import pytest
from botocore.exceptions import ClientError

from conftest import LATCHKEY_BIN, clean_env, client_error, http_get
from userlib import (PASSWORD, PASSWORD2, TEMP_PASSWORD, UUID_RE, Kit, fetch_jwks, jwt_claims, jwt_header, new_email,
                     tamper, verify_token)

ID_CLAIMS = {"sub", "cognito:username", "aud", "email", "email_verified", "origin_jti", "event_id", "token_use",
             "auth_time", "iat", "exp", "jti", "iss"}
ACCESS_CLAIMS = {"sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp",
                 "iat", "jti", "username"}


@pytest.fixture
def app(kit):
    pool = kit.pool(Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}])
    return pool, kit.client(pool)


def test_jwks_and_discovery(kit, app):
    pool, cid = app
    status, headers, body = http_get(f"{kit.endpoint}/{pool}/.well-known/jwks.json")
    assert status == 200
    assert headers.get("Content-Type", "").startswith("application/json")
    jwks = json.loads(body)
    keys = jwks["keys"]
    assert len(keys) >= 2
    for k in keys:
        assert set(k) == {"alg", "e", "kid", "kty", "n", "use"}, k
        assert (k["alg"], k["e"], k["kty"], k["use"]) == ("RS256", "AQAB", "RSA", "sig")
        assert re.fullmatch(r"[A-Za-z0-9_-]+", k["n"]) and len(k["n"]) >= 342, "RSA-2048 modulus, base64url"
    assert keys[0]["kid"] != keys[1]["kid"]
    assert len({k["kid"] for k in keys}) == len(keys)

    status, headers, body = http_get(f"{kit.endpoint}/{pool}/.well-known/openid-configuration")
    assert status == 200
    doc = json.loads(body)
    assert doc["issuer"] == f"{kit.endpoint}/{pool}"
    assert doc["jwks_uri"] == f"{kit.endpoint}/{pool}/.well-known/jwks.json"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert doc["subject_types_supported"] == ["public"]

    # Each pool has its own keys; unknown pools are 404.
    other = kit.pool()
    other_kids = {k["kid"] for k in fetch_jwks(kit.endpoint, other)["keys"]}
    assert not other_kids & {k["kid"] for k in keys}
    for path in ("jwks.json", "openid-configuration"):
        status, _, _ = http_get(f"{kit.endpoint}/us-east-1_Nope0000/.well-known/{path}")
        assert status == 404, path


def test_id_and_access_token_claims(kit, app):
    pool, cid = app
    email = new_email("claims")
    kit.admin_user(pool, "claims", email=email, extra={"custom:tier": "gold", "given_name": "Cla",
                                                       "phone_number": "+15555550100", "phone_number_verified": "true"})
    before = int(time.time())
    t = kit.sign_in(cid, "claims")
    after = int(time.time())
    jwks = kit.jwks(pool)
    iss = f"{kit.endpoint}/{pool}"

    for tok, kid_index in ((t["IdToken"], 0), (t["AccessToken"], 1)):
        h = jwt_header(tok)
        assert set(h) == {"kid", "alg"} and h["alg"] == "RS256", h
        assert h["kid"] == jwks["keys"][kid_index]["kid"], "keys[0] signs ID tokens, keys[1] access tokens"

    idc = verify_token(t["IdToken"], jwks, issuer=iss, audience=cid)
    assert ID_CLAIMS <= set(idc), ID_CLAIMS - set(idc)
    assert not {"client_id", "scope", "username"} & set(idc)
    assert idc["token_use"] == "id" and idc["aud"] == cid and idc["iss"] == iss
    assert idc["cognito:username"] == "claims"
    assert UUID_RE.fullmatch(idc["sub"])
    assert idc["email"] == email and idc["email_verified"] is True
    assert idc["custom:tier"] == "gold" and idc["given_name"] == "Cla"
    assert idc["phone_number"] == "+15555550100" and idc["phone_number_verified"] is True
    assert before - 1 <= idc["iat"] <= after + 1 and idc["auth_time"] == idc["iat"]
    assert idc["exp"] - idc["iat"] == 3600
    for k in ("jti", "origin_jti", "event_id"):
        assert UUID_RE.fullmatch(idc[k]), (k, idc[k])

    ac = verify_token(t["AccessToken"], jwks, issuer=iss)
    assert set(ac) == ACCESS_CLAIMS, set(ac) ^ ACCESS_CLAIMS
    assert ac["token_use"] == "access" and ac["client_id"] == cid and ac["username"] == "claims"
    assert ac["scope"] == "aws.cognito.signin.user.admin"
    assert ac["sub"] == idc["sub"] and ac["auth_time"] == idc["auth_time"]
    assert ac["exp"] - ac["iat"] == 3600
    assert ac["origin_jti"] == idc["origin_jti"] and ac["event_id"] == idc["event_id"]
    assert ac["jti"] != idc["jti"]

    # PyJWT's own JWKS client, pointed at the discovery document's jwks_uri.
    doc = json.loads(http_get(f"{iss}/.well-known/openid-configuration")[2])
    key = jwt.PyJWKClient(doc["jwks_uri"]).get_signing_key_from_jwt(t["IdToken"]).key
    assert jwt.decode(t["IdToken"], key, algorithms=["RS256"], audience=cid, issuer=doc["issuer"])["sub"] == idc["sub"]
    # Audience is enforced: a verifier for another client refuses the ID token.
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(t["IdToken"], key, algorithms=["RS256"], audience="someotherclient", issuer=iss)
    # A tampered token does not verify.
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(tamper(t["IdToken"]), jwks, issuer=iss, audience=cid)

    # Refresh: new tokens, same auth_time and origin_jti.
    while int(time.time()) <= idc["iat"]:
        time.sleep(0.05)
    r = kit.refresh(cid, t["RefreshToken"])
    idc2 = verify_token(r["IdToken"], jwks, issuer=iss, audience=cid)
    ac2 = verify_token(r["AccessToken"], jwks, issuer=iss)
    assert idc2["iat"] > idc["iat"]
    assert idc2["auth_time"] == idc["auth_time"] and ac2["auth_time"] == ac["auth_time"]
    assert idc2["origin_jti"] == idc["origin_jti"] and ac2["origin_jti"] == ac["origin_jti"]
    assert idc2["jti"] != idc["jti"] and ac2["jti"] != ac["jti"]
    assert idc2["sub"] == idc["sub"] and idc2["custom:tier"] == "gold"


def test_email_verified_false_is_a_json_boolean(kit, app):
    pool, cid = app
    kit.admin_user(pool, "unverified", email=new_email("unv"), verified=False, extra={"email_verified": "false"})
    c = jwt_claims(kit.sign_in(cid, "unverified")["IdToken"])
    assert c["email_verified"] is False


def test_per_client_validity(kit, app):
    pool, _ = app
    cid = kit.client(pool, IdTokenValidity=2, AccessTokenValidity=10,
                     TokenValidityUnits={"IdToken": "hours", "AccessToken": "minutes"})
    kit.admin_user(pool, "val", email=new_email("val"))
    t = kit.sign_in(cid, "val")
    assert t["ExpiresIn"] == 600
    idc, ac = jwt_claims(t["IdToken"]), jwt_claims(t["AccessToken"])
    assert idc["exp"] - idc["iat"] == 7200
    assert ac["exp"] - ac["iat"] == 600
    r = kit.refresh(cid, t["RefreshToken"])
    assert r["ExpiresIn"] == 600
    assert jwt_claims(r["IdToken"])["exp"] - jwt_claims(r["IdToken"])["iat"] == 7200


def test_revoke_token(kit, app):
    pool, cid = app
    kit.admin_user(pool, "rv", email=new_email("rv"))
    s1, s2 = kit.sign_in(cid, "rv"), kit.sign_in(cid, "rv")
    r1 = kit.refresh(cid, s1["RefreshToken"])
    kit.uidp.revoke_token(Token=s1["RefreshToken"], ClientId=cid)
    with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
        kit.refresh(cid, s1["RefreshToken"])
    for access in (s1["AccessToken"], r1["AccessToken"]):  # every access token of that sign-in
        with client_error("NotAuthorizedException", message_contains=["Access Token has been revoked"]):
            kit.get_user(access)
    # The other sign-in is untouched.
    assert kit.get_user(s2["AccessToken"])["Username"] == "rv"
    kit.refresh(cid, s2["RefreshToken"])
    # Revoking twice is fine (idempotent, as in Cognito).
    kit.uidp.revoke_token(Token=s1["RefreshToken"], ClientId=cid)
    # Another client cannot revoke it (whether it is told so or not, the token stays valid).
    other = kit.client(pool)
    try:
        kit.uidp.revoke_token(Token=s2["RefreshToken"], ClientId=other)
    except ClientError as e:
        assert e.response["Error"]["Code"] in ("UnauthorizedException", "NotAuthorizedException",
                                               "InvalidParameterException"), e.response
    kit.refresh(cid, s2["RefreshToken"])
    assert kit.get_user(s2["AccessToken"])["Username"] == "rv"
    # A client with revocation disabled.
    off = kit.client(pool, EnableTokenRevocation=False)
    s3 = kit.sign_in(off, "rv")
    with client_error("UnsupportedOperationException"):
        kit.uidp.revoke_token(Token=s3["RefreshToken"], ClientId=off)


def test_admin_user_global_sign_out(kit, app):
    pool, cid = app
    kit.admin_user(pool, "gso", email=new_email("gso"))
    kit.admin_user(pool, "bystander", email=new_email("by"))
    sessions = [kit.sign_in(cid, "gso"), kit.admin_sign_in(pool, cid, "gso")]
    by = kit.sign_in(cid, "bystander")
    kit.idp.admin_user_global_sign_out(UserPoolId=pool, Username="gso")
    for s in sessions:
        with client_error("NotAuthorizedException", message_contains=["Access Token has been revoked"]):
            kit.get_user(s["AccessToken"])
        with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
            kit.refresh(cid, s["RefreshToken"])
        with client_error("NotAuthorizedException"):
            kit.uidp.update_user_attributes(AccessToken=s["AccessToken"],
                                            UserAttributes=[{"Name": "given_name", "Value": "x"}])
    assert kit.get_user(by["AccessToken"])["Username"] == "bystander"
    fresh = kit.sign_in(cid, "gso")
    assert kit.get_user(fresh["AccessToken"])["Username"] == "gso"
    with client_error("UserNotFoundException"):
        kit.idp.admin_user_global_sign_out(UserPoolId=pool, Username="nobody")


def test_bad_access_tokens(kit, app):
    pool, cid = app
    kit.admin_user(pool, "bad", email=new_email("bad"))
    t = kit.sign_in(cid, "bad")
    for token in ("garbage", tamper(t["AccessToken"]), t["AccessToken"][:-4] + "AAAA"):
        with client_error("NotAuthorizedException", message_contains=["Invalid Access Token"]):
            kit.get_user(token)
    # An ID token is not an access token.
    with client_error("NotAuthorizedException"):
        kit.get_user(t["IdToken"])
    # A token of another pool's key is invalid here even if its kid were right: sign with a foreign key.
    from cryptography.hazmat.primitives.asymmetric import rsa

    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt_claims(t["AccessToken"])
    forged = jwt.encode(claims, foreign, algorithm="RS256", headers={"kid": jwt_header(t["AccessToken"])["kid"]})
    with client_error("NotAuthorizedException", message_contains=["Invalid Access Token"]):
        kit.get_user(forged)
    # alg none.
    unsigned = jwt.encode(claims, None, algorithm="none")
    with client_error("NotAuthorizedException"):
        kit.get_user(unsigned)


# --- Issuer styles -------------------------------------------------------------------------------------------------


def test_issuer_style_aws(server_factory):
    srv = server_factory(env={"LATCHKEY_ISSUER_STYLE": "aws"}).start()
    for region in ("us-east-1", "eu-west-1"):
        k = Kit(srv, None)
        k.idp = srv.client(region=region)
        pool = k.pool(AutoVerifiedAttributes=[])
        assert pool.startswith(region + "_")
        cid = k.client(pool)
        k.admin_user(pool, "aws", email=new_email("aws"))
        t = k.sign_in(cid, "aws")
        want = f"https://cognito-idp.{region}.amazonaws.com/{pool}"
        jwks = fetch_jwks(srv.endpoint, pool)
        assert verify_token(t["IdToken"], jwks, issuer=want, audience=cid)["iss"] == want
        assert verify_token(t["AccessToken"], jwks, issuer=want)["iss"] == want
        doc = json.loads(http_get(f"{srv.endpoint}/{pool}/.well-known/openid-configuration")[2])
        assert doc["issuer"] == want
        assert doc["jwks_uri"] == f"{srv.endpoint}/{pool}/.well-known/jwks.json"
        assert k.get_user(t["AccessToken"])["Username"] == "aws"


def test_issuer_from_public_url(server_factory, tmp_path):
    cfg = tmp_path / "lk.toml"
    cfg.write_text('public_url = "http://localhost.example:8443/base/"\n')
    srv = server_factory(extra_args=["--config", str(cfg)]).start()
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.admin_user(pool, "pub", email=new_email("pub"))
    t = k.sign_in(cid, "pub")
    want = f"http://localhost.example:8443/base/{pool}"
    assert jwt_claims(t["IdToken"])["iss"] == want
    assert jwt_claims(t["AccessToken"])["iss"] == want
    doc = json.loads(http_get(f"{srv.endpoint}/{pool}/.well-known/openid-configuration")[2])
    assert doc["issuer"] == want and doc["jwks_uri"] == f"{want}/.well-known/jwks.json"
    assert k.get_user(t["AccessToken"])["Username"] == "pub"


def test_bad_issuer_style_is_refused(tmp_path):
    r = subprocess.run([str(LATCHKEY_BIN), "serve", "--issuer-style", "bogus", "--data-dir", str(tmp_path / "d"),
                        "--listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30, env=clean_env())
    assert r.returncode != 0
    assert "issuer_style" in r.stderr or "issuer-style" in r.stderr, r.stderr


# --- Key rotation and the master key -------------------------------------------------------------------------------


def rotate(srv, pool):
    r = subprocess.run([str(LATCHKEY_BIN), "keys", "rotate", "--pool", pool, "--data-dir", str(srv.data_dir)],
                       capture_output=True, text=True, timeout=60, env=clean_env())
    assert r.returncode == 0, f"keys rotate failed:\n{r.stdout}\n{r.stderr}"
    m_id = re.search(r"ID tokens now use kid (\S+)", r.stdout)
    m_ac = re.search(r"access tokens now use kid (\S+)", r.stdout)
    assert m_id and m_ac, r.stdout
    return m_id.group(1), m_ac.group(1)


def test_key_rotation_while_running(server_factory):
    srv = server_factory().start()
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.admin_user(pool, "rot", email=new_email("rot"))
    iss = k.issuer(pool)
    old = k.sign_in(cid, "rot")
    old_jwks = k.jwks(pool)
    old_kids = [jwt_header(old["IdToken"])["kid"], jwt_header(old["AccessToken"])["kid"]]
    assert old_kids == [old_jwks["keys"][0]["kid"], old_jwks["keys"][1]["kid"]]

    new_id_kid, new_access_kid = rotate(srv, pool)
    assert {new_id_kid, new_access_kid}.isdisjoint(old_kids)

    # Within 30 s (poll up to 40) the running server signs with the new keys.
    deadline = time.monotonic() + 40
    while True:
        fresh = k.refresh(cid, old["RefreshToken"])
        if jwt_header(fresh["IdToken"])["kid"] == new_id_kid:
            break
        assert jwt_header(fresh["IdToken"])["kid"] == old_kids[0], "signed with a key that is neither old nor new"
        assert time.monotonic() < deadline, "the server did not pick up the rotated keys within 40 s"
        time.sleep(1)
    assert jwt_header(fresh["AccessToken"])["kid"] == new_access_kid

    jwks = k.jwks(pool)
    kids = [x["kid"] for x in jwks["keys"]]
    assert kids[:2] == [new_id_kid, new_access_kid], kids
    assert set(old_kids) <= set(kids[2:]), f"retired keys missing from JWKS: {kids}"
    # Old and new tokens verify against the post-rotation JWKS, and both work on GetUser.
    for t in (old, fresh):
        verify_token(t["IdToken"], jwks, issuer=iss, audience=cid)
        verify_token(t["AccessToken"], jwks, issuer=iss)
        assert k.get_user(t["AccessToken"])["Username"] == "rot"
    # A new sign-in uses the new keys.
    t = k.sign_in(cid, "rot")
    assert [jwt_header(t["IdToken"])["kid"], jwt_header(t["AccessToken"])["kid"]] == [new_id_kid, new_access_kid]

    # Rotate again, restart: the new keys are used at once; both earlier generations still verify.
    third = rotate(srv, pool)
    srv.stop()
    srv.start()
    t3 = k.sign_in(cid, "rot")
    assert [jwt_header(t3["IdToken"])["kid"], jwt_header(t3["AccessToken"])["kid"]] == list(third)
    jwks = k.jwks(pool)
    assert [x["kid"] for x in jwks["keys"][:2]] == list(third)
    for t in (old, fresh, t3):
        verify_token(t["IdToken"], jwks, issuer=iss, audience=cid)
        assert k.get_user(t["AccessToken"])["Username"] == "rot"
    # Other pools are not rotated.
    with pytest.raises(AssertionError):
        rotate(srv, "us-east-1_Nope0000")


def test_generated_master_key_survives_restart(server_factory):
    """Without --master-key one is generated into the data dir: sessions and keys survive a restart."""
    srv = server_factory().start()
    k = Kit(srv, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.invited_user(pool, "mk")
    r = k.initiate(cid, "mk", TEMP_PASSWORD)
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    kids = [x["kid"] for x in k.jwks(pool)["keys"]]
    srv.stop()
    srv.start()
    assert [x["kid"] for x in k.jwks(pool)["keys"]] == kids
    done = k.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                                            ChallengeResponses={"USERNAME": "mk", "NEW_PASSWORD": PASSWORD})
    t = done["AuthenticationResult"]
    assert k.get_user(t["AccessToken"])["Username"] == "mk"
    assert jwt_header(t["IdToken"])["kid"] == kids[0]


def test_session_from_another_master_key_is_refused(server_factory, tmp_path):
    """A session sealed under one master key does not open under another (shared database, mismatched keys)."""
    key_a, key_b = "11" * 32, "22" * 32
    a = server_factory(data_dir=tmp_path / "shared", extra_args=["--master-key", key_a]).start()
    k = Kit(a, None)
    pool = k.pool(AutoVerifiedAttributes=[])
    cid = k.client(pool)
    k.invited_user(pool, "mk2")
    r = k.initiate(cid, "mk2", TEMP_PASSWORD)
    a.stop()
    b = server_factory(data_dir=tmp_path / "shared", extra_args=["--master-key", key_b])
    b.start(wait=False)
    # The server may refuse to start (it cannot unseal the pool's keys) or start and refuse the session.
    try:
        b.wait_ready(timeout=15)
    except BaseException:
        assert b.proc.poll() is not None, "server neither became ready nor exited"
        return
    kb = Kit(b, None)
    with client_error("NotAuthorizedException", message_contains=["Invalid session for the user, session is expired."]):
        kb.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                                          ChallengeResponses={"USERNAME": "mk2", "NEW_PASSWORD": PASSWORD2})
