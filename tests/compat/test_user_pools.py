"""User pools through boto3: CreateUserPool / DescribeUserPool / ListUserPools / UpdateUserPool / DeleteUserPool /
AddCustomAttributes, with the full UserPoolType shape and Cognito's defaults."""

import datetime as dt
import re

import pytest
from botocore.exceptions import ClientError

from conftest import DEFAULT_ACCOUNT, all_pools, assert_client_error, client_error, pages_of, unique

STANDARD_ATTRIBUTES = [
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
]
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def full_pool_request(name, deletion_protection="ACTIVE"):
    return dict(
        PoolName=name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": False,
                "RequireNumbers": True,
                "RequireSymbols": False,
                "PasswordHistorySize": 3,
                "TemporaryPasswordValidityDays": 3,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]},
        },
        DeletionProtection=deletion_protection,
        LambdaConfig={
            "PreSignUp": LAMBDA_ARN.format("pre-sign-up"),
            "PostConfirmation": LAMBDA_ARN.format("post-confirmation"),
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": LAMBDA_ARN.format("pre-token")},
        },
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        VerificationMessageTemplate={
            "SmsMessage": "Your SMS code is {####}",
            "EmailMessage": "Your email code is {####}",
            "EmailSubject": "Verify your email",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
        EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT", "ReplyToEmailAddress": "support@example.com"},
        UserPoolTags={"env": "compat", "team": "latchkey"},
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "SMSMessage": "Hello {username}, your code is {####}",
                "EmailMessage": "Hello {username}, your temporary password is {####}",
                "EmailSubject": "Welcome",
            },
        },
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "tier",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "16"},
            },
            {
                "Name": "score",
                "AttributeDataType": "Number",
                "Mutable": False,
                "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "100"},
            },
        ],
        UsernameConfiguration={"CaseSensitive": False},
        AccountRecoverySetting={
            "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}, {"Priority": 2, "Name": "verified_phone_number"}]
        },
        UserPoolTier="ESSENTIALS",
    )


def attr(pool, name):
    matches = [a for a in pool["SchemaAttributes"] if a["Name"] == name]
    assert len(matches) == 1, f"{name}: {len(matches)} schema entries"
    return matches[0]


def assert_recent(ts):
    assert isinstance(ts, dt.datetime), ts
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - ts).total_seconds()) < 300, f"timestamp {ts} is not close to now {now}"


# ---------------------------------------------------------------------------------------------------------------


def test_create_minimal_pool_has_cognito_defaults(idp):
    name = unique("minimal")
    created = idp.create_user_pool(PoolName=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    pool = created["UserPool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool["Id"]), pool["Id"]
    assert pool["Name"] == name
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:{DEFAULT_ACCOUNT}:userpool/{pool['Id']}"
    assert pool["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 8,
        "RequireUppercase": True,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "TemporaryPasswordValidityDays": 7,
    }
    assert pool["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert pool["DeletionProtection"] == "INACTIVE"
    assert pool["MfaConfiguration"] == "OFF"
    assert pool["VerificationMessageTemplate"]["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert pool["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert pool["EstimatedNumberOfUsers"] == 0
    assert_recent(pool["CreationDate"])
    assert_recent(pool["LastModifiedDate"])
    assert "AliasAttributes" not in pool and "UsernameAttributes" not in pool

    names = [a["Name"] for a in pool["SchemaAttributes"]]
    assert names == STANDARD_ATTRIBUTES
    sub = attr(pool, "sub")
    assert sub["Required"] is True and sub["Mutable"] is False and sub["AttributeDataType"] == "String"
    assert sub["DeveloperOnlyAttribute"] is False
    assert attr(pool, "email")["Required"] is False and attr(pool, "email")["Mutable"] is True
    assert attr(pool, "email_verified")["AttributeDataType"] == "Boolean"
    assert attr(pool, "updated_at")["AttributeDataType"] == "Number"

    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described == pool


def test_create_full_pool_round_trips(idp):
    req = full_pool_request(unique("full"))
    pool = idp.create_user_pool(**req)["UserPool"]
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described == pool, "DescribeUserPool differs from the CreateUserPool answer"

    assert pool["Name"] == req["PoolName"]
    assert pool["Policies"] == req["Policies"]
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["LambdaConfig"] == req["LambdaConfig"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameAttributes"] == ["email"]
    assert "AliasAttributes" not in pool
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["VerificationMessageTemplate"] == req["VerificationMessageTemplate"]
    # The legacy top-level members mirror the template.
    assert pool["EmailVerificationMessage"] == "Your email code is {####}"
    assert pool["EmailVerificationSubject"] == "Verify your email"
    assert pool["SmsVerificationMessage"] == "Your SMS code is {####}"
    assert pool["UserAttributeUpdateSettings"] == req["UserAttributeUpdateSettings"]
    assert pool["DeviceConfiguration"] == req["DeviceConfiguration"]
    assert pool["EmailConfiguration"] == req["EmailConfiguration"]
    assert pool["UserPoolTags"] == req["UserPoolTags"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["AdminCreateUserConfig"]["InviteMessageTemplate"] == req["AdminCreateUserConfig"]["InviteMessageTemplate"]
    # UnusedAccountValidityDays is kept equal to TemporaryPasswordValidityDays.
    assert pool["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 3
    assert pool["AccountRecoverySetting"] == req["AccountRecoverySetting"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert pool["MfaConfiguration"] == "OFF"

    names = [a["Name"] for a in pool["SchemaAttributes"]]
    assert names[: len(STANDARD_ATTRIBUTES)] == STANDARD_ATTRIBUTES
    assert sorted(names[len(STANDARD_ATTRIBUTES):]) == ["custom:score", "custom:tier"]
    assert attr(pool, "email")["Required"] is True
    tier = attr(pool, "custom:tier")
    assert tier == {
        "Name": "custom:tier",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "16"},
    }
    score = attr(pool, "custom:score")
    assert score == {
        "Name": "custom:score",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": False,
        "Mutable": False,
        "Required": False,
        "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "100"},
    }

    # Clean up: deletion protection must be lifted first.
    idp.update_user_pool(UserPoolId=pool["Id"], DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool["Id"])


def test_alias_attributes_pool(idp):
    pool = idp.create_user_pool(PoolName=unique("alias"), AliasAttributes=["email", "preferred_username"])["UserPool"]
    assert pool["AliasAttributes"] == ["email", "preferred_username"]
    assert "UsernameAttributes" not in pool
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["AliasAttributes"] == ["email", "preferred_username"]


def test_legacy_verification_messages_fill_the_template(idp):
    pool = idp.create_user_pool(
        PoolName=unique("legacy"),
        EmailVerificationMessage="Legacy code {####}",
        EmailVerificationSubject="Legacy subject",
        SmsVerificationMessage="Legacy sms {####}",
    )["UserPool"]
    d = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    for p in (pool, d):
        assert p["EmailVerificationMessage"] == "Legacy code {####}"
        assert p["EmailVerificationSubject"] == "Legacy subject"
        assert p["SmsVerificationMessage"] == "Legacy sms {####}"
        t = p["VerificationMessageTemplate"]
        assert t["EmailMessage"] == "Legacy code {####}"
        assert t["EmailSubject"] == "Legacy subject"
        assert t["SmsMessage"] == "Legacy sms {####}"
        assert t["DefaultEmailOption"] == "CONFIRM_WITH_CODE"


def test_template_fills_the_legacy_messages_on_update(idp, pool):
    idp.update_user_pool(
        UserPoolId=pool,
        VerificationMessageTemplate={
            "EmailMessage": "Template code {####}",
            "EmailSubject": "Template subject",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
    )
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert d["EmailVerificationMessage"] == "Template code {####}"
    assert d["EmailVerificationSubject"] == "Template subject"
    assert d["VerificationMessageTemplate"]["EmailMessage"] == "Template code {####}"


def test_unicode_and_json_escapes_round_trip(idp):
    message = 'Hallo "Jürgen" \\ ünïcødé 😀\n\tYour code: {####}'
    pool = idp.create_user_pool(
        PoolName=unique("uni"),
        VerificationMessageTemplate={"EmailMessage": message, "EmailSubject": "Grüße 😀",
                                     "DefaultEmailOption": "CONFIRM_WITH_CODE"},
        UserPoolTags={"Straße": "Grüße 😀 \"quoted\""},
    )["UserPool"]
    d = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert d["VerificationMessageTemplate"]["EmailMessage"] == message
    assert d["EmailVerificationMessage"] == message
    assert d["VerificationMessageTemplate"]["EmailSubject"] == "Grüße 😀"
    assert d["UserPoolTags"] == {"Straße": 'Grüße 😀 "quoted"'}
    idp.delete_user_pool(UserPoolId=pool["Id"])


def test_username_and_alias_attributes_together_are_refused(idp):
    with client_error("InvalidParameterException"):
        idp.create_user_pool(PoolName=unique("both"), UsernameAttributes=["email"], AliasAttributes=["phone_number"])


def test_mfa_on_without_sms_configuration_is_refused(idp):
    with client_error("InvalidParameterException"):
        idp.create_user_pool(PoolName=unique("mfa"), MfaConfiguration="ON")


def test_describe_missing_pool(idp):
    with client_error("ResourceNotFoundException", message_contains=["us-east-1_Missing00"]):
        idp.describe_user_pool(UserPoolId="us-east-1_Missing00")


# --- UpdateUserPool --------------------------------------------------------------------------------------------


def test_update_resets_omitted_settings_and_keeps_identity(idp):
    req = full_pool_request(unique("upd"), deletion_protection="ACTIVE")
    req["UserPoolTier"] = "PLUS"
    before = idp.create_user_pool(**req)["UserPool"]
    pid = before["Id"]

    new_policies = {
        "PasswordPolicy": {
            "MinimumLength": 10,
            "RequireUppercase": False,
            "RequireLowercase": True,
            "RequireNumbers": False,
            "RequireSymbols": True,
            "TemporaryPasswordValidityDays": 5,
        }
    }
    r = idp.update_user_pool(UserPoolId=pid, Policies=new_policies, AutoVerifiedAttributes=["email"])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    after = idp.describe_user_pool(UserPoolId=pid)["UserPool"]

    # What was given.
    assert after["Policies"]["PasswordPolicy"] == new_policies["PasswordPolicy"]
    assert after["AutoVerifiedAttributes"] == ["email"]
    # Omitted settings return to their defaults.
    assert after["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert after.get("LambdaConfig", {}) == {}
    assert "DeviceConfiguration" not in after
    assert after["VerificationMessageTemplate"] == {"DefaultEmailOption": "CONFIRM_WITH_CODE"}
    assert "EmailVerificationMessage" not in after
    assert "EmailVerificationSubject" not in after
    assert "SmsVerificationMessage" not in after
    assert after["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert after["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "InviteMessageTemplate" not in after["AdminCreateUserConfig"]
    assert after["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 5
    assert after.get("UserAttributeUpdateSettings", {}).get("AttributesRequireVerificationBeforeUpdate", []) == []
    assert after.get("AccountRecoverySetting") != req["AccountRecoverySetting"]
    assert after["MfaConfiguration"] == "OFF"
    # Kept although omitted: identity, name, tags, deletion protection, tier, schema, username settings.
    for key in ("Id", "Arn", "Name", "UserPoolTags", "SchemaAttributes", "UsernameAttributes",
                "UsernameConfiguration", "CreationDate"):
        assert after[key] == before[key], key
    assert after["DeletionProtection"] == "ACTIVE"
    assert after["UserPoolTier"] == "PLUS"
    assert after["LastModifiedDate"] >= before["LastModifiedDate"]

    # Given explicitly, they change.
    idp.update_user_pool(UserPoolId=pid, PoolName="renamed-pool", DeletionProtection="INACTIVE",
                         UserPoolTags={"only": "this"}, UserPoolTier="ESSENTIALS")
    again = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
    assert again["Name"] == "renamed-pool"
    assert again["DeletionProtection"] == "INACTIVE"
    assert again["UserPoolTags"] == {"only": "this"}
    assert again["UserPoolTier"] == "ESSENTIALS"
    # And the policies set by the first update were reset by this one.
    assert again["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    idp.delete_user_pool(UserPoolId=pid)


def test_update_sets_every_setting(idp, pool):
    full = full_pool_request("ignored")
    settings = {k: full[k] for k in (
        "Policies", "LambdaConfig", "AutoVerifiedAttributes", "VerificationMessageTemplate",
        "UserAttributeUpdateSettings", "DeviceConfiguration", "EmailConfiguration", "AdminCreateUserConfig",
        "AccountRecoverySetting",
    )}
    idp.update_user_pool(UserPoolId=pool, **settings)
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    for k in ("Policies", "LambdaConfig", "AutoVerifiedAttributes", "VerificationMessageTemplate",
              "UserAttributeUpdateSettings", "DeviceConfiguration", "EmailConfiguration", "AccountRecoverySetting"):
        assert d[k] == settings[k], k
    assert d["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert d["EmailVerificationMessage"] == "Your email code is {####}"


def test_update_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.update_user_pool(UserPoolId="us-east-1_Missing01")


# --- DeleteUserPool --------------------------------------------------------------------------------------------


def test_delete_pool(idp):
    pid = idp.create_user_pool(PoolName=unique("del"))["UserPool"]["Id"]
    r = idp.delete_user_pool(UserPoolId=pid)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    with client_error("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId=pid)
    with client_error("ResourceNotFoundException"):
        idp.delete_user_pool(UserPoolId=pid)


def test_delete_protected_pool_is_refused_until_unprotected(idp):
    pid = idp.create_user_pool(PoolName=unique("prot"), DeletionProtection="ACTIVE")["UserPool"]["Id"]
    with client_error("InvalidParameterException"):
        idp.delete_user_pool(UserPoolId=pid)
    assert idp.describe_user_pool(UserPoolId=pid)["UserPool"]["Id"] == pid
    idp.update_user_pool(UserPoolId=pid, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pid)
    with client_error("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId=pid)


def test_delete_pool_deletes_its_clients(idp):
    pid = idp.create_user_pool(PoolName=unique("delc"))["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c")["UserPoolClient"]["ClientId"]
    idp.delete_user_pool(UserPoolId=pid)
    with client_error("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pid, ClientId=cid)


# --- ListUserPools ---------------------------------------------------------------------------------------------


def test_list_user_pools_pagination(server):
    # A region nobody else uses in this suite, so the listing is exactly what this test created.
    c = server.client(region="ap-southeast-2")
    created = {}
    for i in range(7):
        p = c.create_user_pool(PoolName=f"page-{i}")["UserPool"]
        created[p["Id"]] = p
    got = pages_of(c.list_user_pools, "NextToken", "UserPools", 3, 10, MaxResults=3)
    seen = []
    for d in (d for r in got for d in r["UserPools"]):
        assert d["Id"].startswith("ap-southeast-2_")
        p = created[d["Id"]]
        assert d["Name"] == p["Name"]
        assert d["CreationDate"] == p["CreationDate"]
        assert d["LastModifiedDate"] == p["LastModifiedDate"]
        assert d.get("LambdaConfig", {}) == {}
        seen.append(d["Id"])
    assert len(seen) == len(set(seen)), f"duplicates: {seen}"
    assert set(seen) == set(created)
    assert len(got) >= 3

    # boto3's paginator walks the same tokens.
    paged = [d["Id"] for page in c.get_paginator("list_user_pools").paginate(MaxResults=2) for d in page["UserPools"]]
    assert sorted(paged) == sorted(created)

    # A page size larger than the count returns everything without a token.
    r = c.list_user_pools(MaxResults=60)
    assert sorted(d["Id"] for d in r["UserPools"]) == sorted(created)
    assert "NextToken" not in r

    # Deleted pools disappear from the listing.
    gone = next(iter(created))
    c.delete_user_pool(UserPoolId=gone)
    remaining = [d["Id"] for d in c.list_user_pools(MaxResults=60)["UserPools"]]
    assert gone not in remaining and len(remaining) == 6


def test_list_user_pools_token_survives_deletion(server):
    """A NextToken stays valid when the pool it points after is deleted; nothing is skipped or repeated."""
    c = server.client(region="sa-east-1")
    made = {c.create_user_pool(PoolName=f"del-page-{i}")["UserPool"]["Id"] for i in range(6)}
    first = c.list_user_pools(MaxResults=3)
    page1 = [d["Id"] for d in first["UserPools"]]
    assert len(page1) == 3 and first.get("NextToken")
    c.delete_user_pool(UserPoolId=page1[-1])
    rest, token = [], first["NextToken"]
    while token:
        r = c.list_user_pools(MaxResults=3, NextToken=token)
        rest += [d["Id"] for d in r["UserPools"]]
        token = r.get("NextToken")
    assert not set(rest) & set(page1), (page1, rest)
    assert set(page1) | set(rest) == made


# --- AddCustomAttributes ---------------------------------------------------------------------------------------


def test_add_custom_attributes(idp, pool):
    r = idp.add_custom_attributes(
        UserPoolId=pool,
        CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "32"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True,
             "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "9"}},
        ],
    )
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    plan = attr(d, "custom:plan")
    assert plan["AttributeDataType"] == "String" and plan["Mutable"] is True and plan["Required"] is False
    assert plan["StringAttributeConstraints"] == {"MinLength": "0", "MaxLength": "32"}
    level = attr(d, "custom:level")
    assert level["AttributeDataType"] == "Number"
    assert level["NumberAttributeConstraints"] == {"MinValue": "1", "MaxValue": "9"}
    assert [a["Name"] for a in d["SchemaAttributes"]][:20] == STANDARD_ATTRIBUTES


def test_add_existing_custom_attribute_is_refused(idp, pool):
    idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "dup", "AttributeDataType": "String"}])
    with client_error("InvalidParameterException"):
        idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "dup", "AttributeDataType": "String"}])
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert [a["Name"] for a in d["SchemaAttributes"]].count("custom:dup") == 1


def test_add_required_custom_attribute_is_refused(idp, pool):
    with client_error("InvalidParameterException"):
        idp.add_custom_attributes(
            UserPoolId=pool, CustomAttributes=[{"Name": "must", "AttributeDataType": "String", "Required": True}]
        )
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert "custom:must" not in [a["Name"] for a in d["SchemaAttributes"]]


def test_add_custom_attributes_to_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.add_custom_attributes(UserPoolId="us-east-1_Missing02",
                                  CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}])


# --- What Cognito refuses and counts, as clients written against it expect ------------------------------------


@pytest.mark.parametrize("call", ["create_user_pool", "add_custom_attributes"])
def test_custom_attribute_without_data_type_is_refused(idp, pool, call):
    """CloudFormation and the Amplify CLI report this exact Cognito message; Latchkey used to invent a String type.
    Nothing is stored: no pool is created, no attribute added."""
    before = {p["Id"] for p in all_pools(idp)}
    with pytest.raises(ClientError) as e:
        if call == "create_user_pool":
            idp.create_user_pool(PoolName=unique("notype"), Schema=[{"Name": "plan", "Mutable": True}])
        else:
            idp.add_custom_attributes(UserPoolId=pool, CustomAttributes=[{"Name": "plan", "Mutable": True}])
    assert_client_error(e, "InvalidParameterException", message_contains=[
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."])
    assert {p["Id"] for p in all_pools(idp)} == before
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert "custom:plan" not in [a["Name"] for a in d["SchemaAttributes"]]


def test_estimated_number_of_users_counts_the_users(idp, pool):
    """DescribeUserPool's EstimatedNumberOfUsers (Terraform's estimated_number_of_users) follows creations and
    deletions; it was always 0."""
    def estimated():
        return idp.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"]

    assert estimated() == 0
    for i in range(3):
        idp.admin_create_user(UserPoolId=pool, Username=f"counted{i}", MessageAction="SUPPRESS")
    assert estimated() == 3
    idp.admin_delete_user(UserPoolId=pool, Username="counted1")
    assert estimated() == 2
    # Another pool's users are not counted.
    other = idp.create_user_pool(PoolName=unique("other"))["UserPool"]["Id"]
    try:
        idp.admin_create_user(UserPoolId=other, Username="elsewhere", MessageAction="SUPPRESS")
        assert estimated() == 2
        assert idp.describe_user_pool(UserPoolId=other)["UserPool"]["EstimatedNumberOfUsers"] == 1
    finally:
        idp.delete_user_pool(UserPoolId=other)


# --- Hosted-UI customization through the API ------------------------------------------------------------------


def test_pool_level_ui_customization_is_read_back_with_client_id_all(idp, pool):
    """Terraform's `aws_cognito_user_pool_ui_customization` without a client id sets and reads with ClientId "ALL";
    the read answered ResourceNotFoundException, so the resource could never be created. Its destroy sends neither
    CSS nor image, which removes the customization."""
    css = ".banner-customizable { background-color: #123456; }"
    set_ = idp.set_ui_customization(UserPoolId=pool, ClientId="ALL", CSS=css)["UICustomization"]
    assert set_["ClientId"] == "ALL" and set_["CSS"] == css
    for kw in ({"ClientId": "ALL"}, {}):
        got = idp.get_ui_customization(UserPoolId=pool, **kw)["UICustomization"]
        assert got["UserPoolId"] == pool and got["ClientId"] == "ALL" and got["CSS"] == css, kw
        assert got["CSSVersion"] == set_["CSSVersion"] and "CreationDate" in got and "LastModifiedDate" in got
    # A client without its own customization shows the pool's.
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="ui")["UserPoolClient"]["ClientId"]
    assert idp.get_ui_customization(UserPoolId=pool, ClientId=cid)["UICustomization"]["CSS"] == css
    own = ".label-customizable { font-weight: 400; }"
    idp.set_ui_customization(UserPoolId=pool, ClientId=cid, CSS=own)
    assert idp.get_ui_customization(UserPoolId=pool, ClientId=cid)["UICustomization"]["CSS"] == own

    # Neither CSS nor image: the client's customization is gone and it falls back to the pool's...
    idp.set_ui_customization(UserPoolId=pool, ClientId=cid)
    assert idp.get_ui_customization(UserPoolId=pool, ClientId=cid)["UICustomization"]["CSS"] == css
    # ...and the pool's is gone too.
    idp.set_ui_customization(UserPoolId=pool, ClientId="ALL")
    got = idp.get_ui_customization(UserPoolId=pool, ClientId="ALL")["UICustomization"]
    assert "CSS" not in got and "CreationDate" not in got and "ImageUrl" not in got, got
    assert "CSS" not in idp.get_ui_customization(UserPoolId=pool, ClientId=cid)["UICustomization"]
    # A client id that is not the pool's is still refused.
    with client_error("ResourceNotFoundException"):
        idp.get_ui_customization(UserPoolId=pool, ClientId="nosuchclient0000000000000")
