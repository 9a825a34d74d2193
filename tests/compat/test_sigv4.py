"""SigV4 on management operations: missing, unknown key, wrong secret, clock skew, malformed header, tampering,
and the region taken from the credential scope."""

import datetime as dt
import json
import re
from pathlib import Path

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import pytest

from conftest import (JSON_CT, TARGET_PREFIX, all_pools, client_error, idp_model, raw_call, raw_request, signed_headers,
                      unique, unsigned_operations)

# Request-authentication failures are client errors; AWS JSON services answer them with 400 or 403.
AUTH_STATUS = (400, 403)


def test_signed_call_succeeds(idp):
    r = idp.list_user_pools(MaxResults=1)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_unsigned_call_to_signed_operation(unsigned_idp, idp):
    name = unique("nosig")
    with client_error("MissingAuthenticationTokenException", status=AUTH_STATUS):
        unsigned_idp.create_user_pool(PoolName=name)
    for call in (
        lambda: unsigned_idp.list_user_pools(MaxResults=10),
        lambda: unsigned_idp.describe_user_pool(UserPoolId="us-east-1_Whatever0"),
        lambda: unsigned_idp.get_csv_header(UserPoolId="us-east-1_Whatever0"),
        lambda: unsigned_idp.list_tags_for_resource(
            ResourceArn="arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Whatever0"),
    ):
        with client_error("MissingAuthenticationTokenException", status=AUTH_STATUS):
            call()
    names = [p["Name"] for p in all_pools(idp)]
    assert name not in names, "an unsigned CreateUserPool created a pool"


AUTH_ERRORS = {"MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
               "IncompleteSignatureException"}
UNSIGNED_OPS = sorted(unsigned_operations())
SIGNED_OPS = sorted(set(idp_model().operation_names) - set(UNSIGNED_OPS))


def test_model_split_matches_the_reference():
    # botocore's model marks these (at least the 32 the reference lists) as unsigned; the rest need SigV4.
    for op in ("SignUp", "InitiateAuth", "RespondToAuthChallenge", "GetUser", "ConfirmSignUp", "RevokeToken"):
        assert op in UNSIGNED_OPS
    assert len(UNSIGNED_OPS) >= 32 and len(SIGNED_OPS) >= 90


def test_vendored_model_matches_the_pinned_botocore():
    # The server validates against a model generated from botocore (tools/gen_model.py); the test clients use the
    # botocore pinned in requirements.txt. They must be the same release, or an operation one side knows answers
    # UnknownOperationException on the other.
    import botocore

    root = Path(__file__).resolve().parents[2]
    vendored = json.loads((root / "crates/server/src/aws/model/cognito-idp.json").read_text())
    assert vendored["metadata"]["botocore"] == botocore.__version__, (
        "regenerate the model: .venv/bin/python tools/gen_model.py")
    assert set(vendored["operations"]) == set(idp_model().operation_names)


# Operations botocore knows that Latchkey does not implement: the signature is checked first, then the answer is
# UnsupportedOperationException (never UnknownOperationException, which would say the API has no such operation).
POOL = "us-east-1_Whatever0"
RESTORE = "0f8fad5b-d9cb-469f-a165-70867728950e"
NOT_IMPLEMENTED = {
    "CreateCIMDPolicy": {"UserPoolId": POOL, "ClientId": "abc", "PolicyName": "p", "URLPatterns": ["https://example.com/*"]},
    "ListCIMDPolicies": {"UserPoolId": POOL},
    "ListClientMetadataURLs": {"UserPoolId": POOL, "CIMDPolicyId": "abc123"},
    "DescribePointInTimeRecovery": {"UserPoolId": POOL, "RestoreId": RESTORE},
    "StartPointInTimeRecovery": {"UserPoolId": POOL, "RestoreId": RESTORE},
    "CancelPointInTimeRecovery": {"UserPoolId": POOL, "RestoreId": RESTORE},
}


@pytest.mark.parametrize("op", sorted(NOT_IMPLEMENTED))
def test_newest_operations_answer_unsupported_after_the_signature(server, op):
    assert op in SIGNED_OPS
    r = raw_call(server, op, NOT_IMPLEMENTED[op], sign=False)
    assert r.json()["__type"] == "MissingAuthenticationTokenException", r
    r = raw_call(server, op, NOT_IMPLEMENTED[op], sign=True)
    assert r.status == 400 and r.json()["__type"] == "UnsupportedOperationException", r


@pytest.mark.parametrize("op", SIGNED_OPS)
def test_every_signed_operation_requires_a_signature(server, op):
    r = raw_call(server, op, {}, sign=False)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "MissingAuthenticationTokenException", r


@pytest.mark.parametrize("op", UNSIGNED_OPS)
def test_unsigned_operations_need_no_signature(server, op):
    r = raw_call(server, op, {}, sign=False)
    assert r.status == 400, r
    assert r.json()["__type"] not in AUTH_ERRORS, f"{op} demanded a signature: {r}"
    # Signing it anyway (as some SDKs do) is fine too.
    r = raw_call(server, op, {}, sign=True)
    assert r.json().get("__type") not in AUTH_ERRORS, f"{op} refused a valid signature: {r}"


def test_unknown_access_key(server):
    c = server.client(key_id="AKIANOTKNOWN00000000", secret=server.secret)
    with client_error("UnrecognizedClientException", status=AUTH_STATUS):
        c.list_user_pools(MaxResults=1)


def test_wrong_secret(server):
    c = server.client(secret="definitely-not-the-secret-0000000000000")
    with client_error("InvalidSignatureException", status=AUTH_STATUS):
        c.create_user_pool(PoolName=unique("badsig"))


@pytest.mark.parametrize("minutes", [-20, 20, -60 * 24])
def test_clock_skew_beyond_15_minutes(server, monkeypatch, minutes):
    real = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: real() + dt.timedelta(minutes=minutes))
    c = server.client()
    with client_error("InvalidSignatureException", status=AUTH_STATUS, message_contains=["Signature expired"]):
        c.list_user_pools(MaxResults=1)


@pytest.mark.parametrize("minutes", [-10, 10])
def test_clock_skew_within_15_minutes(server, monkeypatch, minutes):
    real = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: real() + dt.timedelta(minutes=minutes))
    c = server.client()
    assert c.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


def _post(server, headers, body):
    return raw_request(server, "POST", "/", body, headers)


@pytest.mark.parametrize("auth", [
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=AKIALATCHKEYCOMPAT01/20260101/us-east-1/cognito-idp/aws4_request",
    "AWS4-HMAC-SHA256 Credential=AKIALATCHKEYCOMPAT01, SignedHeaders=host, Signature=abc",
    "AWS4-HMAC-SHA256 SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
])
def test_malformed_authorization_header(server, auth):
    body = json.dumps({"MaxResults": 1}).encode()
    headers = signed_headers(server, "ListUserPools", body)
    headers["Authorization"] = auth
    r = _post(server, headers, body)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "IncompleteSignatureException", r
    assert r.header("x-amzn-ErrorType").startswith("IncompleteSignatureException"), r


def test_tampered_body(server, idp):
    body = json.dumps({"PoolName": "signed-name"}).encode()
    headers = signed_headers(server, "CreateUserPool", body)
    tampered = json.dumps({"PoolName": "evil-name"}).encode()
    headers.pop("Content-Length", None)
    r = _post(server, headers, tampered)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r
    names = [p["Name"] for p in all_pools(idp)]
    assert "evil-name" not in names


def test_tampered_target(server, idp):
    pid = idp.create_user_pool(PoolName=unique("target"))["UserPool"]["Id"]
    body = json.dumps({"UserPoolId": pid}).encode()
    headers = signed_headers(server, "DescribeUserPool", body)
    headers["X-Amz-Target"] = f"{TARGET_PREFIX}.DeleteUserPool"
    r = _post(server, headers, body)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r
    assert idp.describe_user_pool(UserPoolId=pid)["UserPool"]["Id"] == pid


def _pool_with_two_users(idp):
    pid = idp.create_user_pool(PoolName=unique("replay"))["UserPool"]["Id"]
    for name in ("victim", "bystander"):
        idp.admin_create_user(UserPoolId=pid, Username=name, TemporaryPassword="Temp0rary!", MessageAction="SUPPRESS")
    return pid


def test_replayed_signature_with_another_body_and_the_original_payload_hash(server, idp):
    """The attack the security review found: a captured signed AdminSetUserPassword for one user was replayed with
    another user's name in the body and X-Amz-Content-Sha256 set to the hash of the original body."""
    import hashlib

    pid = _pool_with_two_users(idp)
    original = json.dumps({"UserPoolId": pid, "Username": "bystander", "Password": "Bystander1!",
                           "Permanent": True}).encode()
    headers = signed_headers(server, "AdminSetUserPassword", original)
    forged = json.dumps({"UserPoolId": pid, "Username": "victim", "Password": "Attacker1!",
                         "Permanent": True}).encode()
    headers["X-Amz-Content-Sha256"] = hashlib.sha256(original).hexdigest()
    headers.pop("Content-Length", None)
    r = _post(server, headers, forged)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r
    assert idp.admin_get_user(UserPoolId=pid, Username="victim")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    # The same header with the body it describes is fine (clients that send it, e.g. for streaming, keep working).
    headers = signed_headers(server, "AdminSetUserPassword", original,
                             extra={"X-Amz-Content-Sha256": hashlib.sha256(original).hexdigest()})
    r = _post(server, headers, original)
    assert r.status == 200, r
    assert idp.admin_get_user(UserPoolId=pid, Username="bystander")["UserStatus"] == "CONFIRMED"


def test_target_outside_the_signature_is_refused(server, idp):
    # Signed without X-Amz-Target, which is then added: the signature does not say which operation to run.
    pid = _pool_with_two_users(idp)
    body = json.dumps({"UserPoolId": pid, "Username": "victim"}).encode()
    req = AWSRequest(method="POST", url=f"{server.endpoint}/", data=body, headers={"Content-Type": JSON_CT})
    SigV4Auth(Credentials(server.key_id, server.secret), "cognito-idp", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    headers["Host"] = f"127.0.0.1:{server.port}"
    headers["X-Amz-Target"] = f"{TARGET_PREFIX}.AdminDeleteUser"
    r = _post(server, headers, body)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r
    assert "x-amz-target" in r.json()["message"], r
    assert idp.admin_get_user(UserPoolId=pid, Username="victim")["Username"] == "victim"


def test_unsigned_x_amz_header_is_refused(server):
    body = json.dumps({"MaxResults": 1}).encode()
    headers = signed_headers(server, "ListUserPools", body)
    headers["X-Amz-Security-Token"] = "added-after-signing"
    r = _post(server, headers, body)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r


def test_signature_replayed_with_other_region_scope_fails(server):
    body = json.dumps({"MaxResults": 1}).encode()
    headers = signed_headers(server, "ListUserPools", body, region="eu-west-1")
    headers["Authorization"] = headers["Authorization"].replace("/eu-west-1/", "/us-east-1/")
    r = _post(server, headers, body)
    assert r.status in AUTH_STATUS, r
    assert r.json()["__type"] == "InvalidSignatureException", r


def test_region_comes_from_credential_scope(server):
    eu = server.client(region="eu-west-1")
    us = server.client(region="us-east-1")
    pool = eu.create_user_pool(PoolName=unique("eu"))["UserPool"]
    assert re.fullmatch(r"eu-west-1_[0-9A-Za-z]{9}", pool["Id"]), pool["Id"]
    assert pool["Arn"].startswith("arn:aws:cognito-idp:eu-west-1:"), pool["Arn"]
    assert pool["Arn"].endswith(f":userpool/{pool['Id']}")

    eu_ids = [p["Id"] for p in all_pools(eu)]
    assert pool["Id"] in eu_ids
    assert all(i.startswith("eu-west-1_") for i in eu_ids), eu_ids

    us_ids = [p["Id"] for p in all_pools(us)]
    assert pool["Id"] not in us_ids
    assert all(i.startswith("us-east-1_") for i in us_ids), us_ids

    us_pool = us.create_user_pool(PoolName=unique("us"))["UserPool"]
    assert us_pool["Id"].startswith("us-east-1_")
    assert us_pool["Id"] not in [p["Id"] for p in all_pools(eu)]

    # Regions are separate: a us-east-1 signature does not reach the eu pool.
    with client_error("ResourceNotFoundException"):
        us.describe_user_pool(UserPoolId=pool["Id"])

    # The eu pool is fully usable from an eu client.
    c = eu.create_user_pool_client(UserPoolId=pool["Id"], ClientName="eu-app")["UserPoolClient"]
    assert eu.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=c["ClientId"])["UserPoolClient"]["ClientName"] == "eu-app"
    assert eu.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Id"] == pool["Id"]
