"""The CustomMessage trigger through the Lambda Invoke API: a handler written exactly as AWS's custom message
example (tests/compat/triggers/customMessage.mjs: a branded subject and HTML body per triggerSource, built on the
event's placeholders) runs in the Node Lambda-Invoke runtime, boto3 drives every operation that sends a code or a
temporary password, and the SMTP sink receives the mail. Each message arrives in the function's words with the real
code, which then works; each event is Cognito's exact request, with the ClientMetadata Cognito passes; and a
handler that throws surfaces as Cognito's error, with nothing mailed."""

from __future__ import annotations

import pytest

from conftest import client_error
from mfalib import EMAIL_MFA, challenge, mail_code
from triggerlib import NodeLambdaRuntime, arn, mailing_trigger_kit
from userlib import PASSWORD, PASSWORD2, TEMP_PASSWORD, Kit, attr_map, attrs, new_email

PLACEHOLDERS = {"codeParameter": "{####}", "linkParameter": "{##Click Here##}"}
UNFILLED = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
THROWN = "CustomMessage failed with error Something went wrong."


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    rt = NodeLambdaRuntime(log_dir=tmp_path_factory.mktemp("runtime"))
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture(scope="module")
def kit(tmp_path_factory, runtime, mail_sink):
    with mailing_trigger_kit(tmp_path_factory.mktemp("custom-message-server"), runtime, mail_sink) as k:
        yield k


def custom_pool(kit: Kit, fn: str = "customMessage") -> str:
    return kit.pool(LambdaConfig={"CustomMessage": arn(fn)})


def events(runtime: NodeLambdaRuntime, pool: str, fn: str = "customMessage") -> list:
    return [e for e in runtime.events(fn) if e["userPoolId"] == pool]


def last_event(runtime: NodeLambdaRuntime, pool: str, fn: str = "customMessage") -> dict:
    mine = events(runtime, pool, fn)
    assert mine, f"{fn} received no event for {pool}"
    return mine[-1]


def branded_code(kit: Kit, email: str, subject: str) -> str:
    """The next mail to `email`: it must carry the handler's subject and HTML page; returns its code."""
    mail = kit.sink.next_message(email)
    assert mail.subject == subject, mail
    assert mail.body.startswith(f'<html><body style="font-family: sans-serif"><h1>{subject}</h1>'), mail
    assert "{####}" not in mail.body and "The Acme team" in mail.body, mail
    return mail.code()


def test_sign_up_and_resent_codes_arrive_branded_and_confirm(kit, runtime):
    pool = custom_pool(kit)
    client = kit.client(pool)
    email = new_email("ann")
    r = kit.uidp.sign_up(ClientId=client, Username="ann", Password=PASSWORD, UserAttributes=attrs({"email": email}),
                         ClientMetadata={"campaign": "spring"})
    branded_code(kit, email, "Welcome to Acme")
    event = last_event(runtime, pool)
    assert event["version"] == "1" and event["region"] == "us-east-1"
    assert event["triggerSource"] == "CustomMessage_SignUp"
    assert event["userName"] == "ann"
    assert event["callerContext"]["clientId"] == client
    assert event["callerContext"]["awsSdkVersion"].startswith("aws-sdk-python-")
    assert event["request"] == {
        "userAttributes": {"email": email, "sub": r["UserSub"], "cognito:user_status": "UNCONFIRMED"},
        **PLACEHOLDERS, "usernameParameter": None, "clientMetadata": {"campaign": "spring"}}
    assert event["response"] == UNFILLED

    kit.uidp.resend_confirmation_code(ClientId=client, Username="ann", ClientMetadata={"why": "lost"})
    code = branded_code(kit, email, "Your new Acme code")
    resent = last_event(runtime, pool)
    assert resent["triggerSource"] == "CustomMessage_ResendCode"
    assert resent["request"]["clientMetadata"] == {"why": "lost"}
    kit.uidp.confirm_sign_up(ClientId=client, Username="ann", ConfirmationCode=code)
    assert "AccessToken" in kit.sign_in(client, "ann")


def test_reset_codes_arrive_branded_and_reset_the_password(kit, runtime):
    pool = custom_pool(kit)
    client = kit.client(pool)
    email = new_email("bea")
    kit.admin_user(pool, "bea", email=email)

    kit.uidp.forgot_password(ClientId=client, Username="bea", ClientMetadata={"lang": "fr"})
    code = branded_code(kit, email, "Reset your Acme password")
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_ForgotPassword"
    assert event["callerContext"]["clientId"] == client
    assert event["request"]["clientMetadata"] == {"lang": "fr"}
    assert event["request"]["usernameParameter"] is None
    kit.uidp.confirm_forgot_password(ClientId=client, Username="bea", ConfirmationCode=code, Password=PASSWORD2)
    kit.sign_in(client, "bea", PASSWORD2)

    kit.idp.admin_reset_user_password(UserPoolId=pool, Username="bea", ClientMetadata={"by": "support"})
    code = branded_code(kit, email, "Reset your Acme password")
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_ForgotPassword"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert event["request"]["clientMetadata"] == {"by": "support"}
    assert event["request"]["userAttributes"]["cognito:user_status"] == "RESET_REQUIRED"
    kit.uidp.confirm_forgot_password(ClientId=client, Username="bea", ConfirmationCode=code, Password=PASSWORD)
    kit.sign_in(client, "bea", PASSWORD)


def test_the_invitation_names_the_user_and_its_temporary_password_signs_in(kit, runtime):
    pool = custom_pool(kit)
    client = kit.client(pool)
    email = new_email("cal")
    user = kit.idp.admin_create_user(UserPoolId=pool, Username="cal", TemporaryPassword=TEMP_PASSWORD,
                                     UserAttributes=attrs({"email": email, "email_verified": "true"}),
                                     DesiredDeliveryMediums=["EMAIL"], ClientMetadata={"team": "ops"})["User"]
    mail = kit.sink.next_message(email)
    assert mail.subject == "Your Acme account"
    assert f"Your user name is cal and your temporary password is {TEMP_PASSWORD}</p>" in mail.body, mail
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert event["userName"] == "cal"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert event["request"] == {
        "userAttributes": {"email": email, "email_verified": "true", "sub": attr_map(user["Attributes"])["sub"],
                           "cognito:user_status": "FORCE_CHANGE_PASSWORD"},
        **PLACEHOLDERS, "usernameParameter": "{username}", "clientMetadata": {"team": "ops"}}

    r = kit.initiate(client, "cal", TEMP_PASSWORD)
    assert r["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    r = kit.uidp.respond_to_auth_challenge(ClientId=client, ChallengeName="NEW_PASSWORD_REQUIRED",
                                           Session=r["Session"],
                                           ChallengeResponses={"USERNAME": "cal", "NEW_PASSWORD": PASSWORD})
    assert "AccessToken" in r["AuthenticationResult"]

    # RESEND words a new invitation the same way.
    kit.idp.admin_create_user(UserPoolId=pool, Username="dot", MessageAction="SUPPRESS",
                              UserAttributes=attrs({"email": (dot := new_email("dot"))}))
    assert not [e for e in events(runtime, pool) if e["userName"] == "dot"], "no invitation, no function"
    kit.idp.admin_create_user(UserPoolId=pool, Username="dot", MessageAction="RESEND",
                              TemporaryPassword=TEMP_PASSWORD, DesiredDeliveryMediums=["EMAIL"])
    assert kit.sink.next_message(dot).subject == "Your Acme account"
    assert last_event(runtime, pool)["userName"] == "dot"


def test_attribute_codes_arrive_branded_and_verify(kit, runtime):
    pool = custom_pool(kit)
    client = kit.client(pool)
    kit.admin_user(pool, "eli", email=new_email("eli"))
    access = kit.sign_in(client, "eli")["AccessToken"]

    email = new_email("eli-new")
    kit.uidp.update_user_attributes(AccessToken=access, UserAttributes=attrs({"email": email}),
                                    ClientMetadata={"step": "profile"})
    code = branded_code(kit, email, "Confirm your new Acme address")
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_UpdateUserAttribute"
    assert event["callerContext"]["clientId"] == client
    assert event["request"]["userAttributes"]["email"] == email
    assert event["request"]["clientMetadata"] == {"step": "profile"}
    kit.uidp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)

    kit.uidp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email",
                                                  ClientMetadata={"step": "again"})
    code = branded_code(kit, email, "Verify your Acme address")
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_VerifyUserAttribute"
    assert event["request"]["clientMetadata"] == {"step": "again"}
    kit.uidp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert attr_map(kit.get_user(access)["UserAttributes"])["email_verified"] == "true"

    other = new_email("eli-admin")
    kit.idp.admin_update_user_attributes(UserPoolId=pool, Username="eli", UserAttributes=attrs({"email": other}),
                                         ClientMetadata={"by": "admin"})
    branded_code(kit, other, "Confirm your new Acme address")
    event = last_event(runtime, pool)
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert event["request"]["clientMetadata"] == {"by": "admin"}


def test_the_email_otp_sign_in_code_arrives_branded_and_signs_in(kit, runtime):
    pool = custom_pool(kit)
    kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    client = kit.client(pool)
    email = new_email("fin")
    kit.admin_user(pool, "fin", email=email)
    kit.idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="fin",
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    r = kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"app": "web"},
                               AuthParameters={"USERNAME": "fin", "PASSWORD": PASSWORD})
    challenge(r, "EMAIL_OTP")
    mail, code = mail_code(kit.sink, email)
    assert mail.subject == "Your Acme sign-in code" and "<h1>Your Acme sign-in code</h1>" in mail.body, mail
    event = last_event(runtime, pool)
    assert event["triggerSource"] == "CustomMessage_Authentication"
    assert event["callerContext"]["clientId"] == client
    # InitiateAuth's ClientMetadata never reaches CustomMessage.
    assert "clientMetadata" not in event["request"]
    r = kit.uidp.respond_to_auth_challenge(ClientId=client, ChallengeName="EMAIL_OTP", Session=r["Session"],
                                           ChallengeResponses={"USERNAME": "fin", "EMAIL_OTP_CODE": code})
    assert "AccessToken" in r["AuthenticationResult"]


def test_a_throwing_handler_is_cognitos_error_and_nothing_is_mailed(kit, runtime):
    pool = custom_pool(kit, "throwing")
    kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    client = kit.client(pool)

    # SignUp: the error, but the account stays (as in Cognito), and no code was mailed.
    email = new_email("gil")
    with client_error("UserLambdaValidationException", message_contains=[THROWN]):
        kit.uidp.sign_up(ClientId=client, Username="gil", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="gil")["UserStatus"] == "UNCONFIRMED"
    assert last_event(runtime, pool, "throwing")["triggerSource"] == "CustomMessage_SignUp"
    kit.sink.assert_no_new_message(email)

    # AdminCreateUser: nobody is created.
    with client_error("UserLambdaValidationException", message_contains=[THROWN]):
        kit.idp.admin_create_user(UserPoolId=pool, Username="hal", UserAttributes=attrs({"email": new_email("hal")}))
    with client_error("UserNotFoundException"):
        kit.idp.admin_get_user(UserPoolId=pool, Username="hal")

    # ForgotPassword and a sign-in code: refused, nothing mailed.
    email = new_email("ida")
    kit.admin_user(pool, "ida", email=email)
    with client_error("UserLambdaValidationException", message_contains=[THROWN]):
        kit.uidp.forgot_password(ClientId=client, Username="ida")
    kit.idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="ida",
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    with client_error("UserLambdaValidationException", message_contains=[THROWN]):
        kit.initiate(client, "ida", PASSWORD)
    kit.sink.assert_no_new_message(email)
