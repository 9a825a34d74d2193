"""Identity pools with boto3, the credentials side: GetId with a user pool's ID token (both Logins key forms, the
same user always the same identity, every kind of bad token refused, ServerSideTokenCheck), unauthenticated
identities, GetCredentialsForIdentity and STS (the seed document's flow: temporary credentials whose
GetCallerIdentity names the assumed role; tampered ones refused; a presigned GetCallerIdentity URL), role choice
(default roles, Token and Rules mappings, CustomRoleArn, Deny, no role at all), GetOpenIdToken verified against the
published keys and traded with STS AssumeRoleWithWebIdentity in the classic flow, and developer-authenticated
identities. Management operations are in test_identity_pools.py.

Written from AWS's documentation (API reference, developer guide "Role-based access control", botocore's model) and
errors AWS is seen answering in public issue threads, not from Latchkey's code."""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import DEFAULT_ACCOUNT, client_error, http_get, run_aws_cli, unique
from identitylib import (COGNITO_IDENTITY_LOGIN, ID_RE, IdKit, assert_temporary_credentials, assumed_role_arn,
                         caller, issuer_key, mapping_key, openid_issuers, openid_jwks, pool_arn, provider_name, role,
                         sts_client)
from userlib import jwt_claims, jwt_header, tamper, verify_token

AUTH, GUEST = role("cognito/app-auth"), role("app-guest")
UNKNOWN_POOL = "us-east-1:00000000-0000-0000-0000-000000000000"
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


@pytest.fixture(scope="module")
def ik(server):
    return IdKit(server)


@pytest.fixture
def up(ik):
    return ik.app()


def refused(code: str, why: str, call) -> None:
    """`call()` must fail with the cognito-identity error `code` (HTTP 400); `why` names the case."""
    try:
        call()
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code, f"{why}: expected {code}, got {err['Code']}: {err.get('Message')!r}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, why
        return
    pytest.fail(f"{why}: the call succeeded")


def sign_in_new(ik: IdKit, pool: str, client: str, groups=(), **attributes) -> str:
    """A new user of `pool` in `groups` (made first), signed in: its ID token."""
    name = unique("rm")
    ik.users.admin_user(pool, name, extra={k.replace("custom_", "custom:"): v for k, v in attributes.items()})
    for g in groups:
        ik.users.idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=g)
    return ik.users.sign_in(client, name)["IdToken"]


# --------------------------------------------------------------------------------------------------------------
# GetId
# --------------------------------------------------------------------------------------------------------------


def test_same_login_same_identity_with_either_logins_key(ik, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up)
    ik.users.admin_user(pool, "same")
    first = ik.users.sign_in(client, "same")["IdToken"]
    iid = ik.get_id(pid, {prov: first})
    assert re.fullmatch(ID_RE, iid) and iid.startswith("us-east-1:"), iid
    assert ik.get_id(pid, {prov: first}) == iid
    later = ik.users.sign_in(client, "same")["IdToken"]
    assert ik.get_id(pid, {prov: later}) == iid
    # Amplify v6's key: the token's issuer without its scheme.
    assert issuer_key(later) != prov
    assert ik.get_id(pid, {issuer_key(later): later}) == iid
    assert ik.uci.get_id(AccountId=DEFAULT_ACCOUNT, IdentityPoolId=pid, Logins={prov: later})["IdentityId"] == iid

    other = ik.get_id(pid, {prov: ik.user_token(pool, client)})
    assert other != iid
    assert ik.get_id(ik.identity_pool(up), {prov: later}) not in (iid, other)

    # A user only ever seen through the issuer key is still a login of the user pool's provider name.
    token = ik.user_token(pool, client)
    only = ik.get_id(pid, {issuer_key(token): token})
    assert ik.ci.describe_identity(IdentityId=only)["Logins"] == [prov]
    assert ik.get_id(pid, {prov: token}) == only


def test_get_id_refuses_bad_logins(ik, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up)
    token = ik.user_token(pool, client)
    stranger_client = ik.users.client(pool)  # same user pool, an app client the identity pool does not list
    other_pool, other_client = ik.app()
    foreign = ik.user_token(other_pool, other_client)
    name = unique("acc")
    ik.users.admin_user(pool, name)
    access = ik.users.sign_in(client, name)["AccessToken"]
    bad = {
        "forged": {prov: tamper(token)},
        "not a JWT": {prov: "not-a-token"},
        "access token": {prov: access},
        "client not configured": {prov: sign_in_new(ik, pool, stranger_client)},
        "provider not configured": {provider_name(other_pool): foreign},
        "token of another provider": {prov: foreign},
    }
    for why, logins in bad.items():
        refused("NotAuthorizedException", why, lambda: ik.get_id(pid, logins))
    with client_error("ResourceNotFoundException"):
        ik.get_id(UNKNOWN_POOL, {prov: token})
    with client_error("NotAuthorizedException", message_contains=[
            "Unauthenticated access is not supported for this identity pool."]):
        ik.get_id(pid)


# --------------------------------------------------------------------------------------------------------------
# Credentials and STS
# --------------------------------------------------------------------------------------------------------------


def test_seed_flow_credentials_accepted_by_sts(ik, server, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up)
    ik.set_roles(pid, authenticated=AUTH, unauthenticated=GUEST)
    token = ik.user_token(pool, client)
    iid = ik.get_id(pid, {prov: token})
    r = ik.uci.get_credentials_for_identity(IdentityId=iid, Logins={prov: token})
    assert r["IdentityId"] == iid
    creds = r["Credentials"]
    assert_temporary_credentials(creds)

    me = caller(server, creds)
    # The role's path is not part of an assumed-role ARN.
    assert me["Arn"] == assumed_role_arn(AUTH) == (
        f"arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/app-auth/CognitoIdentityCredentials")
    assert me["Account"] == DEFAULT_ACCOUNT
    assert me["UserId"].startswith("AROA") and me["UserId"].endswith(":CognitoIdentityCredentials"), me
    # Each call hands out new credentials; the issuer-form key works here too.
    again = ik.credentials(iid, {issuer_key(token): token})
    assert again["AccessKeyId"] != creds["AccessKeyId"]
    assert caller(server, again)["Arn"] == me["Arn"]

    tampered_secret = dict(creds, SecretKey=creds["SecretKey"][:-1] + ("A" if creds["SecretKey"][-1] != "A" else "B"))
    with client_error("SignatureDoesNotMatch", status=403):
        caller(server, tampered_secret)
    t = creds["SessionToken"]
    middle = len(t) // 2
    tampered_token = dict(creds, SessionToken=t[:middle] + ("A" if t[middle] != "A" else "B") + t[middle + 1:])
    with client_error("InvalidClientTokenId", status=403):
        caller(server, tampered_token)
    with client_error("InvalidClientTokenId", status=403):
        caller(server, dict(creds, SessionToken=None))
    with client_error("InvalidClientTokenId", status=403):
        caller(server, {"AccessKeyId": "AKIANOTKNOWN00000000", "SecretKey": "x" * 40})

    # A presigned GetCallerIdentity URL: how a caller proves its AWS identity to a third party.
    url = sts_client(server, creds).generate_presigned_url("get_caller_identity", HttpMethod="GET", ExpiresIn=60)
    status, _, body = http_get(url)
    assert status == 200, body
    assert ET.fromstring(body).find(f"{STS_NS}GetCallerIdentityResult/{STS_NS}Arn").text == me["Arn"]
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    sig = query["X-Amz-Signature"][0]
    query["X-Amz-Signature"] = [("0" if sig[0] != "0" else "1") + sig[1:]]
    status, _, body = http_get(parts._replace(query=urllib.parse.urlencode(query, doseq=True)).geturl())
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, body


def test_sts_answers_the_admin_key(server):
    me = caller(server)
    assert me["Account"] == DEFAULT_ACCOUNT
    assert re.fullmatch(rf"arn:aws:(iam|sts)::{DEFAULT_ACCOUNT}:\S+", me["Arn"]), me
    assert me["UserId"]
    cli = run_aws_cli(server, "sts", "get-caller-identity").json()
    assert (cli["Account"], cli["Arn"]) == (DEFAULT_ACCOUNT, me["Arn"])


def test_account_id_flag_names_the_account(server_factory):
    srv = server_factory(extra_args=["--account-id", "210987654321"]).start()
    k = IdKit(srv)
    pool, client = k.app()
    pid = k.identity_pool((pool, client))
    k.set_roles(pid, authenticated=role("a", "210987654321"))
    token = k.user_token(pool, client)
    iid = k.get_id(pid, {provider_name(pool): token})
    assert caller(srv)["Account"] == "210987654321"
    me = caller(srv, k.credentials(iid, {provider_name(pool): token}))
    assert me["Arn"] == "arn:aws:sts::210987654321:assumed-role/a/CognitoIdentityCredentials"
    assert me["Account"] == "210987654321"
    assert k.ci.list_tags_for_resource(ResourceArn=pool_arn(pid, "210987654321")).get("Tags", {}) == {}


def test_unauthenticated_identities(ik, server, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up, allow_unauthenticated=True)
    ik.set_roles(pid, authenticated=AUTH, unauthenticated=GUEST)
    first, second = ik.get_id(pid), ik.get_id(pid)
    assert first != second, "each GetId without logins is a new guest"
    creds = ik.credentials(first)
    assert_temporary_credentials(creds)
    assert caller(server, creds)["Arn"] == assumed_role_arn(GUEST)

    # An authenticated identity's credentials need one of its logins, and only its own.
    token = ik.user_token(pool, client)
    iid = ik.get_id(pid, {prov: token})
    with client_error("NotAuthorizedException"):
        ik.credentials(iid)
    with client_error("NotAuthorizedException"):
        ik.credentials(iid, {prov: ik.user_token(pool, client)})
    with client_error("NotAuthorizedException"):
        ik.credentials(iid, {prov: tamper(token)})
    with client_error("ResourceNotFoundException"):
        ik.credentials("us-east-1:11111111-2222-3333-4444-555555555555")


def test_no_role_is_an_invalid_configuration(ik, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up, allow_unauthenticated=True)
    token = ik.user_token(pool, client)
    iid, guest = ik.get_id(pid, {prov: token}), ik.get_id(pid)
    for call in (lambda: ik.credentials(iid, {prov: token}), lambda: ik.credentials(guest)):
        with client_error("InvalidIdentityPoolConfigurationException",
                          message_contains=["Invalid identity pool configuration. Check assigned IAM roles for this pool."]):
            call()
    ik.set_roles(pid, authenticated=AUTH)  # still no unauthenticated role
    assert caller(ik.server, ik.credentials(iid, {prov: token}))["Arn"] == assumed_role_arn(AUTH)
    with client_error("InvalidIdentityPoolConfigurationException"):
        ik.credentials(guest)


def test_server_side_token_check(ik, up):
    """With ServerSideTokenCheck the identity pool asks the user pool, before handing out an OpenID token or
    credentials, whether the user signed out globally or was deleted (then: 400 NotAuthorizedException); without
    it, an unexpired ID token still works."""
    pool, client = up
    prov = provider_name(pool)
    checked = ik.identity_pool(up, check=True, AllowClassicFlow=True)
    lax = ik.identity_pool(up)
    for pid in (checked, lax):
        ik.set_roles(pid, authenticated=AUTH)
    for action in ("sign-out", "delete"):
        name = unique(action)
        ik.users.admin_user(pool, name)
        token = ik.users.sign_in(client, name)["IdToken"]
        ids = {pid: ik.get_id(pid, {prov: token}) for pid in (checked, lax)}
        assert ik.credentials(ids[checked], {prov: token})
        if action == "sign-out":
            ik.users.idp.admin_user_global_sign_out(UserPoolId=pool, Username=name)
        else:
            ik.users.idp.admin_delete_user(UserPoolId=pool, Username=name)
        refused("NotAuthorizedException", action, lambda: ik.credentials(ids[checked], {prov: token}))
        refused("NotAuthorizedException", action,
                lambda: ik.uci.get_open_id_token(IdentityId=ids[checked], Logins={prov: token}))
        assert ik.credentials(ids[lax], {prov: token}), action


# --------------------------------------------------------------------------------------------------------------
# Role mappings
# --------------------------------------------------------------------------------------------------------------


def test_token_role_mapping(ik, up):
    pool, client = up
    prov = provider_name(pool)
    second_client = ik.users.client(pool)
    idp = ik.users.idp
    for group, precedence in (("gold", 1), ("red", 5), ("blue", 5)):
        idp.create_group(UserPoolId=pool, GroupName=group, RoleArn=role(group), Precedence=precedence)
    pid = ik.identity_pool(up, (pool, second_client))
    key = mapping_key(pool, client)
    ik.set_roles(pid, authenticated=AUTH, mappings={key: {"Type": "Token",
                                                          "AmbiguousRoleResolution": "AuthenticatedRole"}})

    def login(token):
        return ik.get_id(pid, {prov: token}), {prov: token}

    gold = login(sign_in_new(ik, pool, client, ["gold", "red"]))   # preferred_role: gold
    tie = login(sign_in_new(ik, pool, client, ["red", "blue"]))    # no preferred_role; roles red, blue
    plain = login(sign_in_new(ik, pool, client))                   # no roles at all
    assert ik.role_of(*gold) == assumed_role_arn(role("gold"))
    assert ik.role_of(*tie) == assumed_role_arn(AUTH)
    assert ik.role_of(*plain) == assumed_role_arn(AUTH)
    # CustomRoleArn picks one of cognito:roles; one the token does not list is denied.
    assert ik.role_of(*tie, CustomRoleArn=role("blue")) == assumed_role_arn(role("blue"))
    assert ik.role_of(*gold, CustomRoleArn=role("red")) == assumed_role_arn(role("red"))
    with client_error("NotAuthorizedException"):
        ik.credentials(*tie, CustomRoleArn=role("gold"))
    # The mapping belongs to one app client: through the other, the default role.
    via_second = login(sign_in_new(ik, pool, second_client, ["gold"]))
    assert ik.role_of(*via_second) == assumed_role_arn(AUTH)

    ik.set_roles(pid, authenticated=AUTH, mappings={key: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    with client_error("NotAuthorizedException", message_contains=["ambiguous role mapping rules"]):
        ik.credentials(*tie)
    assert ik.role_of(*gold) == assumed_role_arn(role("gold"))


SCHEMA = [{"Name": "dept", "AttributeDataType": "String", "Mutable": True},
          {"Name": "tier", "AttributeDataType": "String", "Mutable": True}]


def test_rules_role_mapping(ik):
    pool, client = ik.app(Schema=SCHEMA)
    prov = provider_name(pool)
    pid = ik.identity_pool((pool, client))
    key = mapping_key(pool, client)
    rules = [
        {"Claim": "custom:dept", "MatchType": "Equals", "Value": "sales", "RoleARN": role("sales")},
        {"Claim": "email", "MatchType": "StartsWith", "Value": "boss@", "RoleARN": role("boss")},
        {"Claim": "email", "MatchType": "Contains", "Value": "@corp.", "RoleARN": role("corp")},
        {"Claim": "custom:tier", "MatchType": "NotEqual", "Value": "free", "RoleARN": role("paid")},
    ]

    def mapping(ambiguous):
        return {key: {"Type": "Rules", "AmbiguousRoleResolution": ambiguous, "RulesConfiguration": {"Rules": rules}}}

    ik.set_roles(pid, authenticated=AUTH, mappings=mapping("Deny"))

    def login(**attributes):
        token = sign_in_new(ik, pool, client, **attributes)
        return ik.get_id(pid, {prov: token}), {prov: token}

    cases = {
        "first match wins": (login(custom_dept="sales", email="boss@corp.example"), "sales"),
        "StartsWith": (login(email="boss@home.example"), "boss"),
        "Contains": (login(email="ann@corp.example"), "corp"),
        "NotEqual": (login(email="ann@home.example", custom_tier="gold"), "paid"),
    }
    for why, (who, r) in cases.items():
        assert ik.role_of(*who) == assumed_role_arn(role(r)), why
    # No rule matches: NotEqual is not evaluated on a missing claim, and "free" equals.
    nothing = login(email="ann@home.example")
    free = login(email="ann@home.example", custom_tier="free")
    for who in (nothing, free):
        with client_error("NotAuthorizedException", message_contains=["ambiguous role mapping rules"]):
            ik.credentials(*who)
    ik.set_roles(pid, authenticated=AUTH, mappings=mapping("AuthenticatedRole"))
    assert ik.role_of(*nothing) == ik.role_of(*free) == assumed_role_arn(AUTH)


# --------------------------------------------------------------------------------------------------------------
# OpenID tokens and the classic flow
# --------------------------------------------------------------------------------------------------------------


def check_openid_token(server, token: str, pool_id: str, identity_id: str, lifetime: int) -> dict:
    """The token verifies against the published keys, for this pool and identity, valid `lifetime` seconds."""
    assert jwt_header(token)["alg"] == "RS256" and jwt_header(token)["kid"]
    iss = jwt_claims(token)["iss"]
    assert iss in openid_issuers(server), iss
    claims = verify_token(token, openid_jwks(server), issuer=iss, audience=pool_id)
    assert claims["sub"] == identity_id
    assert abs(claims["exp"] - claims["iat"] - lifetime) <= 5, claims
    return claims


def test_open_id_token_and_assume_role_with_web_identity(ik, server, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up, allow_unauthenticated=True, AllowClassicFlow=True)
    ik.set_roles(pid, authenticated=AUTH, unauthenticated=GUEST)
    token = ik.user_token(pool, client)
    iid = ik.get_id(pid, {prov: token})
    r = ik.uci.get_open_id_token(IdentityId=iid, Logins={prov: token})
    assert r["IdentityId"] == iid
    claims = check_openid_token(server, r["Token"], pid, iid, 600)  # "valid for 10 minutes"
    assert "authenticated" in claims["amr"] and prov in claims["amr"], claims["amr"]

    guest = ik.get_id(pid)
    g = ik.uci.get_open_id_token(IdentityId=guest)
    assert check_openid_token(server, g["Token"], pid, guest, 600)["amr"] == ["unauthenticated"]

    sts = sts_client(server, signed=False)
    a = sts.assume_role_with_web_identity(RoleArn=AUTH, RoleSessionName="web-session", WebIdentityToken=r["Token"])
    assert_temporary_credentials(a["Credentials"], secret_field="SecretAccessKey")
    arn = assumed_role_arn(AUTH, "web-session")
    assert a["AssumedRoleUser"]["Arn"] == arn and a["AssumedRoleUser"]["AssumedRoleId"].endswith(":web-session")
    assert a["SubjectFromWebIdentityToken"] == iid and a["Audience"] == pid
    assert caller(server, a["Credentials"])["Arn"] == arn
    with client_error("InvalidIdentityToken"):
        sts.assume_role_with_web_identity(RoleArn=AUTH, RoleSessionName="tampered", WebIdentityToken=tamper(r["Token"]))

    with client_error("NotAuthorizedException"):
        ik.uci.get_open_id_token(IdentityId=iid, Logins={prov: tamper(token)})
    with client_error("ResourceNotFoundException"):
        ik.uci.get_open_id_token(IdentityId="us-east-1:11111111-2222-3333-4444-555555555555")


def test_classic_flow_disabled(ik, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up, AllowClassicFlow=False)
    token = ik.user_token(pool, client)
    iid = ik.get_id(pid, {prov: token})
    with client_error("InvalidParameterException", message_contains=["Basic (classic) flow is not enabled"]):
        ik.uci.get_open_id_token(IdentityId=iid, Logins={prov: token})


# --------------------------------------------------------------------------------------------------------------
# Developer-authenticated identities
# --------------------------------------------------------------------------------------------------------------


def test_developer_identities(ik, server):
    dev = "login.latchkey.test"
    pid = ik.identity_pool(DeveloperProviderName=dev)
    ik.set_roles(pid, authenticated=AUTH)

    def dev_token(user, **kw):
        return ik.ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, Logins={dev: user}, **kw)

    one = dev_token("user-1")
    id1 = one["IdentityId"]
    assert re.fullmatch(ID_RE, id1)
    check_openid_token(server, one["Token"], pid, id1, 15 * 60)  # the default: 15 minutes
    assert dev_token("user-1", TokenDuration=120)["IdentityId"] == id1
    check_openid_token(server, dev_token("user-1", TokenDuration=120)["Token"], pid, id1, 120)

    # The enhanced flow: the OpenID token is the login for GetCredentialsForIdentity.
    creds = ik.credentials(id1, {COGNITO_IDENTITY_LOGIN: one["Token"]})
    assert caller(server, creds)["Arn"] == assumed_role_arn(AUTH)

    # A second identifier linked to the same identity; lookups both ways.
    assert ik.ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, IdentityId=id1,
                                                          Logins={dev: "user-1b"})["IdentityId"] == id1
    by_user = ik.ci.lookup_developer_identity(IdentityPoolId=pid, DeveloperUserIdentifier="user-1")
    assert by_user["IdentityId"] == id1 and "user-1" in by_user["DeveloperUserIdentifierList"]
    by_id = ik.ci.lookup_developer_identity(IdentityPoolId=pid, IdentityId=id1)
    assert sorted(by_id["DeveloperUserIdentifierList"]) == ["user-1", "user-1b"]
    id2 = dev_token("user-2")["IdentityId"]
    assert id2 != id1
    with client_error("ResourceConflictException"):
        ik.ci.lookup_developer_identity(IdentityPoolId=pid, IdentityId=id2, DeveloperUserIdentifier="user-1")
    with client_error("ResourceNotFoundException"):
        ik.ci.lookup_developer_identity(IdentityPoolId=pid, DeveloperUserIdentifier="nobody")
    # An identifier already registered under one identity cannot be linked to another.
    with pytest.raises(ClientError) as e:
        ik.ci.get_open_id_token_for_developer_identity(IdentityPoolId=pid, IdentityId=id2, Logins={dev: "user-1"})
    assert e.value.response["Error"]["Code"] in ("DeveloperUserAlreadyRegisteredException",
                                                 "ResourceConflictException"), e.value.response["Error"]

    merged = ik.ci.merge_developer_identities(SourceUserIdentifier="user-2", DestinationUserIdentifier="user-1",
                                              DeveloperProviderName=dev, IdentityPoolId=pid)
    assert merged["IdentityId"] == id1
    assert ik.ci.lookup_developer_identity(IdentityPoolId=pid, DeveloperUserIdentifier="user-2")["IdentityId"] == id1

    ik.ci.unlink_developer_identity(IdentityId=id1, IdentityPoolId=pid, DeveloperProviderName=dev,
                                    DeveloperUserIdentifier="user-1b")
    left = ik.ci.lookup_developer_identity(IdentityPoolId=pid, IdentityId=id1)["DeveloperUserIdentifierList"]
    assert "user-1b" not in left and "user-1" in left
    # "Unlinked developer users will be considered new identities next time they are seen."
    assert dev_token("user-1b")["IdentityId"] not in (id1, id2)
    with client_error("ResourceNotFoundException"):
        ik.ci.get_open_id_token_for_developer_identity(IdentityPoolId=UNKNOWN_POOL, Logins={dev: "user-1"})
