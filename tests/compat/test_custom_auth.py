"""Custom authentication (CUSTOM_AUTH) with the three challenge triggers written exactly as Lambda functions
(tests/compat/triggers/defineAuthChallenge.mjs, createAuthChallenge.mjs, verifyAuthChallengeResponse.mjs: passwordless
sign-in with a six-digit code that the create function mails with nodemailer to the test's SMTP sink), running in the
Node Lambda-Invoke runtime, which finds nodemailer as a deployed function would, in node_modules beside it. Real clients drive it: boto3 (InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
AdminRespondToAuthChallenge), amazon-cognito-identity-js (initiateAuth + customChallenge + sendCustomChallengeAnswer,
and authenticateUser with SRP first) and Amplify v6 (signIn with CUSTOM_WITHOUT_SRP and CUSTOM_WITH_SRP,
confirmSignIn). The events the functions received are checked against the shapes AWS documents.

Cognito's managed login does not offer custom authentication, so there is no hosted-UI test here."""

from __future__ import annotations

import json

import pytest

from conftest import client_error
from nodelib import ensure_packages, node_exe, run_steps
from test_node_clients import code_endpoint  # noqa: F401 (fixture: GET /code?to=<address>)
from test_triggers import kit  # noqa: F401 (fixture: a server whose functions run in this module's runtime)
from triggerlib import NodeLambdaRuntime, arn, link_node_modules
from userlib import PASSWORD, Kit, jwt_claims, new_email, secret_hash

CUSTOM = {"DefineAuthChallenge": arn("defineAuthChallenge"), "CreateAuthChallenge": arn("createAuthChallenge"),
          "VerifyAuthChallengeResponse": arn("verifyAuthChallengeResponse")}
FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
INCORRECT = "Incorrect username or password."


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, mail_sink):
    rt = NodeLambdaRuntime(env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_sink.port)},
                           log_dir=tmp_path_factory.mktemp("runtime"))
    ensure_packages(["nodemailer/package.json"])
    link_node_modules()
    rt.start()
    yield rt
    rt.stop()


def setup(kit: Kit, lambdas=None, flows=FLOWS, **client):
    """A pool with the challenge functions, a client allowing CUSTOM_AUTH, and a confirmed user with an email."""
    pool = kit.pool(LambdaConfig=CUSTOM if lambdas is None else lambdas)
    app = kit.app(pool, flows, **client)
    email = new_email("custom")
    name = email.split("@")[0]
    kit.admin_user(pool, name, email=email)
    return pool, app, name, email


def events(runtime: NodeLambdaRuntime, fn: str, pool: str) -> list:
    return [e for e in runtime.events(fn) if e["userPoolId"] == pool]


def respond(kit: Kit, cid: str, session: str, name: str, answer: str, **kw) -> dict:
    return kit.uidp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=session,
                                              ChallengeResponses={"USERNAME": name, "ANSWER": answer}, **kw)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_code_by_email_signs_in_after_a_mistyped_one(kit, runtime):
    pool, app, name, email = setup(kit)
    cid = app["ClientId"]
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name},
                               ClientMetadata={"from": "initiate"})
    assert r["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert r["ChallengeParameters"] == {"email": email, "USERNAME": name}
    code = kit.sink.next_code(email)
    # A wrong code: the same challenge again (the function's second try), in a new Session; no new mail.
    again = respond(kit, cid, r["Session"], name, wrong(code), ClientMetadata={"from": "respond"})
    assert again["ChallengeName"] == "CUSTOM_CHALLENGE" and again["Session"] != r["Session"]
    kit.sink.assert_no_new_message(email, within=0.5)
    done = respond(kit, cid, again["Session"], name, code)
    claims = jwt_claims(done["AuthenticationResult"]["IdToken"])
    assert claims["cognito:username"] == name and claims["email"] == email

    defines = events(runtime, "defineAuthChallenge", pool)
    first, last = defines[0], defines[-1]
    assert first["triggerSource"] == "DefineAuthChallenge_Authentication" and first["userName"] == name
    assert first["callerContext"]["clientId"] == cid
    assert first["request"]["session"] == [] and first["request"]["userAttributes"]["email"] == email
    # InitiateAuth's ClientMetadata reaches none of the challenge functions; RespondToAuthChallenge's does.
    assert "clientMetadata" not in first["request"]
    tries = [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": ok, "challengeMetadata": f"CODE-{code}"}
             for ok in (False, True)]
    assert last["request"]["session"] == tries
    creates = events(runtime, "createAuthChallenge", pool)
    assert [c["request"]["challengeName"] for c in creates] == ["CUSTOM_CHALLENGE"] * 2
    assert creates[1]["request"]["session"] == tries[:1]
    assert creates[1]["request"]["clientMetadata"] == {"from": "respond"}
    verify = events(runtime, "verifyAuthChallengeResponse", pool)[0]
    assert verify["triggerSource"] == "VerifyAuthChallengeResponse_Authentication"
    assert verify["request"]["privateChallengeParameters"] == {"code": code}
    assert verify["request"]["challengeAnswer"] == wrong(code)
    assert verify["request"]["clientMetadata"] == {"from": "respond"}


def test_three_wrong_codes_fail_and_a_spent_session_is_refused(kit):
    pool, app, name, email = setup(kit)
    cid = app["ClientId"]
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name})
    code = kit.sink.next_code(email)
    first = r["Session"]
    second = respond(kit, cid, first, name, wrong(code))["Session"]
    with client_error("NotAuthorizedException", message_contains=["session can only be used once"]):
        respond(kit, cid, first, name, code)
    third = respond(kit, cid, second, name, wrong(code))["Session"]
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        respond(kit, cid, third, name, wrong(code))
    # The sign-in is over: even the right code in its last Session is refused.
    with client_error("NotAuthorizedException", message_contains=["session can only be used once"]):
        respond(kit, cid, third, name, code)


def test_admin_initiate_auth_with_a_client_secret(kit, runtime):
    pool, app, name, email = setup(kit, GenerateSecret=True)
    cid, secret = app["ClientId"], app["ClientSecret"]
    r = kit.idp.admin_initiate_auth(UserPoolId=pool, ClientId=cid, AuthFlow="CUSTOM_AUTH",
                                    AuthParameters={"USERNAME": name, "SECRET_HASH": secret_hash(name, cid, secret)})
    code = kit.sink.next_code(email)
    with client_error("NotAuthorizedException", message_contains=["SECRET_HASH was not received"]):
        kit.idp.admin_respond_to_auth_challenge(UserPoolId=pool, ClientId=cid, ChallengeName="CUSTOM_CHALLENGE",
                                                Session=r["Session"],
                                                ChallengeResponses={"USERNAME": name, "ANSWER": code})
    done = kit.idp.admin_respond_to_auth_challenge(
        UserPoolId=pool, ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"],
        ChallengeResponses={"USERNAME": name, "ANSWER": code, "SECRET_HASH": secret_hash(name, cid, secret)})
    assert "AccessToken" in done["AuthenticationResult"]
    assert events(runtime, "defineAuthChallenge", pool)[-1]["callerContext"]["clientId"] == cid


def test_pools_and_clients_not_set_up_for_it_and_a_throwing_function(kit):
    pool, app, name, _ = setup(kit, lambdas={})
    with client_error("InvalidParameterException",
                      message_contains=["Custom auth lambda trigger is not configured for the user pool."]):
        kit.uidp.initiate_auth(ClientId=app["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name})
    pool, app, name, _ = setup(kit, flows=["ALLOW_USER_SRP_AUTH"])
    with client_error("InvalidParameterException", message_contains=["CUSTOM_AUTH flow not enabled for this client"]):
        kit.uidp.initiate_auth(ClientId=app["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name})
    pool, app, name, email = setup(kit, lambdas={**CUSTOM, "DefineAuthChallenge": arn("throwing")})
    with client_error("UserLambdaValidationException",
                      message_contains=["DefineAuthChallenge failed with error Something went wrong."]):
        kit.uidp.initiate_auth(ClientId=app["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": name})
    kit.sink.assert_no_new_message(email, within=0.5)


def test_a_name_without_a_user_is_never_mailed_and_never_signs_in(kit, runtime):
    pool, app, _, _ = setup(kit, PreventUserExistenceErrors="ENABLED")
    cid = app["ClientId"]
    r = kit.uidp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "ghost"})
    assert r["ChallengeName"] == "CUSTOM_CHALLENGE" and r["ChallengeParameters"]["USERNAME"] == "ghost"
    session = r["Session"]
    for _ in range(2):
        session = respond(kit, cid, session, "ghost", "123456")["Session"]
    with client_error("NotAuthorizedException", message_contains=[INCORRECT]):
        respond(kit, cid, session, "ghost", "123456")
    define = events(runtime, "defineAuthChallenge", pool)[0]["request"]
    assert define["userNotFound"] is True and define["userAttributes"] == {}


# -- JavaScript clients -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def custom_node():
    exe = node_exe()
    ensure_packages(["amazon-cognito-identity-js/package.json", "aws-amplify/package.json"])
    return exe


def run_node(node: str, scenario: str, request: dict) -> dict:
    return run_steps(node, "custom_auth.mjs", scenario, stdin=json.dumps(request))


def flow_of(out: dict) -> list:
    return [f"{c['target']}:{c.get('challengeName') or c.get('authFlow')}" for c in out["calls"]]


def node_request(kit, pool, app, name, email, endpoint) -> dict:
    return {"endpoint": kit.endpoint, "poolId": pool, "clientId": app["ClientId"], "username": name, "email": email,
            "password": PASSWORD, "codesUrl": endpoint}


def test_amazon_cognito_identity_js_custom_challenge(kit, custom_node, code_endpoint):
    pool, app, name, email = setup(kit)
    out = run_node(custom_node, "cognitoCustom", node_request(kit, pool, app, name, email, code_endpoint))
    steps = out["steps"]
    assert steps["initiateAuth"] == {"result": "customChallenge", "parameters": {"email": email, "USERNAME": name}}
    assert steps["wrongAnswer"]["result"] == "customChallenge"
    assert steps["rightAnswer"]["result"] == "onSuccess" and steps["rightAnswer"]["idClaims"]["email"] == email
    assert flow_of(out) == ["InitiateAuth:CUSTOM_AUTH"] + ["RespondToAuthChallenge:CUSTOM_CHALLENGE"] * 2


def test_amazon_cognito_identity_js_password_then_code(kit, runtime, custom_node, code_endpoint):
    pool, app, name, email = setup(kit, flows=FLOWS + ["ALLOW_USER_SRP_AUTH"])
    out = run_node(custom_node, "cognitoSrpCustom", node_request(kit, pool, app, name, email, code_endpoint))
    assert out["steps"]["authenticateUser"]["result"] == "customChallenge"
    assert out["steps"]["answer"]["result"] == "onSuccess"
    assert flow_of(out) == ["InitiateAuth:CUSTOM_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                            "RespondToAuthChallenge:CUSTOM_CHALLENGE"]
    initiate, verifier = out["calls"][0], out["calls"][1]
    assert initiate["authParameters"]["CHALLENGE_NAME"] == "SRP_A"
    assert initiate["responseChallenge"] == "PASSWORD_VERIFIER" and initiate["responseSession"] == "present"
    assert verifier["session"] == "present" and verifier["responseChallenge"] == "CUSTOM_CHALLENGE"
    sessions = [e["request"]["session"] for e in events(runtime, "defineAuthChallenge", pool)]
    srp = [{"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]
    verified = srp + [{"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None}]
    assert sessions[:2] == [srp, verified]
    assert [s["challengeName"] for s in sessions[2]] == ["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"]


def test_amplify_custom_without_srp(kit, custom_node, code_endpoint):
    pool, app, name, email = setup(kit)
    out = run_node(custom_node, "amplifyCustom", node_request(kit, pool, app, name, email, code_endpoint))
    custom_step = {"isSignedIn": False, "nextStep": {"signInStep": "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE",
                                                     "additionalInfo": {"email": email, "USERNAME": name}}}
    assert out["steps"]["signIn"] == custom_step
    assert out["steps"]["wrongCode"] == custom_step
    assert out["steps"]["rightCode"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert out["steps"]["idClaims"]["cognito:username"] == name


def test_amplify_custom_with_srp(kit, custom_node, code_endpoint):
    pool, app, name, email = setup(kit, flows=FLOWS + ["ALLOW_USER_SRP_AUTH"])
    out = run_node(custom_node, "amplifySrpCustom", node_request(kit, pool, app, name, email, code_endpoint))
    assert out["steps"]["wrongPassword"] == {"name": "NotAuthorizedException", "message": INCORRECT}
    assert out["steps"]["signIn"]["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"
    assert out["steps"]["confirmSignIn"] == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
    assert out["steps"]["idClaims"]["email"] == email
    assert flow_of(out)[-3:] == ["InitiateAuth:CUSTOM_AUTH", "RespondToAuthChallenge:PASSWORD_VERIFIER",
                                 "RespondToAuthChallenge:CUSTOM_CHALLENGE"]
