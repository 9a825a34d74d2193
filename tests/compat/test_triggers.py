"""Lambda triggers through the Lambda Invoke API: handlers written exactly as Lambda functions
(tests/compat/triggers/*.mjs) run in a Node Lambda-Invoke runtime, and boto3 drives the operations that fire them.
Each test checks the exact event the function received and what its answer did: auto-confirmation, refusals that
store nothing, token claims and scopes, users migrated from a legacy table, and Cognito's errors for functions
that throw, answer nonsense or cannot be reached."""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.parse
import urllib.request

import pytest

from conftest import LatchkeyServer, clean_env, client_error, unique
from nodelib import NODE_DIR, ensure_packages, node_exe
from triggerlib import NodeLambdaRuntime, arn, trigger_server
from userlib import PASSWORD, Kit, attr_map, attrs, jwt_claims, new_email


@pytest.fixture(scope="module")
def legacy_users(tmp_path_factory):
    path = tmp_path_factory.mktemp("legacy") / "users.json"
    path.write_text(json.dumps([
        {"username": "legacy-ann", "password": "Legacy#Pass1word", "email": "ann@legacy.example", "name": "Ann"},
        {"username": "legacy-bob", "password": "Legacy#Pass2word", "email": "bob@legacy.example", "name": "Bob"},
    ]))
    return path


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, legacy_users):
    rt = NodeLambdaRuntime(env={"LEGACY_USERS": str(legacy_users)}, log_dir=tmp_path_factory.mktemp("runtime"))
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture(scope="module")
def kit(tmp_path_factory, runtime, mail_sink):
    srv = trigger_server(tmp_path_factory.mktemp("trigger-server"), runtime,
                         extra_args=["--smtp-url", mail_sink.url])
    srv.start()
    yield Kit(srv, mail_sink)
    srv.stop()


def pool_with(kit: Kit, **lambdas) -> str:
    config = {}
    for name, fn in lambdas.items():
        if name == "PreTokenGenerationConfig":
            config[name] = {"LambdaVersion": fn[0], "LambdaArn": arn(fn[1])}
        else:
            config[name] = arn(fn)
    return kit.pool(LambdaConfig=config)


def user_exists(kit: Kit, pool: str, name: str) -> bool:
    try:
        kit.idp.admin_get_user(UserPoolId=pool, Username=name)
        return True
    except kit.idp.exceptions.UserNotFoundException:
        return False


def last_event(runtime: NodeLambdaRuntime, fn: str, pool: str) -> dict:
    events = [e for e in runtime.events(fn) if e["userPoolId"] == pool]
    assert events, f"{fn} received no event for {pool}"
    return events[-1]


# -- PreSignUp and PostConfirmation ---------------------------------------------------------------------------


def test_pre_sign_up_confirms_company_users_and_post_confirmation_sees_them(kit, runtime):
    pool = pool_with(kit, PreSignUp="preSignUp", PostConfirmation="postConfirmation")
    client = kit.client(pool)
    email = new_email("staff")
    r = kit.uidp.sign_up(ClientId=client, Username="staff", Password=PASSWORD, UserAttributes=attrs({"email": email}),
                         ValidationData=attrs({"invite": "abc"}), ClientMetadata={"campaign": "spring"})
    assert r["UserConfirmed"] is True
    assert "CodeDeliveryDetails" not in r
    user = kit.idp.admin_get_user(UserPoolId=pool, Username="staff")
    assert user["UserStatus"] == "CONFIRMED"
    assert attr_map(user["UserAttributes"])["email_verified"] == "true"
    assert "AccessToken" in kit.sign_in(client, "staff")

    event = last_event(runtime, "preSignUp", pool)
    assert event["version"] == "1"
    assert event["triggerSource"] == "PreSignUp_SignUp"
    assert event["region"] == "us-east-1"
    assert event["userName"] == "staff"
    assert event["callerContext"]["clientId"] == client
    assert event["callerContext"]["awsSdkVersion"].startswith("aws-sdk-python-")
    assert event["request"] == {"userAttributes": {"email": email}, "validationData": {"invite": "abc"},
                                "clientMetadata": {"campaign": "spring"}}
    assert event["response"] == {}

    confirmed = last_event(runtime, "postConfirmation", pool)
    assert confirmed["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    a = confirmed["request"]["userAttributes"]
    assert a["email"] == email and a["email_verified"] == "true"
    assert a["cognito:user_status"] == "CONFIRMED" and a["sub"] == r["UserSub"]
    assert confirmed["request"]["clientMetadata"] == {"campaign": "spring"}


def test_other_users_confirm_with_the_emailed_code(kit, runtime):
    pool = pool_with(kit, PreSignUp="preSignUp", PostConfirmation="postConfirmation")
    client = kit.client(pool)
    email = f"guest-{unique()}@elsewhere.example"
    r = kit.uidp.sign_up(ClientId=client, Username="guest", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert r["UserConfirmed"] is False
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert not [e for e in runtime.events("postConfirmation") if e["userPoolId"] == pool]
    kit.uidp.confirm_sign_up(ClientId=client, Username="guest", ConfirmationCode=kit.sink.next_code(email))
    assert last_event(runtime, "postConfirmation", pool)["userName"] == "guest"


def test_a_refused_sign_up_stores_nothing(kit):
    pool = pool_with(kit, PreSignUp="preSignUp")
    client = kit.client(pool)
    with client_error("UserLambdaValidationException",
                      message_contains=["PreSignUp failed with error Cannot register users from this domain."]):
        kit.uidp.sign_up(ClientId=client, Username="mallory", Password=PASSWORD,
                         UserAttributes=attrs({"email": "m@blocked.example"}))
    assert not user_exists(kit, pool, "mallory")


def test_a_failing_post_confirmation_is_reported_but_the_user_stays_confirmed(kit):
    pool = pool_with(kit, PostConfirmation="postConfirmation")
    client = kit.client(pool)
    email = new_email("pc")
    kit.uidp.sign_up(ClientId=client, Username="fail-pc", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    with client_error("UserLambdaValidationException",
                      message_contains=["PostConfirmation failed with error Could not create the user profile."]):
        kit.uidp.confirm_sign_up(ClientId=client, Username="fail-pc", ConfirmationCode=kit.sink.next_code(email))
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="fail-pc")["UserStatus"] == "CONFIRMED"


def test_admin_create_user_fires_pre_sign_up_without_a_client(kit, runtime):
    pool = pool_with(kit, PreSignUp="preSignUp")
    email = new_email("admin")
    kit.idp.admin_create_user(UserPoolId=pool, Username="made", MessageAction="SUPPRESS",
                              UserAttributes=attrs({"email": email}), ClientMetadata={"by": "ops"})
    event = last_event(runtime, "preSignUp", pool)
    assert event["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert event["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert event["request"]["clientMetadata"] == {"by": "ops"}
    # The administrator decides: the function's auto-confirmation does not apply.
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="made")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    with client_error("UserLambdaValidationException", message_contains=["PreSignUp failed with error"]):
        kit.idp.admin_create_user(UserPoolId=pool, Username="blocked", MessageAction="SUPPRESS",
                                  UserAttributes=attrs({"email": "x@blocked.example"}))
    assert not user_exists(kit, pool, "blocked")


def test_callback_style_handlers_work(kit):
    pool = pool_with(kit, PreSignUp="callbackStyle")
    client = kit.client(pool)
    r = kit.uidp.sign_up(ClientId=client, Username="cb", Password=PASSWORD,
                         UserAttributes=attrs({"email": new_email("cb")}))
    assert r["UserConfirmed"] is True


# -- PreAuthentication and PostAuthentication -----------------------------------------------------------------


def test_pre_authentication_sees_client_metadata_as_validation_data_and_may_refuse(kit, runtime):
    pool = pool_with(kit, PreAuthentication="preAuthentication", PostAuthentication="postAuthentication")
    client = kit.client(pool)
    kit.admin_user(pool, "pat", email=new_email("pat"))
    r = kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"app": "web"},
                               AuthParameters={"USERNAME": "pat", "PASSWORD": PASSWORD})
    assert "AuthenticationResult" in r
    pre = last_event(runtime, "preAuthentication", pool)
    assert pre["triggerSource"] == "PreAuthentication_Authentication"
    assert pre["request"]["validationData"] == {"app": "web"}
    assert "clientMetadata" not in pre["request"]
    assert pre["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    post = last_event(runtime, "postAuthentication", pool)
    assert post["triggerSource"] == "PostAuthentication_Authentication"
    assert post["request"]["newDeviceUsed"] is False
    # InitiateAuth's ClientMetadata reaches only PreAuthentication (and UserMigration).
    assert "clientMetadata" not in post["request"]

    before = len(runtime.events("postAuthentication"))
    for password in (PASSWORD, "wrong-Passw0rd!"):  # refused before the password is even judged
        with client_error("UserLambdaValidationException",
                          message_contains=["PreAuthentication failed with error Cannot authenticate users from this app."]):
            kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", ClientMetadata={"block": "yes"},
                                   AuthParameters={"USERNAME": "pat", "PASSWORD": password})
    assert len(runtime.events("postAuthentication")) == before


def test_pre_authentication_guards_passwordless_sign_in_too(kit, runtime):
    pool = kit.pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
                    LambdaConfig={"PreAuthentication": arn("preAuthentication")})
    client = kit.client(pool, flows=["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"])
    email = new_email("otp")
    kit.admin_user(pool, "otto", email=email)

    def start(challenge, **extra):
        return kit.uidp.initiate_auth(ClientId=client, AuthFlow="USER_AUTH", ClientMetadata=extra,
                                      AuthParameters={"USERNAME": "otto", "PREFERRED_CHALLENGE": challenge,
                                                      **({"PASSWORD": PASSWORD} if challenge == "PASSWORD" else {})})

    with client_error("UserLambdaValidationException", message_contains=["PreAuthentication failed"]):
        start("EMAIL_OTP", block="yes")
    assert start("EMAIL_OTP")["ChallengeName"] == "EMAIL_OTP"
    kit.sink.next_code(email)
    runtime.clear()
    assert "AuthenticationResult" in start("PASSWORD")
    assert len([e for e in runtime.events("preAuthentication") if e["userPoolId"] == pool]) == 1, "fired once"


def test_post_authentication_failure_withholds_the_tokens(kit):
    pool = pool_with(kit, PostAuthentication="throwing")
    client = kit.client(pool)
    kit.admin_user(pool, "pia", email=new_email("pia"))
    with client_error("UserLambdaValidationException",
                      message_contains=["PostAuthentication failed with error Something went wrong."]):
        kit.initiate(client, "pia", PASSWORD)


# -- PreTokenGeneration ---------------------------------------------------------------------------------------


def test_pre_token_generation_v2_adds_claims_and_scopes_to_the_access_token(kit, runtime):
    pool = pool_with(kit, PreTokenGenerationConfig=("V2_0", "preTokenV2"))
    client = kit.client(pool)
    user = kit.admin_user(pool, "tina", email=new_email("tina"))
    tokens = kit.sign_in(client, "tina")
    access, id_token = jwt_claims(tokens["AccessToken"]), jwt_claims(tokens["IdToken"])
    assert access["tenant"] == "acme" and access["roles"] == ["reader", "writer"] and access["quota"] == 10
    assert access["scope"].split() == ["aws.cognito.signin.user.admin", "orders/read"]
    assert id_token["tier"] == "gold"
    sub = attr_map(user["Attributes"])["sub"]
    assert id_token["sub"] == sub and access["sub"] == sub, "reserved claims cannot be overridden"
    event = last_event(runtime, "preTokenV2", pool)
    assert event["version"] == "2"
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert event["request"]["groupConfiguration"] == {"groupsToOverride": [], "iamRolesToOverride": [],
                                                      "preferredRole": None}
    # The verified token's claims are what a resource server reads: check the signature too.
    kit.get_user(tokens["AccessToken"])

    refreshed = kit.refresh(client, tokens["RefreshToken"])
    assert jwt_claims(refreshed["AccessToken"])["tenant"] == "acme"
    assert last_event(runtime, "preTokenV2", pool)["triggerSource"] == "TokenGeneration_RefreshTokens"


def test_pre_token_generation_v1_changes_the_id_token_and_groups(kit, runtime):
    pool = pool_with(kit, PreTokenGeneration="preTokenV1")
    client = kit.client(pool)
    kit.admin_user(pool, "vic", email=new_email("vic"))
    kit.idp.create_group(UserPoolId=pool, GroupName="staff")
    kit.idp.admin_add_user_to_group(UserPoolId=pool, Username="vic", GroupName="staff")
    tokens = kit.sign_in(client, "vic")
    id_token, access = jwt_claims(tokens["IdToken"]), jwt_claims(tokens["AccessToken"])
    assert id_token["tier"] == "gold" and id_token["family_name"] == "Doe"
    assert "email" not in id_token
    assert id_token["cognito:groups"] == ["overridden-group"]
    assert access["cognito:groups"] == ["overridden-group"]
    assert "tier" not in access
    event = last_event(runtime, "preTokenV1", pool)
    assert event["version"] == "1"
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["staff"]
    assert "scopes" not in event["request"]


def test_pre_token_generation_v3_fires_for_client_credentials(kit, runtime):
    pool = pool_with(kit, PreTokenGenerationConfig=("V3_0", "preTokenV3"))
    kit.idp.create_resource_server(UserPoolId=pool, Identifier="orders", Name="orders",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}])
    m2m = kit.app(pool, flows=None, ClientName="m2m", GenerateSecret=True, AllowedOAuthFlowsUserPoolClient=True,
                  AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["orders/read"])
    basic = base64.b64encode(f"{m2m['ClientId']}:{m2m['ClientSecret']}".encode()).decode()
    req = urllib.request.Request(f"{kit.endpoint}/oauth2/token", method="POST",
                                 data=urllib.parse.urlencode({"grant_type": "client_credentials"}).encode(),
                                 headers={"Authorization": f"Basic {basic}",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as r:
        token = json.loads(r.read())["access_token"]
    assert jwt_claims(token)["caller"] == "machine"
    event = last_event(runtime, "preTokenV3", pool)
    assert event["version"] == "3"
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials"
    assert event["request"]["scopes"] == ["orders/read"]


# -- UserMigration --------------------------------------------------------------------------------------------


def test_user_migration_brings_legacy_users_over_on_first_sign_in(kit, runtime):
    pool = pool_with(kit, UserMigration="userMigration")
    client = kit.client(pool)
    with client_error("UserLambdaValidationException",
                      message_contains=["UserMigration failed with error Bad password."]):
        kit.initiate(client, "legacy-ann", "Wrong#Pass1word")
    assert not user_exists(kit, pool, "legacy-ann")

    tokens = kit.sign_in(client, "legacy-ann", "Legacy#Pass1word")
    assert jwt_claims(tokens["IdToken"])["email"] == "ann@legacy.example"
    user = kit.idp.admin_get_user(UserPoolId=pool, Username="legacy-ann")
    assert user["UserStatus"] == "CONFIRMED"
    assert attr_map(user["UserAttributes"])["name"] == "Ann"
    event = last_event(runtime, "userMigration", pool)
    assert event["triggerSource"] == "UserMigration_Authentication"
    assert event["request"]["password"] == "Legacy#Pass1word"

    # Migrated once: the next sign-in is Latchkey's own, and the old password still works.
    seen = len(runtime.events("userMigration"))
    kit.sign_in(client, "legacy-ann", "Legacy#Pass1word")
    with client_error("NotAuthorizedException"):
        kit.initiate(client, "legacy-ann", "Wrong#Pass1word")
    assert len(runtime.events("userMigration")) == seen


def test_user_migration_on_forgot_password(kit, runtime):
    pool = pool_with(kit, UserMigration="userMigration")
    client = kit.client(pool)
    # Mail for the legacy address goes to the sink like any other.
    r = kit.uidp.forgot_password(ClientId=client, Username="legacy-bob")
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert kit.idp.admin_get_user(UserPoolId=pool, Username="legacy-bob")["UserStatus"] == "RESET_REQUIRED"
    assert last_event(runtime, "userMigration", pool)["triggerSource"] == "UserMigration_ForgotPassword"
    code = kit.sink.next_code("bob@legacy.example")
    kit.uidp.confirm_forgot_password(ClientId=client, Username="legacy-bob", ConfirmationCode=code,
                                     Password="Brand#New1password")
    kit.sign_in(client, "legacy-bob", "Brand#New1password")
    with client_error("UserLambdaValidationException", message_contains=["UserMigration failed with error Bad username."]):
        kit.uidp.forgot_password(ClientId=client, Username="nobody-at-all")


# -- Failures -------------------------------------------------------------------------------------------------


def test_functions_that_fail_get_cognitos_errors(kit):
    for fn, code, text in [
        ("throwing", "UserLambdaValidationException", "PreSignUp failed with error Something went wrong."),
        ("notAnEvent", "InvalidLambdaResponseException", "Unrecognizable lambda output"),
        ("noSuchFunction", "UnexpectedLambdaException", "PreSignUp invocation failed"),
    ]:
        pool = pool_with(kit, PreSignUp=fn)
        client = kit.client(pool)
        with client_error(code, message_contains=[text]):
            kit.uidp.sign_up(ClientId=client, Username="u", Password=PASSWORD,
                             UserAttributes=attrs({"email": new_email("f")}))
        assert not user_exists(kit, pool, "u")


def test_a_server_without_a_lambda_endpoint_refuses_rather_than_skipping_triggers(server_factory):
    srv: LatchkeyServer = server_factory()
    srv.start()
    kit = Kit(srv, None)
    pool = pool_with(kit, PreSignUp="preSignUp")
    with client_error("UnexpectedLambdaException"):
        kit.uidp.sign_up(ClientId=kit.client(pool), Username="u", Password=PASSWORD,
                         UserAttributes=attrs({"email": new_email("n")}))


def test_invocations_are_counted_in_metrics(kit):
    with urllib.request.urlopen(f"{kit.endpoint}/metrics", timeout=5) as r:
        text = r.read().decode()
    assert 'latchkey_trigger_invocations_total{trigger="PreSignUp",transport="lambda",outcome="success"}' in text
    assert 'outcome="failed"' in text
    assert "latchkey_trigger_duration_seconds_bucket" in text


# -- What Amplify v6 sees -------------------------------------------------------------------------------------


def run_amplify(scenario: str, request: dict) -> dict:
    ensure_packages(["aws-amplify/package.json"])
    r = subprocess.run([node_exe(), str(NODE_DIR / "triggers_amplify.mjs"), scenario], input=json.dumps(request),
                       cwd=NODE_DIR, capture_output=True, text=True, timeout=120, env=clean_env())
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON from triggers_amplify.mjs (exit {r.returncode})\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return json.loads(lines[-1])


def test_amplify_sign_up_confirmed_by_pre_sign_up_then_tokens_with_pre_token_generation_claims(kit):
    pool = kit.pool(LambdaConfig={"PreSignUp": arn("preSignUp"),
                                  "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": arn("preTokenV2")}},
                    UsernameAttributes=["email"])
    client = kit.client(pool)
    email = new_email("amp")
    out = run_amplify("sign-up-then-sign-in", {"endpoint": kit.endpoint, "poolId": pool, "clientId": client,
                                               "username": email, "password": PASSWORD, "email": email})
    assert out["ok"], out
    assert out["steps"]["signUp"]["isSignUpComplete"] is True
    assert out["steps"]["signUp"]["nextStep"]["signUpStep"] == "DONE"
    assert out["steps"]["signIn"]["nextStep"]["signInStep"] == "DONE"
    access = out["steps"]["tokens"]["access"]
    assert access["tenant"] == "acme" and "orders/read" in access["scope"].split()
    assert out["steps"]["tokens"]["id"]["tier"] == "gold"


def test_amplify_sees_a_refused_sign_up_as_cognitos_error(kit):
    pool = kit.pool(LambdaConfig={"PreSignUp": arn("preSignUp")}, UsernameAttributes=["email"])
    out = run_amplify("sign-up", {"endpoint": kit.endpoint, "poolId": pool, "clientId": kit.client(pool),
                                  "username": "eve@blocked.example", "password": PASSWORD,
                                  "email": "eve@blocked.example"})
    assert not out["ok"]
    assert out["error"] == "UserLambdaValidationException"
    assert out["message"] == "PreSignUp failed with error Cannot register users from this domain."


def test_amplify_signs_in_a_migrated_user(kit):
    pool = pool_with(kit, UserMigration="userMigration")
    out = run_amplify("sign-in", {"endpoint": kit.endpoint, "poolId": pool, "clientId": kit.client(pool),
                                  "username": "legacy-ann", "password": "Legacy#Pass1word",
                                  "authFlowType": "USER_PASSWORD_AUTH"})
    assert out["ok"], out
    assert out["steps"]["tokens"]["id"]["email"] == "ann@legacy.example"
