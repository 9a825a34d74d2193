"""AWS JSON 1.1 protocol: response headers, error shape, SerializationException, AWS-style parameter validation,
unknown operations, CORS. Raw HTTP (http.client) where the shape of the bytes matters, boto3 with client-side
validation off where a real client can be made to send bad values."""

import re

import pytest
from botocore.exceptions import ClientError

from conftest import JSON_CT, assert_client_error, assert_fits_output, client_error, raw_call, raw_request, unique
from test_user_pools import full_pool_request


def validation_message_names(msg, member):
    """AWS style: `... Value ... at 'path.to.member' failed to satisfy constraint: ...`."""
    return re.search(rf"at '(?:[^']*\.)?{re.escape(member)}(?:\.[^']*)?' failed to satisfy constraint", msg, re.IGNORECASE)


def assert_validation_error(excinfo, member):
    msg = assert_client_error(excinfo, "InvalidParameterException")
    assert re.match(r"\d+ validation errors? detected: ", msg), msg
    assert validation_message_names(msg, member), f"message does not name {member!r} AWS-style: {msg!r}"
    return msg


# --- Response shape --------------------------------------------------------------------------------------------


def test_success_response_headers(server):
    r1 = raw_call(server, "ListUserPools", {"MaxResults": 5})
    r2 = raw_call(server, "ListUserPools", {"MaxResults": 5})
    for r in (r1, r2):
        assert r.status == 200, r
        assert r.header("Content-Type", ).split(";")[0].strip() == JSON_CT, r
        assert r.header("x-amzn-RequestId"), r
        assert isinstance(r.json()["UserPools"], list)
    assert r1.header("x-amzn-RequestId") != r2.header("x-amzn-RequestId")


def test_void_operation_answers_json_object(server, idp):
    pid = idp.create_user_pool(PoolName=unique("void"))["UserPool"]["Id"]
    r = raw_call(server, "DeleteUserPool", {"UserPoolId": pid})
    assert r.status == 200, r
    assert r.json() == {}
    assert r.header("Content-Type").split(";")[0].strip() == JSON_CT


def test_error_response_shape(server):
    r = raw_call(server, "DescribeUserPool", {"UserPoolId": "us-east-1_Missing30"})
    assert r.status == 400, r
    assert r.header("Content-Type").split(";")[0].strip() == JSON_CT
    assert r.header("x-amzn-RequestId"), r
    assert r.header("x-amzn-ErrorType") is not None, r
    assert r.header("x-amzn-ErrorType").startswith("ResourceNotFoundException:"), r.header("x-amzn-ErrorType")
    body = r.json()
    assert body["__type"] == "ResourceNotFoundException"
    assert isinstance(body["message"], str) and body["message"]


def test_error_code_and_message_through_boto3(idp):
    with pytest.raises(ClientError) as e:
        idp.describe_user_pool(UserPoolId="us-east-1_Missing31")
    assert_client_error(e, "ResourceNotFoundException")
    assert e.value.response["ResponseMetadata"]["RequestId"]
    assert e.value.response["Error"]["Message"]


def test_every_implemented_operation_answers_the_model_shape(server):
    """Raw responses, checked member by member against botocore's output shapes (no extra members, right types,
    timestamps as epoch numbers, enums from the model)."""

    def call(op, body, region="us-east-1"):
        r = raw_call(server, op, body, region=region)
        assert r.status == 200, f"{op}: {r}"
        assert r.header("Content-Type").split(";")[0].strip() == JSON_CT
        out = r.json()
        assert_fits_output(op, out)
        return out

    req = full_pool_request(unique("shape"), deletion_protection="INACTIVE")
    pool = call("CreateUserPool", req)["UserPool"]
    pid, arn = pool["Id"], pool["Arn"]
    assert isinstance(pool["CreationDate"], (int, float)) and pool["CreationDate"] > 1.6e9
    call("DescribeUserPool", {"UserPoolId": pid})
    call("ListUserPools", {"MaxResults": 2})
    call("AddCustomAttributes", {"UserPoolId": pid, "CustomAttributes": [{"Name": "shape", "AttributeDataType": "String"}]})
    call("UpdateUserPool", {"UserPoolId": pid, "Policies": req["Policies"], "LambdaConfig": req["LambdaConfig"]})
    call("SetUserPoolMfaConfig", {"UserPoolId": pid, "SoftwareTokenMfaConfiguration": {"Enabled": True},
                                  "MfaConfiguration": "OPTIONAL"})
    call("GetUserPoolMfaConfig", {"UserPoolId": pid})
    call("TagResource", {"ResourceArn": arn, "Tags": {"k": "v"}})
    assert call("ListTagsForResource", {"ResourceArn": arn})["Tags"]["k"] == "v"
    call("UntagResource", {"ResourceArn": arn, "TagKeys": ["k"]})
    call("GetCSVHeader", {"UserPoolId": pid})
    client = call("CreateUserPoolClient", {
        "UserPoolId": pid, "ClientName": "shape", "GenerateSecret": True,
        "CallbackURLs": ["https://example.com/cb"], "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"], "AllowedOAuthFlowsUserPoolClient": True,
        "AccessTokenValidity": 10, "TokenValidityUnits": {"AccessToken": "minutes"},
    })["UserPoolClient"]
    cid = client["ClientId"]
    call("DescribeUserPoolClient", {"UserPoolId": pid, "ClientId": cid})
    call("ListUserPoolClients", {"UserPoolId": pid, "MaxResults": 5})
    call("UpdateUserPoolClient", {"UserPoolId": pid, "ClientId": cid, "ClientName": "shape2"})
    call("DeleteUserPoolClient", {"UserPoolId": pid, "ClientId": cid})
    call("DeleteUserPool", {"UserPoolId": pid})


def test_error_body_members(server):
    for op, body in (("DescribeUserPool", {"UserPoolId": "us-east-1_Missing34"}),
                     ("DescribeUserPool", {}),
                     ("CreateUserPool", b"{")):
        r = raw_call(server, op, body)
        assert r.status == 400, r
        err = r.json()
        assert set(err) == {"__type", "message"}, err
        assert isinstance(err["message"], str) and err["message"], err
        assert r.header("x-amzn-ErrorType") == f"{err['__type']}:", r


# --- Serialization ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b'{"PoolName": "x"', b"\xff\xfe", b'{"PoolName": "x"}}'])
def test_malformed_json_is_serialization_exception(server, body):
    r = raw_call(server, "CreateUserPool", body)
    assert r.status == 400, r
    assert r.json()["__type"] == "SerializationException", r
    assert r.header("x-amzn-ErrorType").startswith("SerializationException"), r


@pytest.mark.parametrize("body", [b"[]", b'"CreateUserPool"', b"42"])
def test_non_object_body_is_serialization_exception(server, body):
    r = raw_call(server, "CreateUserPool", body)
    assert r.status == 400, r
    assert r.json()["__type"] == "SerializationException", r


def test_wrong_type_names_member_raw(server):
    r = raw_call(server, "CreateUserPool", {"PoolName": 123})
    assert r.status == 400, r
    body = r.json()
    assert body["__type"] == "SerializationException", body
    assert "poolname" in body["message"].lower(), body


def test_wrong_type_through_boto3(idp_novalidate):
    with client_error("SerializationException", message_contains_ci=["PoolName"]):
        idp_novalidate.create_user_pool(PoolName=123)

    with client_error("SerializationException", message_contains_ci=["MaxResults"]):
        idp_novalidate.list_user_pools(MaxResults="ten")

    with client_error("SerializationException", message_contains_ci=["MinimumLength"]):
        idp_novalidate.create_user_pool(PoolName=unique("t"), Policies={"PasswordPolicy": {"MinimumLength": "eight"}})



@pytest.mark.parametrize("body,member", [
    ({"PoolName": "x", "AutoVerifiedAttributes": "email"}, "AutoVerifiedAttributes"),  # string for a list
    ({"PoolName": "x", "UserPoolTags": ["a", "b"]}, "UserPoolTags"),  # list for a map
    ({"PoolName": "x", "Policies": "strict"}, "Policies"),  # string for a structure
    ({"PoolName": "x", "DeletionProtection": True}, "DeletionProtection"),  # boolean for an enum string
    ({"PoolName": "x", "UsernameConfiguration": {"CaseSensitive": "no"}}, "CaseSensitive"),  # string for a bool
])
def test_wrong_container_types_name_member(server, body, member):
    r = raw_call(server, "CreateUserPool", body)
    assert r.status == 400, r
    err = r.json()
    assert err["__type"] == "SerializationException", err
    assert member.lower() in err["message"].lower(), err


# --- Parameter validation --------------------------------------------------------------------------------------


def test_missing_required_member_exact_aws_message(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.describe_user_pool()
    msg = assert_client_error(e, "InvalidParameterException")
    assert msg == (
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: "
        "Member must not be null"
    ), msg


def test_missing_required_members(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool()
    assert_validation_error(e, "poolName")
    assert "must not be null" in e.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as e:
        idp_novalidate.list_user_pools()
    assert_validation_error(e, "maxResults")

    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool_client(UserPoolId="us-east-1_Whatever0")
    assert_validation_error(e, "clientName")


@pytest.mark.parametrize("name", ["", "x" * 129])
def test_pool_name_length(idp_novalidate, name):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=name)
    msg = assert_validation_error(e, "poolName")
    assert "length" in msg.lower(), msg


@pytest.mark.parametrize("n", [0, 61])
def test_max_results_range(idp_novalidate, n):
    with pytest.raises(ClientError) as e:
        idp_novalidate.list_user_pools(MaxResults=n)
    assert_validation_error(e, "maxResults")


def test_nested_value_range(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=unique("n"), Policies={"PasswordPolicy": {"MinimumLength": 5}})
    assert_validation_error(e, "minimumLength")


@pytest.mark.parametrize("name", ["bad/name", "semi;colon", "star*"])
def test_pool_name_pattern(idp_novalidate, name):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=name)
    msg = assert_validation_error(e, "poolName")
    assert "pattern" in msg.lower(), msg


def test_pool_id_pattern(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.describe_user_pool(UserPoolId="no-underscore-here")
    msg = assert_validation_error(e, "userPoolId")
    assert "pattern" in msg.lower(), msg


def test_bad_enum(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=unique("e"), MfaConfiguration="SOMETIMES")
    msg = assert_validation_error(e, "mfaConfiguration")
    assert "enum" in msg.lower() or "ON" in msg, msg

    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=unique("e"), DeletionProtection="MAYBE")
    assert_validation_error(e, "deletionProtection")

    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool_client(UserPoolId="us-east-1_Whatever0", ClientName="c",
                                               ExplicitAuthFlows=["ALLOW_EVERYTHING"])
    assert_validation_error(e, "explicitAuthFlows")


def test_several_validation_errors_are_all_reported(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName="bad/name", MfaConfiguration="SOMETIMES")
    msg = assert_client_error(e, "InvalidParameterException")
    assert msg.startswith("2 validation errors detected: "), msg
    assert validation_message_names(msg, "poolName") and validation_message_names(msg, "mfaConfiguration"), msg


def test_nested_list_member_is_named(idp_novalidate):
    with pytest.raises(ClientError) as e:
        idp_novalidate.create_user_pool(PoolName=unique("n"),
                                        Schema=[{"Name": "ok", "AttributeDataType": "String"},
                                                {"Name": "bad", "AttributeDataType": "Text"}])
    msg = assert_validation_error(e, "attributeDataType")
    assert "schema" in msg.lower(), msg


def test_bad_next_token(idp, pool):
    for token in ("not-a-token", "Zm9vOmJhcg"):
        with client_error("InvalidParameterException"):
            idp.list_user_pools(MaxResults=5, NextToken=token)
        with client_error("InvalidParameterException"):
            idp.list_user_pool_clients(UserPoolId=pool, MaxResults=5, NextToken=token)


def test_validation_happens_before_lookup(idp_novalidate):
    # A bad value is reported even though the pool does not exist.
    with pytest.raises(ClientError) as e:
        idp_novalidate.list_user_pool_clients(UserPoolId="us-east-1_Missing32", MaxResults=100)
    assert_validation_error(e, "maxResults")


def test_valid_boundaries_accepted(idp):
    name = "a" * 128
    pid = idp.create_user_pool(PoolName=name, Policies={"PasswordPolicy": {"MinimumLength": 6}})["UserPool"]["Id"]
    assert idp.describe_user_pool(UserPoolId=pid)["UserPool"]["Name"] == name
    assert len(idp.list_user_pools(MaxResults=60)["UserPools"]) >= 1
    idp.delete_user_pool(UserPoolId=pid)


# --- Unknown operation -----------------------------------------------------------------------------------------


def test_unknown_operation(server):
    r = raw_call(server, "FlyToTheMoon", {})
    assert r.status == 400, r
    assert r.json()["__type"] == "UnknownOperationException", r
    assert r.header("x-amzn-ErrorType").startswith("UnknownOperationException"), r
    assert r.header("x-amzn-RequestId")


def test_unknown_operation_unsigned(server):
    r = raw_call(server, "FlyToTheMoon", {}, sign=False)
    assert r.status == 400, r
    assert r.json()["__type"] == "UnknownOperationException", r


# --- CORS ------------------------------------------------------------------------------------------------------

PREFLIGHT_HEADERS = ["x-amz-target", "content-type", "authorization", "x-amz-date", "x-amz-user-agent",
                     "x-amz-security-token", "amz-sdk-invocation-id", "amz-sdk-request"]
EXPOSED = ["x-amzn-requestid", "x-amzn-errortype", "x-amzn-errormessage"]


def header_list(value):
    return {h.strip().lower() for h in (value or "").split(",") if h.strip()}


def test_cors_preflight(server):
    origin = "http://app.example.test:3000"
    r = raw_request(server, "OPTIONS", "/", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": ",".join(PREFLIGHT_HEADERS),
    })
    assert r.status in (200, 204), r
    acao = r.header("Access-Control-Allow-Origin")
    assert acao in ("*", origin), r
    methods = header_list(r.header("Access-Control-Allow-Methods"))
    assert "post" in methods or "*" in methods, r
    allowed = header_list(r.header("Access-Control-Allow-Headers"))
    missing = [h for h in PREFLIGHT_HEADERS if h not in allowed]
    assert not missing, f"preflight does not allow {missing}: {r}"


def test_cors_on_actual_responses(server):
    origin = "http://app.example.test:3000"
    for target, body, status in (("ListUserPools", {"MaxResults": 1}, 200),
                                 ("DescribeUserPool", {"UserPoolId": "us-east-1_Missing33"}, 400)):
        r = raw_call(server, target, body, extra_headers={"Origin": origin})
        assert r.status == status, r
        assert r.header("Access-Control-Allow-Origin") in ("*", origin), r
        exposed = header_list(r.header("Access-Control-Expose-Headers"))
        missing = [h for h in EXPOSED if h not in exposed]
        assert not missing, f"response does not expose {missing}: {r}"
