"""Two `latchkey serve` nodes on one PostgreSQL database (fresh schema), same --master-key and admin keys, both
mailing through the same SMTP sink: whatever one node starts, the other finishes — user-pool flows, and identity
pools (identities, temporary credentials that the other node's STS accepts, OpenID tokens). Skips without
PostgreSQL, fails when CI is set (see test_persistence.pg_schema)."""

import re
import subprocess
import time

import pytest

from conftest import LATCHKEY_BIN, clean_env, client_error
from identitylib import (IdKit, assumed_role_arn, caller, issuer_key, openid_jwks, provider_name, role,
                         sts_client)
from test_persistence import pg_schema  # noqa: F401  (fixture)
from userlib import (PASSWORD, PASSWORD2, TEMP_PASSWORD, Kit, attr_map, attrs, fetch_jwks, jwt_claims, jwt_header,
                     new_email, verify_token, wrong_guesses_kill_the_code)

MASTER_KEY = "0123456789abcdef" * 4


@pytest.mark.postgres
def test_two_nodes_share_users_codes_tokens_and_keys(server_factory, new_sink, tmp_path, pg_schema):  # noqa: F811
    _, url = pg_schema
    sink = new_sink()
    args = ["--database-url", url, "--master-key", MASTER_KEY, "--smtp-url", sink.url,
            "--public-url", "http://auth.latchkey.test"]
    a = server_factory(data_dir=tmp_path / "node-a", extra_args=args).start()
    b = server_factory(data_dir=tmp_path / "node-b", extra_args=args).start()
    A, B = Kit(a, sink), Kit(b, sink)

    pool = A.pool()
    cid = A.client(pool)
    assert B.idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Id"] == pool

    # Sign up on A; the code mailed by A confirms on B; sign in on B.
    email = new_email("nodes")
    r = A.uidp.sign_up(ClientId=cid, Username="twin", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    code = sink.next_code(email)
    B.uidp.confirm_sign_up(ClientId=cid, Username="twin", ConfirmationCode=code)
    assert A.idp.admin_get_user(UserPoolId=pool, Username="twin")["UserStatus"] == "CONFIRMED"
    tb = B.sign_in(cid, "twin")

    # Refresh B's token on A; GetUser on B with A's token and the other way round.
    ta = A.refresh(cid, tb["RefreshToken"])
    assert B.get_user(ta["AccessToken"])["Username"] == "twin"
    assert A.get_user(tb["AccessToken"])["Username"] == "twin"
    assert jwt_claims(ta["IdToken"])["sub"] == r["UserSub"]
    assert jwt_claims(ta["IdToken"])["iss"] == jwt_claims(tb["IdToken"])["iss"] == f"http://auth.latchkey.test/{pool}"

    # One key set: both nodes serve the same JWKS and sign with the same kids; tokens verify against either.
    ja, jb = fetch_jwks(a.endpoint, pool), fetch_jwks(b.endpoint, pool)
    assert ja == jb
    assert jwt_header(ta["IdToken"])["kid"] == jwt_header(tb["IdToken"])["kid"] == ja["keys"][0]["kid"]
    verify_token(tb["IdToken"], ja, issuer=jwt_claims(tb["IdToken"])["iss"], audience=cid)
    verify_token(ta["AccessToken"], jb, issuer=jwt_claims(ta["AccessToken"])["iss"])

    # Forgot password on B, confirm on A, sign in on B.
    B.uidp.forgot_password(ClientId=cid, Username="twin")
    A.uidp.confirm_forgot_password(ClientId=cid, Username="twin", ConfirmationCode=sink.next_code(email),
                                   Password=PASSWORD2)
    tb2 = B.sign_in(cid, "twin", PASSWORD2)

    # Wrong-code attempts are counted across nodes: 2 on A + 2 on B + the 5th on A.
    A.uidp.forgot_password(ClientId=cid, Username="twin")
    code = sink.next_code(email)
    wrong_guesses_kill_the_code(lambda i, c: (A if i % 2 == 0 else B).uidp.confirm_forgot_password(
        ClientId=cid, Username="twin", ConfirmationCode=c, Password=PASSWORD), code)

    # A NEW_PASSWORD_REQUIRED session sealed by A is answered on B (same master key).
    A.invited_user(pool, "newbie", email=new_email("newbie"))
    ch = A.initiate(cid, "newbie", TEMP_PASSWORD)
    assert ch["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = B.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=ch["Session"],
                                            ChallengeResponses={"USERNAME": "newbie", "NEW_PASSWORD": PASSWORD})
    assert A.get_user(done["AuthenticationResult"]["AccessToken"])["Username"] == "newbie"

    # Groups and attributes written on one node show in tokens from the other.
    A.idp.create_group(UserPoolId=pool, GroupName="ops", RoleArn="arn:aws:iam::123456789012:role/ops", Precedence=1)
    A.idp.admin_add_user_to_group(UserPoolId=pool, Username="twin", GroupName="ops")
    A.idp.admin_update_user_attributes(UserPoolId=pool, Username="twin", UserAttributes=attrs({"given_name": "Tw"}))
    c = jwt_claims(B.refresh(cid, tb2["RefreshToken"])["IdToken"])
    assert c["cognito:groups"] == ["ops"] and c["given_name"] == "Tw"
    assert c["cognito:preferred_role"] == "arn:aws:iam::123456789012:role/ops"

    # Global sign-out on A revokes on B.
    A.uidp.global_sign_out(AccessToken=tb2["AccessToken"])
    with client_error("NotAuthorizedException", message_contains=["Access Token has been revoked"]):
        B.get_user(tb2["AccessToken"])
    with client_error("NotAuthorizedException", message_contains=["Refresh Token has been revoked"]):
        B.refresh(cid, tb2["RefreshToken"])

    # Key rotation through the database: both nodes switch within 30 s; old tokens keep working on both.
    before = B.sign_in(cid, "twin", PASSWORD2)
    rot = subprocess.run([str(LATCHKEY_BIN), "keys", "rotate", "--pool", pool, "--database-url", url,
                          "--master-key", MASTER_KEY, "--data-dir", str(tmp_path / "rotator")],
                         capture_output=True, text=True, timeout=60, env=clean_env())
    assert rot.returncode == 0, f"{rot.stdout}\n{rot.stderr}"
    new_id_kid = re.search(r"ID tokens now use kid (\S+)", rot.stdout).group(1)
    deadline = time.monotonic() + 40
    for node in (A, B):
        while jwt_header(node.sign_in(cid, "twin", PASSWORD2)["IdToken"])["kid"] != new_id_kid:
            assert time.monotonic() < deadline, f"{node.endpoint} did not pick up the rotated keys within 40 s"
            time.sleep(1)
    for node in (A, B):
        assert node.get_user(before["AccessToken"])["Username"] == "twin"
        jwks = fetch_jwks(node.endpoint, pool)
        assert jwks["keys"][0]["kid"] == new_id_kid
        verify_token(before["IdToken"], jwks, issuer=jwt_claims(before["IdToken"])["iss"], audience=cid)
    assert attr_map(A.get_user(before["AccessToken"])["UserAttributes"])["email"] == email


@pytest.mark.postgres
def test_two_nodes_share_identities_and_credentials(server_factory, tmp_path, pg_schema):  # noqa: F811
    _, url = pg_schema
    args = ["--database-url", url, "--master-key", MASTER_KEY, "--public-url", "http://auth.latchkey.test"]
    a = server_factory(data_dir=tmp_path / "node-a", extra_args=args).start()
    b = server_factory(data_dir=tmp_path / "node-b", extra_args=args).start()
    A, B = IdKit(a), IdKit(b)
    auth, guest_role = role("twin-auth"), role("twin-guest")

    pool, client = A.app()
    prov = provider_name(pool)
    pid = A.identity_pool((pool, client), allow_unauthenticated=True, AllowClassicFlow=True)
    A.set_roles(pid, authenticated=auth, unauthenticated=guest_role)
    token = A.user_token(pool, client)

    # One identity per login across nodes, by either Logins key.
    iid = A.get_id(pid, {prov: token})
    assert B.get_id(pid, {prov: token}) == iid
    assert B.get_id(pid, {issuer_key(token): token}) == iid

    # Credentials issued by A are accepted by B's STS, and the other way round; tampered ones by neither.
    from_a = A.credentials(iid, {prov: token})
    assert caller(b, from_a)["Arn"] == assumed_role_arn(auth)
    assert caller(a, B.credentials(iid, {prov: token}))["Arn"] == assumed_role_arn(auth)
    with client_error("SignatureDoesNotMatch", status=403):
        caller(b, dict(from_a, SecretKey=from_a["SecretKey"][::-1]))

    # Guests made on one node are known to the other.
    guest = B.get_id(pid)
    assert A.ci.describe_identity(IdentityId=guest)["IdentityId"] == guest
    assert caller(a, B.credentials(guest))["Arn"] == assumed_role_arn(guest_role)

    # One OpenID signing key set: A's token is traded with B's STS.
    assert openid_jwks(a) == openid_jwks(b)
    openid = A.uci.get_open_id_token(IdentityId=iid, Logins={prov: token})["Token"]
    web = sts_client(b, signed=False).assume_role_with_web_identity(RoleArn=auth, RoleSessionName="twin",
                                                                    WebIdentityToken=openid)
    assert caller(a, web["Credentials"])["Arn"] == assumed_role_arn(auth, "twin")
