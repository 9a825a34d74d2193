"""User attributes: (Admin)UpdateUserAttributes, (Admin)DeleteUserAttributes, GetUserAttributeVerificationCode +
VerifyUserAttribute with mailed codes, custom attributes as strings in ID tokens, the client's ReadAttributes, and
email as an alias (sign-in with a verified email, AliasExistsException, ForceAliasCreation)."""

import pytest
from botocore.exceptions import ClientError

from conftest import assert_client_error, client_error
from userlib import PASSWORD, PASSWORD2, attr_map, attrs, codes_until_limit, jwt_claims, mask, new_email


SCHEMA = [
    {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
    {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
    {"Name": "beta", "AttributeDataType": "Boolean", "Mutable": True},
]


@pytest.fixture
def app(kit):
    pool = kit.pool(Schema=SCHEMA)
    return pool, kit.client(pool)


def test_update_email_sends_a_code_and_verify(kit, app):
    pool, cid = app
    old, new = new_email("old"), new_email("new")
    kit.sign_up(cid, "mover", email=old)
    tok = kit.sign_in(cid, "mover")["AccessToken"]

    r = kit.uidp.update_user_attributes(AccessToken=tok, UserAttributes=attrs({"email": new, "given_name": "Mo"}))
    assert r["CodeDeliveryDetailsList"] == [{"Destination": mask(new), "DeliveryMedium": "EMAIL",
                                             "AttributeName": "email"}]
    mail = kit.sink.next_message(new)
    code = mail.code()
    assert mail.subject == "Your verification code"
    assert mail.body.strip() == f"Your verification code is {code}."
    kit.sink.assert_no_new_message(old, within=0.5)
    m = attr_map(kit.get_user(tok)["UserAttributes"])
    assert m["email"] == new and m["email_verified"] == "false" and m["given_name"] == "Mo"

    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError) as ex:
        kit.uidp.verify_user_attribute(AccessToken=tok, AttributeName="email", Code=wrong)
    assert_client_error(ex, "CodeMismatchException")
    kit.uidp.verify_user_attribute(AccessToken=tok, AttributeName="email", Code=code)
    assert attr_map(kit.get_user(tok)["UserAttributes"])["email_verified"] == "true"
    with pytest.raises(ClientError) as ex:  # single use
        kit.uidp.verify_user_attribute(AccessToken=tok, AttributeName="email", Code=code)
    assert ex.value.response["Error"]["Code"] in ("ExpiredCodeException", "CodeMismatchException")
    # The new address receives password resets now.
    kit.uidp.forgot_password(ClientId=cid, Username="mover")
    assert kit.sink.next_code(new)


def test_get_user_attribute_verification_code_and_limit(kit, app):
    pool, cid = app
    email = new_email("gvc")
    kit.admin_user(pool, "gvc", email=email, verified=False)
    tok = kit.sign_in(cid, "gvc")["AccessToken"]
    # No code was requested yet.
    with client_error("ExpiredCodeException"):
        kit.uidp.verify_user_attribute(AccessToken=tok, AttributeName="email", Code="123456")

    codes = codes_until_limit(
        kit.sink, email, lambda: kit.uidp.get_user_attribute_verification_code(AccessToken=tok, AttributeName="email"))
    kit.uidp.verify_user_attribute(AccessToken=tok, AttributeName="email", Code=codes[-1])
    assert attr_map(kit.get_user(tok)["UserAttributes"])["email_verified"] == "true"

    # An attribute that cannot be verified (another user: the limit above is per user).
    kit.admin_user(pool, "gvc2", email=new_email("gvc2"), extra={"given_name": "G"})
    tok2 = kit.sign_in(cid, "gvc2")["AccessToken"]
    with client_error("InvalidParameterException"):
        kit.uidp.get_user_attribute_verification_code(AccessToken=tok2, AttributeName="given_name")


def test_admin_update_and_custom_attributes_in_tokens(kit, app):
    pool, cid = app
    kit.admin_user(pool, "cu", email=new_email("cu"))
    kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="cu", UserAttributes=attrs({
        "given_name": "Cu", "family_name": "Stom", "custom:tier": "gold", "custom:level": "42",
        "custom:beta": "true"}))
    got = attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username="cu")["UserAttributes"])
    assert got["given_name"] == "Cu" and got["custom:tier"] == "gold" and got["custom:level"] == "42"
    assert got["custom:beta"] == "true"

    t = kit.sign_in(cid, "cu")
    idc = jwt_claims(t["IdToken"])
    assert idc["custom:tier"] == "gold"
    assert idc["custom:level"] == "42", "custom attributes are strings in ID tokens, whatever their type"
    assert idc["custom:beta"] == "true"
    assert idc["given_name"] == "Cu" and idc["family_name"] == "Stom"
    assert idc["email_verified"] is True
    me = attr_map(kit.get_user(t["AccessToken"])["UserAttributes"])
    assert me["custom:level"] == "42"

    # Deletion, admin and self.
    kit.idp.admin_delete_user_attributes(UserPoolId=pool, Username="cu", UserAttributeNames=["family_name"])
    kit.uidp.delete_user_attributes(AccessToken=t["AccessToken"], UserAttributeNames=["custom:tier"])
    after = attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username="cu")["UserAttributes"])
    assert "family_name" not in after and "custom:tier" not in after
    assert after["given_name"] == "Cu"
    idc = jwt_claims(kit.refresh(cid, t["RefreshToken"])["IdToken"])
    assert "family_name" not in idc and "custom:tier" not in idc and idc["given_name"] == "Cu"

    # Self-service update of a custom attribute.
    kit.uidp.update_user_attributes(AccessToken=t["AccessToken"], UserAttributes=attrs({"custom:tier": "silver"}))
    assert attr_map(kit.get_user(t["AccessToken"])["UserAttributes"])["custom:tier"] == "silver"


def test_attribute_validation(kit, app):
    pool, cid = app
    kit.admin_user(pool, "val", email=new_email("val"))
    tok = kit.sign_in(cid, "val")["AccessToken"]
    for bad in ({"custom:undeclared": "x"}, {"not_an_attribute": "x"}):
        with client_error("InvalidParameterException"):
            kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="val", UserAttributes=attrs(bad))
        with client_error("InvalidParameterException"):
            kit.uidp.update_user_attributes(AccessToken=tok, UserAttributes=attrs(bad))
        with client_error("InvalidParameterException"):
            kit.uidp.sign_up(ClientId=cid, Username="val2", Password=PASSWORD, UserAttributes=attrs(bad))
    # sub cannot be changed.
    sub = attr_map(kit.get_user(tok)["UserAttributes"])["sub"]
    with client_error("InvalidParameterException"):
        kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="val",
                                             UserAttributes=attrs({"sub": "11111111-2222-3333-4444-555555555555"}))
    assert attr_map(kit.get_user(tok)["UserAttributes"])["sub"] == sub
    # Unknown user.
    with client_error("UserNotFoundException"):
        kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="nobody",
                                             UserAttributes=attrs({"given_name": "x"}))


def test_read_attributes_restrict_id_token_and_get_user(kit, app):
    pool, cid = app
    narrow = kit.client(pool, ReadAttributes=["email", "email_verified"])
    kit.admin_user(pool, "ra", email=new_email("ra"), extra={"given_name": "Ra", "custom:tier": "gold"})

    full = kit.sign_in(cid, "ra")
    fc = jwt_claims(full["IdToken"])
    assert fc["given_name"] == "Ra" and fc["custom:tier"] == "gold"

    t = kit.sign_in(narrow, "ra")
    c = jwt_claims(t["IdToken"])
    assert "given_name" not in c and "custom:tier" not in c
    assert c["email"] and c["email_verified"] is True
    assert c["sub"] == fc["sub"] and c["cognito:username"] == "ra"
    m = attr_map(kit.get_user(t["AccessToken"])["UserAttributes"])
    assert "given_name" not in m and "custom:tier" not in m
    assert m["email"] == c["email"] and m["sub"] == c["sub"]
    # The wide client still sees everything on GetUser.
    assert attr_map(kit.get_user(full["AccessToken"])["UserAttributes"])["given_name"] == "Ra"


# --- Email as an alias --------------------------------------------------------------------------------------------


def test_email_alias_sign_in_and_alias_exists(kit):
    pool = kit.pool(AliasAttributes=["email"])
    cid = kit.client(pool)
    email = new_email("alias")

    kit.sign_up(cid, "first", email=email)  # confirmed with the mailed code: email verified
    t = kit.sign_in(cid, email)
    assert jwt_claims(t["IdToken"])["cognito:username"] == "first"
    assert kit.get_user(t["AccessToken"])["Username"] == "first"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="first")["Username"] == "first"

    # A second sign-up with the same email is allowed, but confirming it would take the verified alias.
    kit.sign_up(cid, "second", email=email, password=PASSWORD2, confirm=False)
    code = kit.sink.next_code(email)
    with client_error("AliasExistsException"):
        kit.uidp.confirm_sign_up(ClientId=cid, Username="second", ConfirmationCode=code)
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="second")["UserStatus"] == "UNCONFIRMED"
    assert jwt_claims(kit.sign_in(cid, email)["IdToken"])["cognito:username"] == "first"

    # ForceAliasCreation moves the alias: the email now signs in "second", and "first" loses its verified email.
    kit.uidp.resend_confirmation_code(ClientId=cid, Username="second")
    code = kit.sink.next_code(email)
    kit.uidp.confirm_sign_up(ClientId=cid, Username="second", ConfirmationCode=code, ForceAliasCreation=True)
    assert jwt_claims(kit.sign_in(cid, email, PASSWORD2)["IdToken"])["cognito:username"] == "second"
    first = attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username="first")["UserAttributes"])
    assert first.get("email_verified") == "false"
    kit.sign_in(cid, "first")  # the username still works


def test_unverified_email_is_not_an_alias(kit):
    pool = kit.pool(AliasAttributes=["email"])
    cid = kit.client(pool, PreventUserExistenceErrors="LEGACY")
    email = new_email("unv")
    kit.admin_user(pool, "unv", email=email, verified=False)
    kit.sign_in(cid, "unv")
    with pytest.raises(ClientError) as ex:
        kit.sign_in(cid, email)
    assert ex.value.response["Error"]["Code"] in ("UserNotFoundException", "NotAuthorizedException")


def test_admin_create_user_force_alias_creation(kit):
    pool = kit.pool(AliasAttributes=["email"])
    cid = kit.client(pool)
    email = new_email("force")
    kit.admin_user(pool, "owner", email=email)
    with client_error("AliasExistsException"):
        kit.idp.admin_create_user(UserPoolId=pool, Username="taker", MessageAction="SUPPRESS",
                                  UserAttributes=attrs({"email": email, "email_verified": "true"}))
    with client_error("UserNotFoundException"):
        kit.idp.admin_get_user(UserPoolId=pool, Username="taker")
    kit.idp.admin_create_user(UserPoolId=pool, Username="taker", MessageAction="SUPPRESS", ForceAliasCreation=True,
                              UserAttributes=attrs({"email": email, "email_verified": "true"}))
    kit.idp.admin_set_user_password(UserPoolId=pool, Username="taker", Password=PASSWORD2, Permanent=True)
    assert jwt_claims(kit.sign_in(cid, email, PASSWORD2)["IdToken"])["cognito:username"] == "taker"
    owner = attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username="owner")["UserAttributes"])
    assert owner.get("email_verified") == "false"


def test_boolean_values_in_any_case_are_stored_lowercase(kit):
    """AWS's own examples write `email_verified` as "True"; scripts that copy them were refused. Cognito accepts the
    Boolean values in any case and stores them as true/false — and "True" really verifies: the email signs in as
    an alias."""
    pool = kit.pool(AliasAttributes=["email"], Schema=SCHEMA)
    cid = kit.client(pool)
    email = new_email("cased")
    kit.idp.admin_create_user(UserPoolId=pool, Username="cased", MessageAction="SUPPRESS",
                              UserAttributes=attrs({"email": email, "email_verified": "True",
                                                    "custom:beta": "FALSE"}))
    kit.idp.admin_set_user_password(UserPoolId=pool, Username="cased", Password=PASSWORD, Permanent=True)
    got = attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username="cased")["UserAttributes"])
    assert got["email_verified"] == "true" and got["custom:beta"] == "false"
    t = kit.sign_in(cid, email)
    claims = jwt_claims(t["IdToken"])
    assert claims["cognito:username"] == "cased" and claims["email_verified"] is True

    kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="cased",
                                         UserAttributes=attrs({"custom:beta": "tRuE"}))
    kit.uidp.update_user_attributes(AccessToken=t["AccessToken"], UserAttributes=attrs({"custom:beta": "False"}))
    assert attr_map(kit.get_user(t["AccessToken"])["UserAttributes"])["custom:beta"] == "false"
    for bad in ("yes", "1", "T"):
        with client_error("InvalidParameterException"):
            kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="cased",
                                                 UserAttributes=attrs({"custom:beta": bad}))


@pytest.mark.parametrize("who", ["admin", "user"])
def test_changing_email_to_another_users_in_email_sign_in_pool_is_alias_exists(kit, who):
    """In a pool that signs in by email, (Admin)UpdateUserAttributes to an address another account has answers
    AliasExistsException (the only clash the operations' models name; boto3 clients catch exactly that), not
    UsernameExistsException. Nothing changes."""
    pool = kit.pool(UsernameAttributes=["email"])
    cid = kit.client(pool)
    taken, mine = new_email("taken"), new_email("mine")
    kit.admin_user(pool, taken, email=taken)
    kit.admin_user(pool, mine, email=mine)
    with client_error("AliasExistsException", message_contains=["An account with the given email already exists."]):
        if who == "admin":
            kit.idp.admin_update_user_attributes(UserPoolId=pool, Username=mine,
                                                 UserAttributes=attrs({"email": taken}))
        else:
            token = kit.sign_in(cid, mine)["AccessToken"]
            kit.uidp.update_user_attributes(AccessToken=token, UserAttributes=attrs({"email": taken}))
    assert attr_map(kit.idp.admin_get_user(UserPoolId=pool, Username=mine)["UserAttributes"])["email"] == mine
    assert jwt_claims(kit.sign_in(cid, taken)["IdToken"])["email"] == taken
    # Creating a second account with the address is still UsernameExistsException.
    with client_error("UsernameExistsException"):
        kit.idp.admin_create_user(UserPoolId=pool, Username=taken, MessageAction="SUPPRESS")
