"""CustomEmailSender and CustomSMSSender: a pool that names a sender function sends no message itself; it hands the
function the code, encrypted as an AWS Encryption SDK message under the pool's KMSKeyID. The functions
(tests/compat/triggers/customEmailSender.mjs, customSmsSender.mjs) are written as AWS's examples are: they decrypt
with `@aws-crypto/client-node` and a `KmsKeyringNode`, whose KMS client Latchkey serves (AWS_ENDPOINT_URL_KMS), and
deliver the plaintext by writing it where the test reads it. boto3 drives the operations and uses the delivered
codes; boto3's KMS client checks Latchkey's refusals of altered ciphertexts, other keys and other contexts."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.config import Config

from conftest import ADMIN_KEY_ID, ADMIN_SECRET, LatchkeyServer, client_error, free_port, http_get, unique
from mfalib import EMAIL_MFA, challenge
from test_server_ops import metric, parse_metrics
from triggerlib import REGION, NodeLambdaRuntime, arn, link_node_modules
from userlib import PASSWORD, Kit, attr_map, attrs, new_email

KEY_ARN = f"arn:aws:kms:{REGION}:123456789012:key/8f2a77c4-3b51-4c0e-9d6a-2e5b7f1c0a93"
OTHER_KEY_ARN = f"arn:aws:kms:{REGION}:123456789012:key/00000000-1111-2222-3333-444444444444"
# ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, the suite of the codes Cognito sends.
COGNITO_SUITE = 0x0378


@pytest.fixture(scope="module")
def outbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sender-outbox")


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, outbox, port):
    link_node_modules()
    rt = NodeLambdaRuntime(env={
        "SENDER_OUTBOX": str(outbox),
        "KEY_ARN": KEY_ARN,
        # What a function's environment gives its SDK clients in Lambda: the region, the role's keys, and here the
        # KMS endpoint, which is Latchkey's.
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ADMIN_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET,
        "AWS_ENDPOINT_URL_KMS": f"http://127.0.0.1:{port}",
    }, log_dir=tmp_path_factory.mktemp("sender-runtime"))
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture(scope="module")
def kit(tmp_path_factory, runtime, port, mail_sink):
    base = tmp_path_factory.mktemp("sender-server")
    srv = LatchkeyServer(base / "data", port=port, log_dir=base,
                         extra_args=["--lambda-endpoint", runtime.endpoint, "--smtp-url", mail_sink.url])
    srv.start()
    yield Kit(srv, mail_sink)
    srv.stop()


@pytest.fixture(scope="module")
def kms(kit):
    return boto3.client("kms", region_name=REGION, endpoint_url=kit.endpoint,
                        aws_access_key_id=ADMIN_KEY_ID, aws_secret_access_key=ADMIN_SECRET,
                        config=Config(retries={"total_max_attempts": 1}))


def sender_pool(kit: Kit, email: str = "customEmailSender", sms: str = "", key: str = KEY_ARN, **kw) -> str:
    config = {"KMSKeyID": key}
    if email:
        config["CustomEmailSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn(email)}
    if sms:
        config["CustomSMSSender"] = {"LambdaVersion": "V1_0", "LambdaArn": arn(sms)}
    return kit.pool(LambdaConfig=config, **kw)


def delivered(outbox: Path, to: str, count: int = 1, timeout: float = 20.0) -> dict:
    """The `count`-th message the sender function delivered to `to` (it runs after the operation answered)."""
    path = outbox / to
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return json.loads(lines[count - 1])
        assert time.monotonic() < deadline, f"the sender delivered {len(lines)} message(s) to {to}, not {count}"
        time.sleep(0.1)


def signed_up(kit: Kit, outbox: Path, username: str) -> tuple:
    """A fresh sender pool and client, and `username` signed up there: (pool, email, what the sender delivered)."""
    pool = sender_pool(kit)
    email = new_email(username)
    kit.uidp.sign_up(ClientId=kit.client(pool), Username=username, Password=PASSWORD,
                     UserAttributes=attrs({"email": email}))
    return pool, email, delivered(outbox, email)


def event_for(runtime: NodeLambdaRuntime, fn: str, pool: str, source: str) -> dict:
    events = [e for e in runtime.events(fn) if e["userPoolId"] == pool and e["triggerSource"] == source]
    assert events, f"{fn} received no {source} event for {pool}"
    return events[-1]


# -- CustomEmailSender ----------------------------------------------------------------------------------------


def test_sign_up_code_reaches_the_sender_and_confirms(kit, runtime, outbox):
    pool = sender_pool(kit)
    client = kit.client(pool)
    email = new_email("sender")
    r = kit.uidp.sign_up(ClientId=client, Username="sam", Password=PASSWORD, UserAttributes=attrs({"email": email}),
                         ClientMetadata={"campaign": "spring"})
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    sent = delivered(outbox, email)
    assert sent["subject"] == "Welcome! Confirm your account"
    assert len(sent["code"]) == 6 and sent["code"].isdigit()
    assert sent["suiteId"] == COGNITO_SUITE
    assert sent["keyId"] == KEY_ARN
    assert sent["encryptionContext"]["userpool-id"] == pool
    assert set(sent["encryptionContext"]) == {"userpool-id", "aws-crypto-public-key"}
    kit.sink.assert_no_new_message(email)  # Latchkey mailed nothing itself
    kit.uidp.confirm_sign_up(ClientId=client, Username="sam", ConfirmationCode=sent["code"])
    assert "AccessToken" in kit.sign_in(client, "sam")

    event = event_for(runtime, "customEmailSender", pool, "CustomEmailSender_SignUp")
    assert event["version"] == "1" and event["region"] == REGION and event["userName"] == "sam"
    assert event["callerContext"]["clientId"] == client
    assert event["callerContext"]["awsSdkVersion"].startswith("aws-sdk-python-")
    request = event["request"]
    assert request["type"] == "customEmailSenderRequestV1"
    assert request["clientMetadata"] == {"campaign": "spring"}
    a = request["userAttributes"]
    assert a["email"] == email and a["sub"] == r["UserSub"] and a["cognito:user_status"] == "UNCONFIRMED"
    assert sent["code"] not in json.dumps(event), "the code travels encrypted only"
    assert "response" not in event


def test_resend_and_forgot_password_codes(kit, runtime, outbox):
    pool = sender_pool(kit)
    client = kit.client(pool)
    email = new_email("again")
    kit.uidp.sign_up(ClientId=client, Username="ria", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    first = delivered(outbox, email)["code"]
    kit.uidp.resend_confirmation_code(ClientId=client, Username="ria")
    resent = delivered(outbox, email, 2)
    assert resent["subject"] == "Your new confirmation code"
    with client_error("CodeMismatchException"):
        kit.uidp.confirm_sign_up(ClientId=client, Username="ria", ConfirmationCode=first)
    kit.uidp.confirm_sign_up(ClientId=client, Username="ria", ConfirmationCode=resent["code"])
    assert event_for(runtime, "customEmailSender", pool, "CustomEmailSender_ResendCode")["userName"] == "ria"

    r = kit.uidp.forgot_password(ClientId=client, Username="ria")
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    reset = delivered(outbox, email, 3)
    assert reset["subject"] == "Reset your password"
    kit.uidp.confirm_forgot_password(ClientId=client, Username="ria", ConfirmationCode=reset["code"],
                                     Password="N3w-Passw0rd!")
    assert "AccessToken" in kit.sign_in(client, "ria", "N3w-Passw0rd!")
    kit.sink.assert_no_new_message(email)


def test_invitation_temporary_password_and_attribute_codes(kit, runtime, outbox):
    pool = sender_pool(kit)
    client = kit.client(pool)
    email = new_email("invited")
    kit.idp.admin_create_user(UserPoolId=pool, Username="ivy", TemporaryPassword="Temp#Pass1234",
                              UserAttributes=attrs({"email": email, "email_verified": "true"}),
                              DesiredDeliveryMediums=["EMAIL"])
    invite = delivered(outbox, email)
    assert invite["subject"] == "You are invited" and invite["code"] == "Temp#Pass1234"
    event = event_for(runtime, "customEmailSender", pool, "CustomEmailSender_AdminCreateUser")
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert event["request"]["userAttributes"]["cognito:user_status"] == "FORCE_CHANGE_PASSWORD"
    r = kit.initiate(client, "ivy", invite["code"])
    r = kit.uidp.respond_to_auth_challenge(ClientId=client, ChallengeName="NEW_PASSWORD_REQUIRED",
                                           Session=r["Session"],
                                           ChallengeResponses={"USERNAME": "ivy", "NEW_PASSWORD": PASSWORD})
    access = r["AuthenticationResult"]["AccessToken"]

    moved = new_email("moved")
    details = kit.uidp.update_user_attributes(AccessToken=access, UserAttributes=attrs({"email": moved}))
    assert details["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    update = delivered(outbox, moved)
    assert update["subject"] == "Confirm your new email address"
    assert event_for(runtime, "customEmailSender", pool,
                     "CustomEmailSender_UpdateUserAttribute")["callerContext"]["clientId"] == client
    kit.uidp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    verify = delivered(outbox, moved, 2)
    assert verify["subject"] == "Confirm your email address"
    kit.uidp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=verify["code"])
    user = kit.idp.admin_get_user(UserPoolId=pool, Username="ivy")
    assert attr_map(user["UserAttributes"])["email_verified"] == "true"
    kit.sink.assert_no_new_message(moved)


def test_email_sign_in_codes(kit, runtime, outbox):
    pool = sender_pool(kit)
    kit.idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration=EMAIL_MFA)
    client = kit.client(pool)
    email = new_email("otp")
    kit.admin_user(pool, "otto", email=email)
    kit.idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="otto",
                                          EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    r = kit.initiate(client, "otto", PASSWORD)
    challenge(r, "EMAIL_OTP")
    sent = delivered(outbox, email)
    assert sent["subject"] == "Your sign-in code"
    r = kit.uidp.respond_to_auth_challenge(ClientId=client, ChallengeName="EMAIL_OTP", Session=r["Session"],
                                           ChallengeResponses={"USERNAME": "otto", "EMAIL_OTP_CODE": sent["code"]})
    assert "AccessToken" in r["AuthenticationResult"]
    assert event_for(runtime, "customEmailSender", pool, "CustomEmailSender_Authentication")["userName"] == "otto"


# -- CustomSMSSender ------------------------------------------------------------------------------------------


def test_sms_codes_reach_the_sms_sender(kit, runtime, outbox):
    pool = sender_pool(kit, email="", sms="customSmsSender", AutoVerifiedAttributes=["phone_number"])
    client = kit.client(pool)
    phone = "+1555" + str(int(time.time() * 1000))[-7:]
    r = kit.uidp.sign_up(ClientId=client, Username="tex", Password=PASSWORD,
                         UserAttributes=attrs({"phone_number": phone}))
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    text = delivered(outbox, phone)["text"]
    assert text.startswith("CustomSMSSender_SignUp: your code is ")
    kit.uidp.confirm_sign_up(ClientId=client, Username="tex", ConfirmationCode=text.rsplit(" ", 1)[1])
    user = kit.idp.admin_get_user(UserPoolId=pool, Username="tex")
    assert user["UserStatus"] == "CONFIRMED"
    assert attr_map(user["UserAttributes"])["phone_number_verified"] == "true"
    event = event_for(runtime, "customSmsSender", pool, "CustomSMSSender_SignUp")
    assert event["request"]["type"] == "customSMSSenderRequestV1"
    assert event["request"]["clientMetadata"] is None


# -- KMS Decrypt ----------------------------------------------------------------------------------------------


def test_kms_decrypts_only_the_data_key_as_it_was_sealed(kit, kms, outbox):
    pool, _, sent = signed_up(kit, outbox, "kim")
    blob = base64.b64decode(sent["encryptedDataKey"])
    context = sent["encryptionContext"]

    r = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=KEY_ARN)
    assert r["KeyId"] == KEY_ARN and r["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert len(r["Plaintext"]) == 32
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == r["Plaintext"]

    altered = bytearray(blob)
    altered[-1] ^= 1
    for bad_blob, bad_context in [(bytes(altered), context), (blob, {**context, "userpool-id": pool + "x"}),
                                  (blob, {**context, "aws-crypto-public-key": "A" * 68}), (blob, {}),
                                  (b"not a ciphertext", context)]:
        with client_error("InvalidCiphertextException"):
            kms.decrypt(CiphertextBlob=bad_blob, EncryptionContext=bad_context)
    with client_error("IncorrectKeyException", message_contains=["does not identify a KMS key"]):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=OTHER_KEY_ARN)

    unsigned = boto3.client("kms", region_name=REGION, endpoint_url=kit.endpoint,
                            config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        unsigned.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert refused.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
    with client_error("UnknownOperationException"):
        kms.encrypt(KeyId=KEY_ARN, Plaintext=b"x")

    # The pool moves to another key: the old one is gone from Latchkey's KMS.
    kit.idp.update_user_pool(UserPoolId=pool, AutoVerifiedAttributes=["email"],
                             LambdaConfig={"KMSKeyID": OTHER_KEY_ARN, "CustomEmailSender": {
                                 "LambdaVersion": "V1_0", "LambdaArn": arn("customEmailSender")}})
    time.sleep(1.1)  # the pool as nodes cache it
    with client_error("NotFoundException", message_contains=[KEY_ARN]):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)


def test_the_function_refuses_an_altered_code(kit, runtime, outbox):
    """The function itself, handed a code whose data key was altered: the Encryption SDK fails on KMS's refusal."""
    pool, email, sent = signed_up(kit, outbox, "fay")
    event = event_for(runtime, "customEmailSender", pool, "CustomEmailSender_SignUp")
    message = base64.b64decode(event["request"]["code"])
    blob = base64.b64decode(sent["encryptedDataKey"])
    at = message.index(blob) + len(blob) - 1
    forged = message[:at] + bytes([message[at] ^ 1]) + message[at + 1:]
    event["request"]["code"] = base64.b64encode(forged).decode()
    req = urllib.request.Request(f"{runtime.endpoint}/2015-03-31/functions/customEmailSender/invocations",
                                 data=json.dumps(event).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=20) as resp:
        assert resp.headers["X-Amz-Function-Error"] == "Unhandled"
        error = json.loads(resp.read())
    assert "InvalidCiphertextException" in error["errorMessage"], error
    assert len((outbox / email).read_text().splitlines()) == 1, "nothing more was delivered"


# -- Asynchronous invocation ----------------------------------------------------------------------------------


def sender_calls(kit: Kit, outcome: str) -> float:
    samples = parse_metrics(http_get(f"{kit.endpoint}/metrics")[2].decode())
    return metric(samples, "latchkey_trigger_invocations_total", trigger="CustomEmailSender", outcome=outcome) or 0


def test_a_failing_sender_does_not_fail_the_operation(kit, runtime):
    failed_before = sender_calls(kit, "failed")
    pool = sender_pool(kit)
    client = kit.client(pool)
    email = "fail-" + new_email("x")
    r = kit.uidp.sign_up(ClientId=client, Username="flo", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert r["UserConfirmed"] is False and r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    deadline = time.monotonic() + 20
    while sender_calls(kit, "failed") < failed_before + 1:
        assert time.monotonic() < deadline, "the failed invocation was not counted"
        time.sleep(0.2)
    kit.sink.assert_no_new_message(email)

    missing = sender_pool(kit, email=unique("noSuchFunction"))
    r = kit.uidp.sign_up(ClientId=kit.client(missing), Username="nia", Password=PASSWORD,
                         UserAttributes=attrs({"email": new_email("nia")}))
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert "custom sender failed" in kit.server.stderr() + kit.server.stdout()


def test_without_a_sender_for_the_medium_latchkey_sends_it(kit, outbox):
    pool = sender_pool(kit, email="", sms="customSmsSender")
    client = kit.client(pool)
    email = new_email("plain")
    kit.uidp.sign_up(ClientId=client, Username="pat", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    kit.uidp.confirm_sign_up(ClientId=client, Username="pat", ConfirmationCode=kit.sink.next_code(email))
    assert not (outbox / email).exists()
