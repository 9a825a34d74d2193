"""Administrator user management: AdminCreateUser (invitations mailed with the temporary password, SUPPRESS,
RESEND, templates), NEW_PASSWORD_REQUIRED through AdminInitiateAuth and InitiateAuth, AdminGetUser,
AdminConfirmSignUp, disable/enable, delete, AdminSetUserPassword and AdminResetUserPassword."""

import datetime as dt
import json
import re

import pytest
from botocore.exceptions import ClientError

from conftest import client_error
from userlib import PASSWORD, PASSWORD2, PASSWORD3, UUID_RE, attr_map, attrs, jwt_claims, new_email

INVITE_RE = re.compile(r"^Your username is (?P<user>.+) and temporary password is (?P<pw>.+)\.$", re.S)


def invitation(kit, email):
    """(username, temporary password) from the next invitation mailed to `email` (default template)."""
    mail = kit.sink.next_message(email)
    m = INVITE_RE.match(mail.body.strip())
    assert m, f"invitation does not follow the default template: {mail.body!r}"
    assert mail.subject.strip(), "invitation without a subject"
    return m.group("user"), m.group("pw")


def create(kit, pool, username, email, **kw):
    kw.setdefault("DesiredDeliveryMediums", ["EMAIL"])
    a = {"email": email, "email_verified": "true"}
    a.update(kw.pop("extra", {}))
    return kit.idp.admin_create_user(UserPoolId=pool, Username=username, UserAttributes=attrs(a), **kw)["User"]


def test_admin_create_user_with_invitation(kit, app):
    pool, cid = app
    email = new_email("inv")
    u = create(kit, pool, "invited", email, TemporaryPassword="Temp0rary!Pass", extra={"given_name": "Ivy"})
    assert u["Username"] == "invited"
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert u["Enabled"] is True
    assert isinstance(u["UserCreateDate"], dt.datetime) and isinstance(u["UserLastModifiedDate"], dt.datetime)
    m = attr_map(u["Attributes"])
    assert UUID_RE.fullmatch(m["sub"]) and m["email"] == email and m["given_name"] == "Ivy"
    assert m["email_verified"] == "true"

    user, pw = invitation(kit, email)
    assert (user, pw) == ("invited", "Temp0rary!Pass")

    got = kit.idp.admin_get_user(UserPoolId=pool, Username="invited")
    assert got["UserStatus"] == "FORCE_CHANGE_PASSWORD" and got["Enabled"] is True
    assert attr_map(got["UserAttributes"]) == m

    with client_error("UsernameExistsException", message_contains=["User account already exists"]):
        create(kit, pool, "invited", new_email(), MessageAction="SUPPRESS")


def test_new_password_required_via_admin_initiate_auth(kit, app):
    pool, cid = app
    email = new_email("npr-admin")
    create(kit, pool, "npr-a", email)  # generated temporary password
    user, temp = invitation(kit, email)
    assert user == "npr-a"
    assert len(temp) >= 8, temp

    r = kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                    AuthParameters={"USERNAME": "npr-a", "PASSWORD": temp})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED", r
    assert "AuthenticationResult" not in r
    assert isinstance(r["Session"], str) and len(r["Session"]) >= 20
    p = r["ChallengeParameters"]
    assert p["USER_ID_FOR_SRP"] == "npr-a"
    assert json.loads(p["requiredAttributes"]) == []
    ua = json.loads(p["userAttributes"])
    assert isinstance(ua, dict) and ua["email"] == email

    # A password the policy refuses: InvalidPasswordException, and the session stays usable.
    with client_error("InvalidPasswordException"):
        kit.idp.admin_respond_to_auth_challenge(
            UserPoolId=pool, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
            ChallengeResponses={"USERNAME": "npr-a", "NEW_PASSWORD": "weak"})
    # A tampered session is refused.
    s = r["Session"]
    i = len(s) // 2
    bad = s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
    with client_error("NotAuthorizedException", message_contains=["Invalid session for the user, session is expired."]):
        kit.idp.admin_respond_to_auth_challenge(
            UserPoolId=pool, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=bad,
            ChallengeResponses={"USERNAME": "npr-a", "NEW_PASSWORD": PASSWORD})
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="npr-a")["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    done = kit.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool, ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
        ChallengeResponses={"USERNAME": "npr-a", "NEW_PASSWORD": PASSWORD})
    t = done["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(t)
    assert jwt_claims(t["IdToken"])["cognito:username"] == "npr-a"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="npr-a")["UserStatus"] == "CONFIRMED"
    assert kit.get_user(t["AccessToken"])["Username"] == "npr-a"
    # The temporary password is gone; the new one works on both flows.
    with client_error("NotAuthorizedException", message_contains=["Incorrect username or password."]):
        kit.admin_sign_in(pool, cid, "npr-a", temp)
    kit.admin_sign_in(pool, cid, "npr-a", PASSWORD)
    kit.sign_in(cid, "npr-a", PASSWORD)


def test_new_password_required_via_initiate_auth(kit, app):
    pool, cid = app
    email = new_email("npr-user")
    create(kit, pool, "npr-u", email, TemporaryPassword="Temp0rary!Pass")
    assert invitation(kit, email) == ("npr-u", "Temp0rary!Pass")
    r = kit.initiate(cid, "npr-u", "Temp0rary!Pass")
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert r["ChallengeParameters"]["USER_ID_FOR_SRP"] == "npr-u"
    assert json.loads(r["ChallengeParameters"]["requiredAttributes"]) == []
    assert json.loads(r["ChallengeParameters"]["userAttributes"])["email"] == email
    done = kit.uidp.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
        ChallengeResponses={"USERNAME": "npr-u", "NEW_PASSWORD": PASSWORD2,
                            "userAttributes.given_name": "Una"})
    t = done["AuthenticationResult"]
    me = kit.get_user(t["AccessToken"])
    assert me["Username"] == "npr-u"
    assert attr_map(me["UserAttributes"])["given_name"] == "Una"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="npr-u")["UserStatus"] == "CONFIRMED"
    kit.sign_in(cid, "npr-u", PASSWORD2)


def test_legacy_admin_no_srp_auth_flow(kit, app):
    pool, cid = app
    kit.admin_user(pool, "legacy", email=new_email("legacy"))
    r = kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="ADMIN_NO_SRP_AUTH",
                                    AuthParameters={"USERNAME": "legacy", "PASSWORD": PASSWORD})
    t = r["AuthenticationResult"]
    assert kit.get_user(t["AccessToken"])["Username"] == "legacy"
    # AdminInitiateAuth refresh.
    r2 = kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH",
                                     AuthParameters={"REFRESH_TOKEN": t["RefreshToken"]})
    assert "RefreshToken" not in r2["AuthenticationResult"]
    assert kit.get_user(r2["AuthenticationResult"]["AccessToken"])["Username"] == "legacy"


def test_admin_create_user_config_members_are_optional(kit):
    """Every member of AdminCreateUserConfigType is optional in the API model."""
    pool = kit.pool(AdminCreateUserConfig={"InviteMessageTemplate": {"EmailSubject": "Hi",
                                                                     "EmailMessage": "{username} {####}"}})
    cfg = kit.idp.describe_user_pool(UserPoolId=pool)["UserPool"]["AdminCreateUserConfig"]
    assert cfg["AllowAdminCreateUserOnly"] is False
    assert cfg["InviteMessageTemplate"]["EmailSubject"] == "Hi"


def test_invite_message_template_suppress_and_resend(kit):
    pool = kit.pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": False, "InviteMessageTemplate": {
        "EmailSubject": "Join Widgets",
        "EmailMessage": "Hi {username}, your first password is <<{####}>> - change it soon",
    }})
    cid = kit.client(pool)
    email = new_email("tmplinv")
    create(kit, pool, "tina", email)
    mail = kit.sink.next_message(email)
    assert mail.subject == "Join Widgets"
    m = re.fullmatch(r"Hi tina, your first password is <<(.+)>> - change it soon", mail.body.strip())
    assert m, mail.body
    first = m.group(1)

    # SUPPRESS: no mail at all.
    quiet = new_email("quiet")
    u = create(kit, pool, "quiet", quiet, MessageAction="SUPPRESS", TemporaryPassword="Temp0rary!Pass")
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    kit.sink.assert_no_new_message(quiet)
    r = kit.initiate(cid, "quiet", "Temp0rary!Pass")
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    # RESEND: a new invitation to the existing FORCE_CHANGE_PASSWORD user, with a temporary password that works.
    kit.idp.admin_create_user(UserPoolId=pool, Username="tina", MessageAction="RESEND",
                              DesiredDeliveryMediums=["EMAIL"])
    mail = kit.sink.next_message(email)
    m = re.fullmatch(r"Hi tina, your first password is <<(.+)>> - change it soon", mail.body.strip())
    assert m, mail.body
    resent = m.group(1)
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "tina", "PASSWORD": resent})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    if resent != first:
        with client_error("NotAuthorizedException"):
            kit.sign_in(cid, "tina", first)

    # RESEND for nobody, or for a confirmed user.
    with client_error("UserNotFoundException"):
        kit.idp.admin_create_user(UserPoolId=pool, Username="nobody", MessageAction="RESEND")
    kit.admin_user(pool, "done", email=new_email("done"))
    with client_error("UnsupportedUserStateException"):
        kit.idp.admin_create_user(UserPoolId=pool, Username="done", MessageAction="RESEND",
                                  DesiredDeliveryMediums=["EMAIL"])


def test_admin_confirm_sign_up(kit, app):
    pool, cid = app
    email = new_email("adm-conf")
    kit.sign_up(cid, "ac", email=email, confirm=False)
    kit.sink.next_code(email)
    with client_error("UserNotConfirmedException"):
        kit.sign_in(cid, "ac")
    kit.idp.admin_confirm_sign_up(UserPoolId=pool, Username="ac")
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="ac")["UserStatus"] == "CONFIRMED"
    kit.sign_in(cid, "ac")
    with client_error("UserNotFoundException"):
        kit.idp.admin_confirm_sign_up(UserPoolId=pool, Username="nobody")


def test_disable_enable(kit, app):
    pool, cid = app
    kit.admin_user(pool, "dis", email=new_email("dis"))
    t = kit.sign_in(cid, "dis")
    kit.idp.admin_disable_user(UserPoolId=pool, Username="dis")
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="dis")["Enabled"] is False
    with client_error("NotAuthorizedException", message_contains=["User is disabled."]):
        kit.sign_in(cid, "dis")
    with client_error("NotAuthorizedException", message_contains=["User is disabled."]):
        kit.admin_sign_in(pool, cid, "dis")
    # Tokens issued before are no good any more.
    with client_error("NotAuthorizedException"):
        kit.get_user(t["AccessToken"])
    with client_error("NotAuthorizedException"):
        kit.refresh(cid, t["RefreshToken"])
    kit.idp.admin_enable_user(UserPoolId=pool, Username="dis")
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="dis")["Enabled"] is True
    assert kit.get_user(kit.sign_in(cid, "dis")["AccessToken"])["Username"] == "dis"


def test_admin_delete_and_self_delete(kit, app):
    pool, cid = app
    kit.admin_user(pool, "gone", email=new_email("gone"))
    kit.admin_user(pool, "self", email=new_email("self"))
    t_gone = kit.sign_in(cid, "gone")
    kit.idp.admin_delete_user(UserPoolId=pool, Username="gone")
    with client_error("UserNotFoundException", message_contains=["User does not exist."]):
        kit.idp.admin_get_user(UserPoolId=pool, Username="gone")
    with pytest.raises(ClientError) as ex:
        kit.get_user(t_gone["AccessToken"])
    assert ex.value.response["Error"]["Code"] in ("UserNotFoundException", "NotAuthorizedException")
    with client_error("UserNotFoundException"):
        kit.idp.admin_delete_user(UserPoolId=pool, Username="gone")

    t = kit.sign_in(cid, "self")
    kit.uidp.delete_user(AccessToken=t["AccessToken"])
    with client_error("UserNotFoundException"):
        kit.idp.admin_get_user(UserPoolId=pool, Username="self")
    with client_error("UserNotFoundException", message_contains=["User does not exist."]):
        kit.sign_in(cid, "self")
    # The name is free again.
    kit.admin_user(pool, "self", email=new_email("self2"))


def test_admin_set_user_password(kit, app):
    pool, cid = app
    email = new_email("setpw")
    create(kit, pool, "sp", email, MessageAction="SUPPRESS")
    with client_error("InvalidPasswordException"):
        kit.idp.admin_set_user_password(UserPoolId=pool, Username="sp", Password="weak", Permanent=True)
    kit.idp.admin_set_user_password(UserPoolId=pool, Username="sp", Password=PASSWORD, Permanent=True)
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="sp")["UserStatus"] == "CONFIRMED"
    kit.sign_in(cid, "sp", PASSWORD)

    kit.idp.admin_set_user_password(UserPoolId=pool, Username="sp", Password=PASSWORD2, Permanent=False)
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="sp")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "sp", "PASSWORD": PASSWORD2})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=r["Session"],
                                       ChallengeResponses={"USERNAME": "sp", "NEW_PASSWORD": PASSWORD3})
    kit.sign_in(cid, "sp", PASSWORD3)
    with client_error("UserNotFoundException"):
        kit.idp.admin_set_user_password(UserPoolId=pool, Username="nobody", Password=PASSWORD, Permanent=True)


def test_admin_reset_user_password(kit, app):
    pool, cid = app
    email = new_email("reset")
    kit.admin_user(pool, "rr", email=email)
    t = kit.sign_in(cid, "rr")
    kit.idp.admin_reset_user_password(UserPoolId=pool, Username="rr")
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="rr")["UserStatus"] == "RESET_REQUIRED"
    code = kit.sink.next_code(email)
    with client_error("PasswordResetRequiredException"):
        kit.sign_in(cid, "rr")
    with client_error("PasswordResetRequiredException"):
        kit.admin_sign_in(pool, cid, "rr")
    kit.uidp.confirm_forgot_password(ClientId=cid, Username="rr", ConfirmationCode=code, Password=PASSWORD2)
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="rr")["UserStatus"] == "CONFIRMED"
    kit.sign_in(cid, "rr", PASSWORD2)
    assert t  # tokens from before the reset are not asserted on: Cognito leaves them valid until expiry


def test_unknown_pool_and_user(kit, app):
    pool, cid = app
    with client_error("UserNotFoundException", message_contains=["User does not exist."]):
        kit.idp.admin_get_user(UserPoolId=pool, Username="nobody")
    with client_error("ResourceNotFoundException"):
        kit.idp.admin_get_user(UserPoolId="us-east-1_Nope0000", Username="nobody")
    with client_error("UserNotFoundException"):
        kit.idp.admin_disable_user(UserPoolId=pool, Username="nobody")


def test_desired_delivery_mediums(kit, app):
    """EMAIL sends the invitation by mail; SMS does not (texts go to the dev outbox, there being no SMS gateway)."""
    pool, cid = app
    e_sms, e_both = new_email("sms"), new_email("both")
    kit.idp.admin_create_user(UserPoolId=pool, Username="sms", DesiredDeliveryMediums=["SMS"],
                              UserAttributes=attrs({"email": e_sms, "phone_number": "+15555550123"}))
    kit.sink.assert_no_new_message(e_sms)
    kit.idp.admin_create_user(UserPoolId=pool, Username="both", DesiredDeliveryMediums=["EMAIL", "SMS"],
                              UserAttributes=attrs({"email": e_both, "phone_number": "+15555550124"}))
    user, pw = invitation(kit, e_both)
    assert user == "both"
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "both", "PASSWORD": pw})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_with_only_a_username(kit, app):
    """The API reference: "You can create a user without specifying any attributes other than Username". Terraform's
    `aws_cognito_user` with a username and nothing else (and boto3 scripts seeding test users) failed with an
    invented "User has no attribute matching desired delivery mediums". With no email or phone there is simply no
    invitation; the user signs in with the temporary password an administrator sets."""
    pool, cid = app
    u = kit.idp.admin_create_user(UserPoolId=pool, Username="bare")["User"]
    assert u["Username"] == "bare" and u["UserStatus"] == "FORCE_CHANGE_PASSWORD" and u["Enabled"] is True
    assert list(attr_map(u["Attributes"])) == ["sub"]
    got = kit.idp.admin_get_user(UserPoolId=pool, Username="bare")
    assert list(attr_map(got["UserAttributes"])) == ["sub"]
    # The same with a temporary password given: it works for the first sign-in.
    kit.idp.admin_create_user(UserPoolId=pool, Username="bare2", TemporaryPassword="Temp0rary!Pass")
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "bare2", "PASSWORD": "Temp0rary!Pass"})
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"

    # Without DesiredDeliveryMediums, a user with only an email address is invited by email.
    email = new_email("default")
    kit.idp.admin_create_user(UserPoolId=pool, Username="mailonly", UserAttributes=attrs({"email": email}))
    assert invitation(kit, email)[0] == "mailonly"


@pytest.mark.parametrize("mediums,given,message", [
    (["EMAIL"], {}, "No email provided but desired delivery medium was Email"),
    (["EMAIL", "SMS"], {"phone_number": "+15555550199"}, "No email provided but desired delivery medium was Email"),
    (["SMS"], {"email": "x@example.com"}, "No phone_number provided but desired delivery medium was Sms"),
])
def test_named_delivery_medium_the_user_lacks_is_refused(kit, app, mediums, given, message):
    """Only a medium named explicitly that the user cannot receive is an error, worded as Cognito words it; the
    user is not created."""
    pool, _ = app
    name = f"lacks-{'-'.join(mediums).lower()}"
    with client_error("InvalidParameterException", message_contains=[message]):
        kit.idp.admin_create_user(UserPoolId=pool, Username=name, DesiredDeliveryMediums=mediums,
                                  UserAttributes=attrs(given))
    with client_error("UserNotFoundException"):
        kit.idp.admin_get_user(UserPoolId=pool, Username=name)
    # SUPPRESS sends nothing, so nothing is missing.
    kit.idp.admin_create_user(UserPoolId=pool, Username=name, DesiredDeliveryMediums=mediums,
                              UserAttributes=attrs(given), MessageAction="SUPPRESS")
