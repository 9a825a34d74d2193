"""pycognito (PyPI) against a running server: `Cognito(...).authenticate()` runs USER_SRP_AUTH and then verifies both
tokens itself against `{endpoint}/{pool}/.well-known/jwks.json` with `iss == {endpoint}/{pool}`; `AWSSRP(...)`
is the lower-level SRP client, with and without a client secret; the NEW_PASSWORD_REQUIRED answer for an
admin-created user; and the rest of pycognito's self-service calls around an SRP sign-in."""

from __future__ import annotations

import boto3
import pytest
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from conftest import client_error
from userlib import PASSWORD, PASSWORD2, PASSWORD3, attr_map, jwt_claims, new_email, verify_token

INCORRECT = "Incorrect username or password."


@pytest.fixture(autouse=True)
def _no_jwks_override(monkeypatch):
    """pycognito reads the JWKS from env COGNITO_JWKS when set; make sure it fetches ours."""
    monkeypatch.delenv("COGNITO_JWKS", raising=False)


def boto_kwargs(kit) -> dict:
    """What an application passes to reach our endpoint. Credentials are there because boto3 wants some for the
    signed operations; the SRP operations themselves go unsigned."""
    return dict(endpoint_url=kit.endpoint, region_name="us-east-1",
                aws_access_key_id=kit.server.key_id, aws_secret_access_key=kit.server.secret)


def cognito(kit, pool, cid, username, **kw) -> Cognito:
    return Cognito(pool, cid, username=username, boto3_client_kwargs=boto_kwargs(kit), **kw)


def awssrp(kit, pool, cid, username, password, **kw) -> AWSSRP:
    return AWSSRP(username=username, password=password, pool_id=pool, client_id=cid,
                  client=boto3.client("cognito-idp", **boto_kwargs(kit)), **kw)


def test_cognito_self_service_around_srp(kit):
    pool = kit.pool()
    cid = kit.client(pool)
    email = new_email("pyc")

    u = cognito(kit, pool, cid, "pyc-user")
    u.set_base_attributes(email=email, given_name="Py")
    u.register("pyc-user", PASSWORD)
    u.confirm_sign_up(kit.sink.next_code(email), username="pyc-user")

    u = cognito(kit, pool, cid, "pyc-user")
    u.authenticate(password=PASSWORD)  # SRP, then pycognito's own verify_token on both tokens
    assert u.id_claims["iss"] == f"{kit.endpoint}/{pool}" == u.user_pool_url
    assert u.id_claims["cognito:username"] == "pyc-user" and u.id_claims["aud"] == cid
    assert u.id_claims["email"] == email and u.id_claims["token_use"] == "id"
    assert u.access_claims["username"] == "pyc-user" and u.access_claims["token_use"] == "access"
    assert u.token_type == "Bearer" and u.refresh_token
    user = u.get_user()
    assert user.username == "pyc-user" and user.email == email and user.given_name == "Py"
    assert u.check_token(renew=False) is False

    first_access = u.access_token
    u.renew_access_token()  # REFRESH_TOKEN_AUTH, tokens verified again
    assert u.access_token != first_access and u.access_claims["username"] == "pyc-user"

    u.change_password(PASSWORD, PASSWORD2)
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        cognito(kit, pool, cid, "pyc-user").authenticate(password=PASSWORD)
    cognito(kit, pool, cid, "pyc-user").authenticate(password=PASSWORD2)

    f = cognito(kit, pool, cid, "pyc-user")
    f.initiate_forgot_password()
    f.confirm_forgot_password(kit.sink.next_code(email), PASSWORD3)
    v = cognito(kit, pool, cid, "pyc-user")
    v.authenticate(password=PASSWORD3)

    token = v.access_token
    v.logout()  # GlobalSignOut
    with client_error("NotAuthorizedException", message_contains=["Access Token has been revoked"]):
        kit.get_user(token)


def test_awssrp_authenticate_user(kit):
    pool = kit.pool()
    cid = kit.client(pool)
    kit.admin_user(pool, "bob", email=new_email("bob"))
    r = awssrp(kit, pool, cid, "bob", PASSWORD).authenticate_user()
    res = r["AuthenticationResult"]
    assert res["TokenType"] == "Bearer" and {"AccessToken", "IdToken", "RefreshToken"} <= set(res)
    claims = verify_token(res["IdToken"], kit.jwks(pool), issuer=kit.issuer(pool), audience=cid)
    assert claims["cognito:username"] == "bob"
    assert "NewDeviceMetadata" not in res, "a pool without DeviceConfiguration tracks no devices"
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        awssrp(kit, pool, cid, "bob", PASSWORD2).authenticate_user()
    with client_error("UserNotFoundException"):
        awssrp(kit, pool, cid, "nobody-bob", PASSWORD).authenticate_user()


def test_client_with_secret(kit):
    pool = kit.pool()
    app = kit.app(pool, GenerateSecret=True)
    cid, secret = app["ClientId"], app["ClientSecret"]
    kit.admin_user(pool, "carol", email=new_email("carol"))

    r = awssrp(kit, pool, cid, "carol", PASSWORD, client_secret=secret).authenticate_user()
    assert jwt_claims(r["AuthenticationResult"]["AccessToken"])["client_id"] == cid

    u = cognito(kit, pool, cid, "carol", client_secret=secret)
    u.authenticate(password=PASSWORD)
    assert u.id_claims["aud"] == cid
    u.renew_access_token()  # REFRESH_TOKEN_AUTH with SECRET_HASH
    assert u.access_claims["username"] == "carol"

    # Without the secret, or with a wrong one, the client is refused.
    with client_error("NotAuthorizedException", message_contains=["SECRET_HASH"]):
        awssrp(kit, pool, cid, "carol", PASSWORD).authenticate_user()
    with client_error("NotAuthorizedException"):
        awssrp(kit, pool, cid, "carol", PASSWORD, client_secret=secret + "x").authenticate_user()


def test_email_as_username_pool(kit):
    """pycognito types the email; it signs with USER_ID_FOR_SRP (the sub) and answers with USERNAME = the sub
    and, with a secret, a SECRET_HASH over the sub."""
    pool = kit.pool(UsernameAttributes=["email"])
    cid = kit.client(pool)
    app = kit.app(pool, GenerateSecret=True)
    email = new_email("pycmail")
    created = kit.admin_user(pool, email, email=email)
    sub = attr_map(created["Attributes"])["sub"]

    u = cognito(kit, pool, cid, email)
    u.authenticate(password=PASSWORD)
    assert u.id_claims["sub"] == sub and u.id_claims["cognito:username"] == sub and u.id_claims["email"] == email

    r = awssrp(kit, pool, app["ClientId"], email, PASSWORD, client_secret=app["ClientSecret"]).authenticate_user()
    assert jwt_claims(r["AuthenticationResult"]["IdToken"])["sub"] == sub


def test_new_password_challenge(kit):
    pool = kit.pool()
    cid = kit.client(pool)
    kit.invited_user(pool, "dave", email=new_email("dave"))
    u = cognito(kit, pool, cid, "dave")
    with pytest.raises(ForceChangePasswordException):
        u.authenticate(password="Temp0rary!Pass")
    u.new_password_challenge("Temp0rary!Pass", PASSWORD)
    assert u.access_claims["username"] == "dave"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="dave")["UserStatus"] == "CONFIRMED"
    again = cognito(kit, pool, cid, "dave")
    again.authenticate(password=PASSWORD)
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        cognito(kit, pool, cid, "dave").authenticate(password="Temp0rary!Pass")
