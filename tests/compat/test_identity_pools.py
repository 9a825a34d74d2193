"""Identity pools (the `cognito-identity` API) with boto3, the management side: Create/Describe/List/Update/
DeleteIdentityPool (ids `<signing region>:<uuid>`, pools per region), tags by ARN, Set/GetIdentityPoolRoles,
Get/SetPrincipalTagAttributeMap, ListIdentities/DescribeIdentity/DeleteIdentities, UnlinkIdentity, concurrent GetId
for one new user, an identity pool outliving the user pool it named, and which operations are signed. Logins,
credentials, role mappings, OpenID tokens, developer identities and STS are in test_identity_credentials.py; the
two files together call every one of the 23 operations (checked below).

Written from AWS's documentation (API reference, developer guide, botocore's model), not from Latchkey's code."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import botocore
import pytest
from botocore import xform_name

from conftest import REPO, client_error, pages_of, unique
from identitylib import (ID_RE, IdKit, assert_fits_identity_output, identity_client, identity_model, pool_arn,
                         provider_name, raw_identity_call, role)

UNKNOWN_POOL = "us-east-1:00000000-0000-0000-0000-000000000000"
UNSIGNED = {"GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "UnlinkIdentity"}
AUTH_ERRORS = {"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
               "IncompleteSignatureException"}


@pytest.fixture(scope="module")
def ik(server):
    return IdKit(server)


@pytest.fixture
def up(ik):
    """A user pool and an app client: (pool id, client id)."""
    return ik.app()


def shown(d: dict) -> dict:
    """An identity pool as AWS shows it: without the response metadata, empty lists and maps (AWS leaves unset
    members out), or AllowClassicFlow when false (its default)."""
    out = {k: v for k, v in d.items() if k != "ResponseMetadata" and v != [] and v != {}}
    if out.get("AllowClassicFlow") is False:
        del out["AllowClassicFlow"]
    return out


# --------------------------------------------------------------------------------------------------------------
# The API as a whole
# --------------------------------------------------------------------------------------------------------------


def test_vendored_model_matches_the_pinned_botocore():
    vendored = json.loads((REPO / "crates/server/src/aws/model/cognito-identity.json").read_text())
    assert vendored["metadata"]["botocore"] == botocore.__version__, (
        "regenerate the model: .venv/bin/python tools/gen_model.py")
    assert set(vendored["operations"]) == set(identity_model().operation_names)
    assert len(identity_model().operation_names) == 23


def test_every_operation_is_called_by_these_tests():
    here = Path(__file__).resolve().parent
    source = (here / "test_identity_pools.py").read_text() + (here / "test_identity_credentials.py").read_text()
    missing = [op for op in identity_model().operation_names if f".{xform_name(op)}(" not in source]
    assert not missing, f"no test calls {missing}"


def test_model_marks_exactly_four_operations_unsigned():
    m = identity_model()
    unsigned = {n for n in m.operation_names if m.operation_model(n).auth_type == "none"}
    assert unsigned == UNSIGNED


@pytest.mark.parametrize("op", sorted(set(identity_model().operation_names) - UNSIGNED))
def test_signed_operations_require_a_signature(server, op):
    r = raw_identity_call(server, op, {}, sign=False)
    assert r.status in (400, 403), r
    assert r.json()["__type"] == "MissingAuthenticationTokenException", r


@pytest.mark.parametrize("op", sorted(UNSIGNED))
def test_unsigned_operations_need_no_signature(server, op):
    r = raw_identity_call(server, op, {}, sign=False)
    assert r.status == 400, r
    assert r.json()["__type"] not in AUTH_ERRORS, f"{op} demanded a signature: {r}"
    r = raw_identity_call(server, op, {}, sign=True)
    assert r.json().get("__type") not in AUTH_ERRORS, f"{op} refused a valid signature: {r}"


def test_unknown_key_and_wrong_secret(server):
    with client_error("UnrecognizedClientException", status=(400, 403)):
        identity_client(server, aws_access_key_id="AKIANOTKNOWN00000000").list_identity_pools(MaxResults=1)
    with client_error("InvalidSignatureException", status=(400, 403)):
        identity_client(server, aws_secret_access_key="not-the-secret-000000000000000000000000").list_identity_pools(
            MaxResults=1)


# --------------------------------------------------------------------------------------------------------------
# Identity pools
# --------------------------------------------------------------------------------------------------------------


def test_pool_lifecycle(ik, server, up):
    pool, client = up
    name = unique("lifecycle")
    providers = [{"ProviderName": provider_name(pool), "ClientId": client, "ServerSideTokenCheck": True}]
    created = ik.ci.create_identity_pool(
        IdentityPoolName=name, AllowUnauthenticatedIdentities=False, AllowClassicFlow=True,
        CognitoIdentityProviders=providers,
        SupportedLoginProviders={"accounts.google.com": "123-abc.apps.googleusercontent.com"},
        DeveloperProviderName="login.latchkey.test", IdentityPoolTags={"env": "test"})
    pid = created["IdentityPoolId"]
    assert re.fullmatch(ID_RE, pid) and pid.startswith("us-east-1:"), pid
    expected = {
        "IdentityPoolId": pid, "IdentityPoolName": name, "AllowUnauthenticatedIdentities": False,
        "AllowClassicFlow": True, "CognitoIdentityProviders": providers,
        "SupportedLoginProviders": {"accounts.google.com": "123-abc.apps.googleusercontent.com"},
        "DeveloperProviderName": "login.latchkey.test", "IdentityPoolTags": {"env": "test"},
    }
    assert shown(created) == expected
    assert shown(ik.ci.describe_identity_pool(IdentityPoolId=pid)) == expected
    # Nothing but the model's members (no roles, mappings or dates of the pool's stored form).
    raw = raw_identity_call(server, "DescribeIdentityPool", {"IdentityPoolId": pid})
    assert raw.status == 200, raw
    assert_fits_identity_output("DescribeIdentityPool", raw.json())

    # Update replaces the pool: what is not sent goes back to its default (the developer provider name cannot
    # change, so it is sent again; tags are not part of the update).
    updated = ik.ci.update_identity_pool(IdentityPoolId=pid, IdentityPoolName=f"{name}-2",
                                         AllowUnauthenticatedIdentities=True,
                                         DeveloperProviderName="login.latchkey.test")
    expected = {"IdentityPoolId": pid, "IdentityPoolName": f"{name}-2", "AllowUnauthenticatedIdentities": True,
                "DeveloperProviderName": "login.latchkey.test", "IdentityPoolTags": {"env": "test"}}
    assert shown(ik.ci.describe_identity_pool(IdentityPoolId=pid)) == expected
    assert {k: v for k, v in shown(updated).items() if k != "IdentityPoolTags"} == {
        k: v for k, v in expected.items() if k != "IdentityPoolTags"}

    ik.ci.delete_identity_pool(IdentityPoolId=pid)
    for call in (lambda: ik.ci.describe_identity_pool(IdentityPoolId=pid),
                 lambda: ik.ci.delete_identity_pool(IdentityPoolId=pid),
                 lambda: ik.ci.update_identity_pool(IdentityPoolId=pid, IdentityPoolName=name,
                                                    AllowUnauthenticatedIdentities=False),
                 lambda: ik.uci.get_id(IdentityPoolId=pid)):
        with client_error("ResourceNotFoundException"):
            call()


def test_pools_live_in_the_signing_region_and_list_in_pages(server):
    ap = identity_client(server, "ap-south-1")
    us = identity_client(server, "us-east-1")
    made = {ap.create_identity_pool(IdentityPoolName=unique("ap"), AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"] for _ in range(3)}
    assert all(p.startswith("ap-south-1:") and re.fullmatch(ID_RE, p) for p in made), made
    pages = pages_of(ap.list_identity_pools, "NextToken", "IdentityPools", 2, 200, MaxResults=2)
    listed = [p for page in pages for p in page["IdentityPools"]]
    assert made <= {p["IdentityPoolId"] for p in listed}
    assert all(set(p) == {"IdentityPoolId", "IdentityPoolName"} for p in listed), listed[:3]
    assert all(p["IdentityPoolId"].startswith("ap-south-1:") for p in listed)
    # Another region's endpoint does not list them.
    us_pages = pages_of(us.list_identity_pools, "NextToken", "IdentityPools", 60, 200, MaxResults=60)
    assert not made & {p["IdentityPoolId"] for page in us_pages for p in page["IdentityPools"]}
    # Identities carry their pool's region.
    guest = identity_client(server, "ap-south-1", signed=False).get_id(IdentityPoolId=sorted(made)[0])["IdentityId"]
    assert guest.startswith("ap-south-1:") and re.fullmatch(ID_RE, guest), guest


def test_tags_by_arn(ik):
    pid = ik.identity_pool(IdentityPoolTags={"env": "test", "team": "id"})
    arn = pool_arn(pid)
    assert ik.ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test", "team": "id"}
    ik.ci.tag_resource(ResourceArn=arn, Tags={"team": "auth", "cost": "42"})
    assert ik.ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test", "team": "auth", "cost": "42"}
    ik.ci.untag_resource(ResourceArn=arn, TagKeys=["env", "never-set"])
    assert ik.ci.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "auth", "cost": "42"}
    assert ik.ci.describe_identity_pool(IdentityPoolId=pid)["IdentityPoolTags"] == {"team": "auth", "cost": "42"}
    gone = pool_arn(UNKNOWN_POOL)
    for call in (lambda: ik.ci.list_tags_for_resource(ResourceArn=gone),
                 lambda: ik.ci.tag_resource(ResourceArn=gone, Tags={"a": "b"}),
                 lambda: ik.ci.untag_resource(ResourceArn=gone, TagKeys=["a"])):
        with client_error("ResourceNotFoundException"):
            call()


def test_roles_and_role_mappings(ik, server, up):
    pool, client = up
    pid = ik.identity_pool(up)
    before = ik.ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert before["IdentityPoolId"] == pid and not before.get("Roles") and not before.get("RoleMappings")

    key = f"{provider_name(pool)}:{client}"
    mappings = {key: {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [
        {"Claim": "custom:dept", "MatchType": "Equals", "Value": "sales", "RoleARN": role("sales")},
        {"Claim": "email", "MatchType": "StartsWith", "Value": "boss@", "RoleARN": role("boss")},
    ]}}}
    roles = {"authenticated": role("auth"), "unauthenticated": role("guest")}
    ik.ci.set_identity_pool_roles(IdentityPoolId=pid, Roles=roles, RoleMappings=mappings)
    got = ik.ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert (got["IdentityPoolId"], got["Roles"], got["RoleMappings"]) == (pid, roles, mappings)
    raw = raw_identity_call(server, "GetIdentityPoolRoles", {"IdentityPoolId": pid})
    assert_fits_identity_output("GetIdentityPoolRoles", raw.json())

    token = {key: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}}
    ik.ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={"authenticated": role("auth")}, RoleMappings=token)
    got = ik.ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert (got["Roles"], got["RoleMappings"]) == ({"authenticated": role("auth")}, token)
    # What Terraform sends to detach everything.
    ik.ci.set_identity_pool_roles(IdentityPoolId=pid, Roles={}, RoleMappings={})
    got = ik.ci.get_identity_pool_roles(IdentityPoolId=pid)
    assert not got.get("Roles") and not got.get("RoleMappings"), got

    # RulesConfiguration is required for Rules, AmbiguousRoleResolution for Token and Rules.
    for bad in ({"Type": "Rules", "AmbiguousRoleResolution": "Deny"}, {"Type": "Token"}):
        with client_error("InvalidParameterException"):
            ik.ci.set_identity_pool_roles(IdentityPoolId=pid, Roles=roles, RoleMappings={key: bad})
    for call in (lambda: ik.ci.get_identity_pool_roles(IdentityPoolId=UNKNOWN_POOL),
                 lambda: ik.ci.set_identity_pool_roles(IdentityPoolId=UNKNOWN_POOL, Roles=roles)):
        with client_error("ResourceNotFoundException"):
            call()


def test_principal_tag_attribute_map(ik, up):
    pool, _ = up
    pid = ik.identity_pool(up)
    prov = provider_name(pool)
    tags = {"user": "sub", "app": "aud"}
    r = ik.ci.set_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName=prov, UseDefaults=False,
                                              PrincipalTags=tags)
    want = {"IdentityPoolId": pid, "IdentityProviderName": prov, "UseDefaults": False, "PrincipalTags": tags}
    assert {k: r[k] for k in want} == want
    r = ik.ci.get_principal_tag_attribute_map(IdentityPoolId=pid, IdentityProviderName=prov)
    assert {k: r[k] for k in want} == want
    for call in (lambda: ik.ci.get_principal_tag_attribute_map(IdentityPoolId=UNKNOWN_POOL, IdentityProviderName=prov),
                 lambda: ik.ci.set_principal_tag_attribute_map(IdentityPoolId=UNKNOWN_POOL, IdentityProviderName=prov,
                                                               UseDefaults=True)):
        with client_error("ResourceNotFoundException"):
            call()


# --------------------------------------------------------------------------------------------------------------
# Identities
# --------------------------------------------------------------------------------------------------------------


def recent(t: dt.datetime) -> bool:
    return abs(dt.datetime.now(dt.timezone.utc) - t) < dt.timedelta(minutes=5)


def test_list_describe_and_delete_identities(ik, server, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up, allow_unauthenticated=True)
    tokens = [ik.user_token(pool, client) for _ in range(3)]
    ids = [ik.get_id(pid, {prov: t}) for t in tokens]
    guest = ik.get_id(pid)
    assert len(set(ids + [guest])) == 4

    pages = pages_of(ik.ci.list_identities, "NextToken", "Identities", 2, 5, IdentityPoolId=pid, MaxResults=2)
    assert all(p["IdentityPoolId"] == pid for p in pages)
    listed = {i["IdentityId"]: i for p in pages for i in p["Identities"]}
    assert sorted(listed) == sorted(ids + [guest])
    for iid in ids:
        assert listed[iid]["Logins"] == [prov]
        assert recent(listed[iid]["CreationDate"]) and recent(listed[iid]["LastModifiedDate"])
    assert not listed[guest].get("Logins")

    d = ik.ci.describe_identity(IdentityId=ids[0])
    assert d["IdentityId"] == ids[0] and d["Logins"] == [prov]
    assert recent(d["CreationDate"]) and d["LastModifiedDate"] >= d["CreationDate"]
    assert_fits_identity_output("DescribeIdentity",
                                raw_identity_call(server, "DescribeIdentity", {"IdentityId": ids[0]}).json())

    unknown = f"us-east-1:{uuid.uuid4()}"
    with client_error("ResourceNotFoundException"):
        ik.ci.describe_identity(IdentityId=unknown)
    r = ik.ci.delete_identities(IdentityIdsToDelete=[ids[0], guest, unknown])
    # The identities that exist are deleted; one that does not may come back unprocessed (AWS does not document
    # which), never with an error code outside the model's.
    unprocessed = r.get("UnprocessedIdentityIds", [])
    assert all(u["IdentityId"] == unknown for u in unprocessed), unprocessed
    assert all(u["ErrorCode"] in ("AccessDenied", "InternalServerError") for u in unprocessed), unprocessed
    for gone in (ids[0], guest):
        with client_error("ResourceNotFoundException"):
            ik.ci.describe_identity(IdentityId=gone)
    left = ik.ci.list_identities(IdentityPoolId=pid, MaxResults=60)["Identities"]
    assert sorted(i["IdentityId"] for i in left) == sorted(ids[1:])
    # The deleted identity's login is new again.
    again = ik.get_id(pid, {prov: tokens[0]})
    assert again not in ids

    with client_error("ResourceNotFoundException"):
        ik.ci.list_identities(IdentityPoolId=UNKNOWN_POOL, MaxResults=10)


def test_unlink_identity(ik, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up)
    mine, linked, stranger = (ik.user_token(pool, client) for _ in range(3))
    iid = ik.get_id(pid, {prov: mine})
    ik.get_id(pid, {prov: linked})

    # The caller proves the login it removes: another user's token does not unlink mine — "Logins don't match"
    # for a login no identity has, ResourceConflictException ("a login which is already linked to another
    # account") for one of another identity.
    with client_error("NotAuthorizedException"):
        ik.uci.unlink_identity(IdentityId=iid, Logins={prov: stranger}, LoginsToRemove=[prov])
    with client_error("ResourceConflictException"):
        ik.uci.unlink_identity(IdentityId=iid, Logins={prov: linked}, LoginsToRemove=[prov])
    assert ik.ci.describe_identity(IdentityId=iid)["Logins"] == [prov]

    ik.uci.unlink_identity(IdentityId=iid, Logins={prov: mine}, LoginsToRemove=[prov])
    assert not ik.ci.describe_identity(IdentityId=iid).get("Logins")
    # "Unlinked logins will be considered new identities next time they are seen."
    fresh = ik.get_id(pid, {prov: mine})
    assert fresh != iid
    with client_error("ResourceNotFoundException"):
        ik.uci.unlink_identity(IdentityId=f"us-east-1:{uuid.uuid4()}", Logins={prov: mine}, LoginsToRemove=[prov])


def test_concurrent_get_id_for_one_new_user_makes_one_identity(ik, server, up):
    pool, client = up
    prov = provider_name(pool)
    pid = ik.identity_pool(up)
    token = ik.user_token(pool, client)
    clients = [identity_client(server, signed=False) for _ in range(8)]
    with ThreadPoolExecutor(len(clients)) as ex:
        ids = list(ex.map(lambda c: c.get_id(IdentityPoolId=pid, Logins={prov: token})["IdentityId"], clients))
    assert len(set(ids)) == 1, ids
    assert [i["IdentityId"] for i in ik.ci.list_identities(IdentityPoolId=pid, MaxResults=60)["Identities"]] == ids[:1]


def test_identity_pool_outlives_the_user_pool_it_names(ik):
    pool, client = ik.app()
    prov = provider_name(pool)
    pid = ik.identity_pool((pool, client), allow_unauthenticated=True)
    iid = ik.get_id(pid, {prov: ik.user_token(pool, client)})
    before = shown(ik.ci.describe_identity_pool(IdentityPoolId=pid))

    ik.users.idp.delete_user_pool(UserPoolId=pool)
    assert shown(ik.ci.describe_identity_pool(IdentityPoolId=pid)) == before
    assert ik.ci.describe_identity(IdentityId=iid)["Logins"] == [prov]
    assert iid in [i["IdentityId"] for i in ik.ci.list_identities(IdentityPoolId=pid, MaxResults=60)["Identities"]]
    guest = ik.get_id(pid)
    assert guest != iid and guest.startswith("us-east-1:")
