"""App clients through boto3: Create/Describe/List/Update/DeleteUserPoolClient, defaults and validation rules."""

import datetime as dt
import re

import pytest

from conftest import client_error, pages_of, unique

DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]


@pytest.fixture
def pool_with_attr(idp):
    pid = idp.create_user_pool(
        PoolName=unique("cl"),
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    yield pid
    idp.delete_user_pool(UserPoolId=pid)


def create(idp, pool, **kw):
    kw.setdefault("ClientName", "app")
    return idp.create_user_pool_client(UserPoolId=pool, **kw)["UserPoolClient"]


def test_create_client_defaults(idp, pool):
    r = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    c = r["UserPoolClient"]
    assert re.fullmatch(r"[a-z0-9]{26}", c["ClientId"]), c["ClientId"]
    assert c["UserPoolId"] == pool
    assert c["ClientName"] == "web"
    assert "ClientSecret" not in c
    assert sorted(c["ExplicitAuthFlows"]) == sorted(DEFAULT_FLOWS)
    assert c["RefreshTokenValidity"] == 30
    assert c["PreventUserExistenceErrors"] == "LEGACY"
    assert c["EnableTokenRevocation"] is True
    assert c["AuthSessionValidity"] == 3
    assert c["AllowedOAuthFlowsUserPoolClient"] is False
    assert isinstance(c["CreationDate"], dt.datetime) and isinstance(c["LastModifiedDate"], dt.datetime)
    for absent in ("CallbackURLs", "LogoutURLs", "AllowedOAuthFlows", "AllowedOAuthScopes", "DefaultRedirectURI"):
        assert absent not in c, absent

    d = idp.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == c


def test_client_ids_are_unique(idp, pool):
    ids = {create(idp, pool)["ClientId"] for _ in range(5)}
    assert len(ids) == 5


def test_generate_secret(idp, pool):
    c = create(idp, pool, GenerateSecret=True)
    secret = c["ClientSecret"]
    assert len(secret) == 51, secret
    assert re.fullmatch(r"[\w+]+", secret)
    d = idp.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert d["ClientSecret"] == secret
    # A second client gets a different secret.
    assert create(idp, pool, GenerateSecret=True)["ClientSecret"] != secret


def full_client_settings():
    return dict(
        RefreshTokenValidity=10,
        AccessTokenValidity=30,
        IdTokenValidity=2,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "days"},
        ReadAttributes=["email", "email_verified", "name", "custom:tier"],
        WriteAttributes=["email", "name", "custom:tier"],
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://app.example.com/callback", "http://localhost:3000/callback"],
        LogoutURLs=["https://app.example.com/logout"],
        DefaultRedirectURI="https://app.example.com/callback",
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True,
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=False,
        EnablePropagateAdditionalUserContextData=False,
        AuthSessionValidity=10,
    )


def test_create_full_client_round_trips(idp, pool_with_attr):
    s = full_client_settings()
    c = create(idp, pool_with_attr, ClientName="full", GenerateSecret=True, **s)
    for k, v in s.items():
        if k in ("ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "CallbackURLs", "AllowedOAuthScopes"):
            assert sorted(c[k]) == sorted(v), k
        else:
            assert c[k] == v, k
    d = idp.describe_user_pool_client(UserPoolId=pool_with_attr, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == c


def test_list_clients_pagination(idp, pool):
    made = {}
    for i in range(7):
        c = create(idp, pool, ClientName=f"client-{i}")
        made[c["ClientId"]] = c["ClientName"]
    got = pages_of(idp.list_user_pool_clients, "NextToken", "UserPoolClients", 3, 10, UserPoolId=pool, MaxResults=3)
    seen = []
    for d in (d for r in got for d in r["UserPoolClients"]):
        assert set(d) == {"ClientId", "UserPoolId", "ClientName"}, d
        assert d["UserPoolId"] == pool
        assert made[d["ClientId"]] == d["ClientName"]
        seen.append(d["ClientId"])
    assert len(seen) == len(set(seen)), seen
    assert set(seen) == set(made)
    assert len(got) >= 3
    paged = [d["ClientId"] for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool, MaxResults=2)
             for d in page["UserPoolClients"]]
    assert sorted(paged) == sorted(made)


def test_list_clients_is_per_pool(idp, pool):
    other = idp.create_user_pool(PoolName=unique("other"))["UserPool"]["Id"]
    try:
        mine = create(idp, pool)["ClientId"]
        theirs = create(idp, other)["ClientId"]
        listed = [d["ClientId"] for d in idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]]
        assert mine in listed and theirs not in listed
    finally:
        idp.delete_user_pool(UserPoolId=other)


def test_list_clients_of_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.list_user_pool_clients(UserPoolId="us-east-1_Missing10", MaxResults=10)


def test_update_client_resets_omitted_settings(idp, pool_with_attr):
    s = full_client_settings()
    c = create(idp, pool_with_attr, ClientName="before", GenerateSecret=True, **s)
    r = idp.update_user_pool_client(UserPoolId=pool_with_attr, ClientId=c["ClientId"], RefreshTokenValidity=5)
    u = r["UserPoolClient"]
    assert u["ClientId"] == c["ClientId"]
    assert u["ClientName"] == "before"  # kept when omitted
    assert u["ClientSecret"] == c["ClientSecret"]  # never changes
    assert u["RefreshTokenValidity"] == 5
    assert sorted(u["ExplicitAuthFlows"]) == sorted(DEFAULT_FLOWS)
    assert u["PreventUserExistenceErrors"] == "LEGACY"
    assert u["EnableTokenRevocation"] is True
    assert u["AuthSessionValidity"] == 3
    assert u["AllowedOAuthFlowsUserPoolClient"] is False
    for absent in ("CallbackURLs", "LogoutURLs", "AllowedOAuthFlows", "AllowedOAuthScopes", "DefaultRedirectURI",
                   "ReadAttributes", "WriteAttributes", "AccessTokenValidity", "IdTokenValidity"):
        assert absent not in u, absent
    assert u["CreationDate"] == c["CreationDate"]
    assert u["LastModifiedDate"] >= c["LastModifiedDate"]
    d = idp.describe_user_pool_client(UserPoolId=pool_with_attr, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == u

    r = idp.update_user_pool_client(UserPoolId=pool_with_attr, ClientId=c["ClientId"], ClientName="after", **s)
    u2 = r["UserPoolClient"]
    assert u2["ClientName"] == "after"
    assert u2["CallbackURLs"] and sorted(u2["CallbackURLs"]) == sorted(s["CallbackURLs"])
    assert u2["PreventUserExistenceErrors"] == "ENABLED"
    assert idp.describe_user_pool_client(UserPoolId=pool_with_attr, ClientId=c["ClientId"])["UserPoolClient"] == u2


def test_delete_client(idp, pool):
    cid = create(idp, pool)["ClientId"]
    r = idp.delete_user_pool_client(UserPoolId=pool, ClientId=cid)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    for call in (
        lambda: idp.describe_user_pool_client(UserPoolId=pool, ClientId=cid),
        lambda: idp.delete_user_pool_client(UserPoolId=pool, ClientId=cid),
        lambda: idp.update_user_pool_client(UserPoolId=pool, ClientId=cid),
    ):
        with client_error("ResourceNotFoundException"):
            call()
    listed = [d["ClientId"] for d in idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]]
    assert cid not in listed


# --- Not found -------------------------------------------------------------------------------------------------


def test_client_in_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.create_user_pool_client(UserPoolId="us-east-1_Missing11", ClientName="x")


def test_client_of_another_pool_is_not_found(idp, pool):
    other = idp.create_user_pool(PoolName=unique("other"))["UserPool"]["Id"]
    try:
        cid = create(idp, other)["ClientId"]
        for call in (
            lambda: idp.describe_user_pool_client(UserPoolId=pool, ClientId=cid),
            lambda: idp.update_user_pool_client(UserPoolId=pool, ClientId=cid, ClientName="stolen"),
            lambda: idp.delete_user_pool_client(UserPoolId=pool, ClientId=cid),
        ):
            with client_error("ResourceNotFoundException"):
                call()
        # Untouched in its own pool.
        d = idp.describe_user_pool_client(UserPoolId=other, ClientId=cid)["UserPoolClient"]
        assert d["ClientName"] == "app"
    finally:
        idp.delete_user_pool(UserPoolId=other)


def test_missing_client(idp, pool):
    with client_error("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool, ClientId="abcdefghijklmnopqrstuvwxyz")


# --- Token validity --------------------------------------------------------------------------------------------

VALID = [
    dict(AccessTokenValidity=5, TokenValidityUnits={"AccessToken": "minutes"}),
    dict(AccessTokenValidity=1440, TokenValidityUnits={"AccessToken": "minutes"}),
    dict(AccessTokenValidity=24),  # hours by default
    dict(AccessTokenValidity=1, TokenValidityUnits={"AccessToken": "days"}),
    dict(IdTokenValidity=300, TokenValidityUnits={"IdToken": "seconds"}),
    dict(IdTokenValidity=1),
    dict(RefreshTokenValidity=60, TokenValidityUnits={"RefreshToken": "minutes"}),
    dict(RefreshTokenValidity=3650),  # days by default
    dict(RefreshTokenValidity=1, TokenValidityUnits={"RefreshToken": "hours"}),
]
INVALID = [
    (dict(AccessTokenValidity=4, TokenValidityUnits={"AccessToken": "minutes"}), "AccessTokenValidity"),
    (dict(AccessTokenValidity=25), "AccessTokenValidity"),
    (dict(AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"}), "AccessTokenValidity"),
    (dict(IdTokenValidity=299, TokenValidityUnits={"IdToken": "seconds"}), "IdTokenValidity"),
    (dict(IdTokenValidity=1441, TokenValidityUnits={"IdToken": "minutes"}), "IdTokenValidity"),
    (dict(RefreshTokenValidity=59, TokenValidityUnits={"RefreshToken": "minutes"}), "RefreshTokenValidity"),
    (dict(RefreshTokenValidity=3651), "RefreshTokenValidity"),
]


@pytest.mark.parametrize("kw", VALID, ids=[str(v) for v in VALID])
def test_token_validity_in_range(idp, pool, kw):
    c = create(idp, pool, **kw)
    for k, v in kw.items():
        if k == "TokenValidityUnits":
            for unit_key, unit in v.items():
                assert c["TokenValidityUnits"][unit_key] == unit
        else:
            assert c[k] == v, k


@pytest.mark.parametrize("kw,member", INVALID, ids=[str(v[0]) for v in INVALID])
def test_token_validity_out_of_range(idp, pool, kw, member):
    with client_error("InvalidParameterException", message_contains_ci=[member]):
        create(idp, pool, **kw)


def test_token_validity_checked_on_update(idp, pool):
    cid = create(idp, pool)["ClientId"]
    with client_error("InvalidParameterException", message_contains_ci=["AccessTokenValidity"]):
        idp.update_user_pool_client(UserPoolId=pool, ClientId=cid, AccessTokenValidity=48)


# --- Auth flows and OAuth --------------------------------------------------------------------------------------


@pytest.mark.parametrize("legacy", ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY"])
def test_mixing_legacy_and_allow_flows_is_refused(idp, pool, legacy):
    with client_error("InvalidParameterException"):
        create(idp, pool, ExplicitAuthFlows=[legacy, "ALLOW_REFRESH_TOKEN_AUTH"])


def test_legacy_flows_alone_are_accepted(idp, pool):
    c = create(idp, pool, ExplicitAuthFlows=["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"])
    assert sorted(c["ExplicitAuthFlows"]) == ["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]


def test_client_credentials_with_code_is_refused(idp, pool):
    with client_error("InvalidOAuthFlowException"):
        create(idp, pool, GenerateSecret=True, AllowedOAuthFlows=["client_credentials", "code"],
               CallbackURLs=["https://app.example.com/cb"])


def test_client_credentials_without_secret_is_refused(idp, pool):
    with client_error("InvalidOAuthFlowException"):
        create(idp, pool, AllowedOAuthFlows=["client_credentials"])


@pytest.mark.parametrize("url", [
    "http://app.example.com/callback",
    "https://app.example.com/callback#fragment",
])
def test_bad_callback_urls(idp, pool, url):
    with client_error("InvalidParameterException"):
        create(idp, pool, CallbackURLs=[url])


def test_http_localhost_callback_is_accepted(idp, pool):
    c = create(idp, pool, CallbackURLs=["http://localhost:8080/cb", "https://example.com/cb"],
               AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"], AllowedOAuthFlowsUserPoolClient=True)
    assert sorted(c["CallbackURLs"]) == ["http://localhost:8080/cb", "https://example.com/cb"]
    assert c["AllowedOAuthFlows"] == ["code"]
    assert c["AllowedOAuthScopes"] == ["openid"]
    assert c["AllowedOAuthFlowsUserPoolClient"] is True


def test_default_redirect_uri_must_be_a_callback(idp, pool):
    with client_error("InvalidParameterException"):
        create(idp, pool, CallbackURLs=["https://example.com/a"], DefaultRedirectURI="https://example.com/b")


def test_custom_scope_does_not_exist(idp, pool):
    with client_error("ScopeDoesNotExistException"):
        create(idp, pool, AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "myapi/read"],
               CallbackURLs=["https://example.com/cb"], AllowedOAuthFlowsUserPoolClient=True)


def test_unknown_read_attributes_are_refused(idp, pool):
    with client_error("InvalidParameterException"):
        create(idp, pool, ReadAttributes=["email", "custom:nope"])


def test_known_read_attributes_including_custom(idp, pool_with_attr):
    c = create(idp, pool_with_attr, ReadAttributes=["email", "custom:tier"])
    assert sorted(c["ReadAttributes"]) == ["custom:tier", "email"]


def test_unsupported_identity_provider_is_refused(idp, pool):
    with client_error("InvalidParameterException"):
        create(idp, pool, SupportedIdentityProviders=["COGNITO", "Google"])


def test_validation_on_update_leaves_client_unchanged(idp, pool):
    c = create(idp, pool, ClientName="stable", CallbackURLs=["https://example.com/cb"])
    with client_error("InvalidParameterException"):
        idp.update_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"], ClientName="changed",
                                    CallbackURLs=["http://evil.example.com/cb"])
    d = idp.describe_user_pool_client(UserPoolId=pool, ClientId=c["ClientId"])["UserPoolClient"]
    assert d == c


@pytest.mark.parametrize("legacy", [["USER_PASSWORD_AUTH"], ["ADMIN_NO_SRP_AUTH"], ["CUSTOM_AUTH_FLOW_ONLY"],
                                    ["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]])
def test_legacy_flows_still_allow_srp(idp, server, pool, legacy):
    """Clients configured before the ALLOW_ names (old CloudFormation and Terraform configurations) always allowed
    USER_SRP_AUTH besides their legacy flows; amazon-cognito-identity-js and pycognito sign in that way. Here
    pycognito's AWSSRP signs in through a client whose ExplicitAuthFlows are only legacy values."""
    from pycognito.aws_srp import AWSSRP

    c = create(idp, pool, ExplicitAuthFlows=legacy)
    assert c["ExplicitAuthFlows"] == legacy
    idp.admin_create_user(UserPoolId=pool, Username="srp-legacy", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="srp-legacy", Password="Passw0rd!Strong1", Permanent=True)
    srp = AWSSRP(username="srp-legacy", password="Passw0rd!Strong1", pool_id=pool, client_id=c["ClientId"],
                 client=server.unsigned_client())
    tokens = srp.authenticate_user()["AuthenticationResult"]
    assert tokens["AccessToken"] and tokens["RefreshToken"]
    # Refresh stays allowed too, as it always was.
    r = server.unsigned_client().initiate_auth(ClientId=c["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                                               AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    assert r["AuthenticationResult"]["AccessToken"]


def test_allow_flows_without_srp_still_refuse_srp(idp, server, pool):
    """The leniency is for legacy clients only: an ALLOW_ list without ALLOW_USER_SRP_AUTH refuses SRP."""
    from pycognito.aws_srp import AWSSRP

    c = create(idp, pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.admin_create_user(UserPoolId=pool, Username="srp-modern", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="srp-modern", Password="Passw0rd!Strong1", Permanent=True)
    srp = AWSSRP(username="srp-modern", password="Passw0rd!Strong1", pool_id=pool, client_id=c["ClientId"],
                 client=server.unsigned_client())
    with client_error("InvalidParameterException", message_contains=["USER_SRP_AUTH"]):
        srp.authenticate_user()


def test_empty_attribute_lists_mean_not_set(idp):
    """Terraform's UpdateUserPoolClient sends `"ReadAttributes": [], "WriteAttributes": []` (and empty
    LogoutURLs / SupportedIdentityProviders) for every list the configuration leaves out. Cognito reads an empty
    list as "not set": every attribute stays readable and writable. Latchkey refused it in a pool with a required
    attribute ("Invalid write attributes"), and would otherwise have stored a client that reads nothing."""
    pid = idp.create_user_pool(
        PoolName=unique("emptylists"),
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
    )["UserPool"]["Id"]
    try:
        for call in ("create", "update"):
            kw = dict(ReadAttributes=[], WriteAttributes=[], LogoutURLs=[], SupportedIdentityProviders=[],
                      RefreshTokenValidity=7)
            if call == "create":
                c = idp.create_user_pool_client(UserPoolId=pid, ClientName="tf", **kw)["UserPoolClient"]
            else:
                c = idp.update_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"], ClientName="tf",
                                                **kw)["UserPoolClient"]
            assert c["RefreshTokenValidity"] == 7
            d = idp.describe_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"])["UserPoolClient"]
            for unset in ("ReadAttributes", "WriteAttributes", "LogoutURLs", "SupportedIdentityProviders"):
                assert unset not in d, (call, unset, d.get(unset))
        # A non-empty list without the required attribute is still refused.
        with client_error("InvalidParameterException", message_contains=["Invalid write attributes"]):
            idp.update_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"], WriteAttributes=["name"])
    finally:
        idp.delete_user_pool(UserPoolId=pid)
