"""TagResource / UntagResource / ListTagsForResource, Get/SetUserPoolMfaConfig and GetCSVHeader."""

import pytest

from conftest import DEFAULT_ACCOUNT, client_error, unique

CSV_STANDARD = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
]


def arn_of(idp, pool_id):
    return idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]


# --- Tags ------------------------------------------------------------------------------------------------------


def test_tag_untag_list(idp):
    pid = idp.create_user_pool(PoolName=unique("tags"), UserPoolTags={"initial": "1"})["UserPool"]["Id"]
    arn = arn_of(idp, pid)
    assert arn == f"arn:aws:cognito-idp:us-east-1:{DEFAULT_ACCOUNT}:userpool/{pid}"
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"initial": "1"}

    r = idp.tag_resource(ResourceArn=arn, Tags={"env": "test", "owner": "alice"})
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"initial": "1", "env": "test", "owner": "alice"}

    # Tagging an existing key overwrites its value.
    idp.tag_resource(ResourceArn=arn, Tags={"env": "prod"})
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"]["env"] == "prod"

    r = idp.untag_resource(ResourceArn=arn, TagKeys=["initial", "owner", "never-set"])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert idp.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "prod"}
    # The pool itself shows the same tags.
    assert idp.describe_user_pool(UserPoolId=pid)["UserPool"]["UserPoolTags"] == {"env": "prod"}

    idp.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert idp.list_tags_for_resource(ResourceArn=arn).get("Tags", {}) == {}
    idp.delete_user_pool(UserPoolId=pid)


def test_tags_of_missing_pool(idp):
    arn = f"arn:aws:cognito-idp:us-east-1:{DEFAULT_ACCOUNT}:userpool/us-east-1_Missing20"
    for call in (
        lambda: idp.list_tags_for_resource(ResourceArn=arn),
        lambda: idp.tag_resource(ResourceArn=arn, Tags={"a": "b"}),
        lambda: idp.untag_resource(ResourceArn=arn, TagKeys=["a"]),
    ):
        with client_error("ResourceNotFoundException"):
            call()


def test_tags_of_deleted_pool(idp):
    pid = idp.create_user_pool(PoolName=unique("tagdel"))["UserPool"]["Id"]
    arn = arn_of(idp, pid)
    idp.delete_user_pool(UserPoolId=pid)
    with client_error("ResourceNotFoundException"):
        idp.list_tags_for_resource(ResourceArn=arn)


# --- MFA -------------------------------------------------------------------------------------------------------


def test_mfa_config_defaults(idp, pool):
    r = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert r["MfaConfiguration"] == "OFF"
    assert r.get("SoftwareTokenMfaConfiguration", {"Enabled": False}) == {"Enabled": False}


def test_unconfigured_factors_are_absent(idp, pool):
    """Cognito leaves out a factor nobody configured. Terraform reads a present SoftwareTokenMfaConfiguration as a
    `software_token_mfa_configuration` block, so a pool that never set one showed drift on every plan."""
    r = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert r["MfaConfiguration"] == "OFF"
    for factor in ("SoftwareTokenMfaConfiguration", "SmsMfaConfiguration", "EmailMfaConfiguration",
                   "WebAuthnConfiguration"):
        assert factor not in r, f"{factor} reported for a pool that never configured it: {r}"
    # Turning MFA off without naming a factor (what Terraform sends on update) configures none either.
    r = idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    assert "SoftwareTokenMfaConfiguration" not in r
    assert "SoftwareTokenMfaConfiguration" not in idp.get_user_pool_mfa_config(UserPoolId=pool)
    # Once configured, it is reported, even when disabled.
    idp.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": False},
                                 MfaConfiguration="OFF")
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["SoftwareTokenMfaConfiguration"] == {"Enabled": False}


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_set_mfa_with_software_token(idp, pool, mode):
    r = idp.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration=mode
    )
    assert r["MfaConfiguration"] == mode
    assert r["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    g = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert g["MfaConfiguration"] == mode
    assert g["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == mode

    # Back to OFF.
    r = idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    assert r["MfaConfiguration"] == "OFF"
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "OFF"


def test_mfa_on_without_factor_is_refused(idp, pool):
    with client_error("InvalidParameterException"):
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON")
    with client_error("InvalidParameterException"):
        idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON",
                                     SoftwareTokenMfaConfiguration={"Enabled": False})
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "OFF"


def test_mfa_config_of_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.get_user_pool_mfa_config(UserPoolId="us-east-1_Missing21")
    with client_error("ResourceNotFoundException"):
        idp.set_user_pool_mfa_config(UserPoolId="us-east-1_Missing21", MfaConfiguration="OFF")


# --- CSV header ------------------------------------------------------------------------------------------------


def test_csv_header_standard(idp, pool):
    r = idp.get_csv_header(UserPoolId=pool)
    assert r["UserPoolId"] == pool
    assert r["CSVHeader"] == CSV_STANDARD


def test_csv_header_with_custom_attributes(idp):
    pid = idp.create_user_pool(
        PoolName=unique("csv"),
        Schema=[{"Name": "tier", "AttributeDataType": "String"}, {"Name": "score", "AttributeDataType": "Number"}],
    )["UserPool"]["Id"]
    idp.add_custom_attributes(UserPoolId=pid, CustomAttributes=[{"Name": "later", "AttributeDataType": "String"}])
    header = idp.get_csv_header(UserPoolId=pid)["CSVHeader"]
    assert header[: len(CSV_STANDARD)] == CSV_STANDARD
    assert sorted(header[len(CSV_STANDARD):-1]) == ["custom:score", "custom:tier"]
    assert header[-1] == "custom:later"
    idp.delete_user_pool(UserPoolId=pid)


def test_csv_header_of_missing_pool(idp):
    with client_error("ResourceNotFoundException"):
        idp.get_csv_header(UserPoolId="us-east-1_Missing22")


def test_update_user_pool_keeps_mfa_on_with_totp(idp, pool):
    """Terraform re-sends `MfaConfiguration = OPTIONAL` with every UpdateUserPool of a pool whose only factor is
    TOTP (set by SetUserPoolMfaConfig). Cognito accepts it; Latchkey demanded an SMS configuration."""
    idp.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="OPTIONAL")
    idp.update_user_pool(UserPoolId=pool, MfaConfiguration="OPTIONAL", AutoVerifiedAttributes=["email"])
    d = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert d["MfaConfiguration"] == "OPTIONAL" and d["AutoVerifiedAttributes"] == ["email"]
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    # Without an enabled factor, MFA still needs the SMS configuration.
    idp.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": False},
                                 MfaConfiguration="OFF")
    with client_error("InvalidParameterException"):
        idp.update_user_pool(UserPoolId=pool, MfaConfiguration="ON")
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "OFF"
