"""STS on Latchkey's listener, driven by real clients: boto3's and the AWS CLI's GetCallerIdentity with the admin key,
presigned GetCallerIdentity URLs from botocore fetched with urllib (as a service checking a caller's AWS identity
does), forged, tampered and expired variants, and the classic (basic) identity-pool flow: GetOpenIdToken's token
traded at STS AssumeRoleWithWebIdentity for credentials that GetCallerIdentity then accepts."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore
from botocore.config import Config

from conftest import DEFAULT_ACCOUNT, client_error, unique

NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
UNAUTH_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/Cognito_CompatUnauth_Role"
AUTH_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/Cognito_CompatAuth_Role"


def sts(server, key_id=None, secret=None, token=None):
    return boto3.client(
        "sts", region_name="us-east-1", endpoint_url=server.endpoint,
        aws_access_key_id=key_id or server.key_id, aws_secret_access_key=secret or server.secret,
        aws_session_token=token, config=CONFIG,
    )


def unsigned(server, service):
    return boto3.client(
        service, region_name="us-east-1", endpoint_url=server.endpoint,
        config=Config(signature_version=botocore.UNSIGNED, retries={"total_max_attempts": 1}),
    )


def fetch(url, method="GET"):
    """(status, parsed XML root) of a presigned URL; HTTP errors are answers too."""
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, body, ctype = r.status, r.read(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        status, body, ctype = e.code, e.read(), e.headers.get("Content-Type")
    assert ctype == "text/xml", ctype
    return status, ET.fromstring(body)


def caller(root):
    result = root.find(f"{NS}GetCallerIdentityResult")
    return {k: result.find(f"{NS}{k}").text for k in ("Arn", "UserId", "Account")}


def error_code(root):
    return root.find(f"{NS}Error/{NS}Code").text


def with_param(url, name, value):
    """`url` with the query parameter `name` set to `value` (everything else, signature included, as it was)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, value if k == name else v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def test_boto3_get_caller_identity_with_the_admin_key(server):
    me = sts(server).get_caller_identity()
    assert me["Account"] == DEFAULT_ACCOUNT
    assert me["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"
    assert me["UserId"] == DEFAULT_ACCOUNT
    assert me["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(me["ResponseMetadata"]["RequestId"]) == 36


def test_aws_cli_get_caller_identity(aws_cli):
    me = aws_cli("sts", "get-caller-identity").json()
    assert me == {"UserId": DEFAULT_ACCOUNT, "Account": DEFAULT_ACCOUNT, "Arn": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"}


def test_aws_cli_refused_key(aws_cli):
    r = aws_cli("sts", "get-caller-identity", key_id="AKIAUNKNOWNKEY000000")
    assert r.returncode != 0
    assert "InvalidClientTokenId" in r.stderr and "GetCallerIdentity" in r.stderr, r.stderr


def test_boto3_refusals(server):
    with client_error("InvalidClientTokenId", status=403, message_contains=["security token"]):
        sts(server, key_id="AKIAUNKNOWNKEY000000").get_caller_identity()
    with client_error("SignatureDoesNotMatch", status=403):
        sts(server, secret="not-the-secret").get_caller_identity()
    # Temporary credentials that Latchkey never issued: the session token does not open.
    with client_error("InvalidClientTokenId", status=403):
        sts(server, key_id="ASIAFORGEDFORGED0000", secret="x" * 40, token="Zm9yZ2VkLXRva2Vu").get_caller_identity()
    with client_error("InvalidIdentityToken", status=400):
        unsigned(server, "sts").assume_role_with_web_identity(
            RoleArn=UNAUTH_ROLE, RoleSessionName="compat", WebIdentityToken="not.a.token")


def test_presigned_get_caller_identity(server):
    client = sts(server)
    # HttpMethod GET: the URL is signed for GET, as a caller proving its identity hands it on.
    url = client.generate_presigned_url("get_caller_identity", HttpMethod="GET", ExpiresIn=60)
    assert "X-Amz-Signature=" in url and "Action=GetCallerIdentity" in url
    status, root = fetch(url)
    assert status == 200
    assert caller(root) == {"Arn": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root", "UserId": DEFAULT_ACCOUNT,
                            "Account": DEFAULT_ACCOUNT}
    # botocore's default presigns for the operation's own method, POST.
    status, root = fetch(client.generate_presigned_url("get_caller_identity"), method="POST")
    assert status == 200 and caller(root)["Account"] == DEFAULT_ACCOUNT
    # ...which a GET does not match.
    status, root = fetch(client.generate_presigned_url("get_caller_identity"))
    assert (status, error_code(root)) == (403, "SignatureDoesNotMatch")


def test_presigned_refusals(server):
    client = sts(server)
    url = client.generate_presigned_url("get_caller_identity", HttpMethod="GET", ExpiresIn=60)
    for tampered in (
        url + "&Extra=1",
        with_param(url, "X-Amz-SignedHeaders", "host;user-agent"),
        with_param(url, "X-Amz-Expires", "604800"),
        with_param(url, "X-Amz-Signature", "0" * 64),
    ):
        status, root = fetch(tampered)
        assert (status, error_code(root)) == (403, "SignatureDoesNotMatch"), tampered
    credential = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Credential"]
    status, root = fetch(with_param(url, "X-Amz-Credential", credential.replace(server.key_id, "AKIAUNKNOWNKEY000000")))
    assert (status, error_code(root)) == (403, "InvalidClientTokenId")
    forged = sts(server, secret="not-the-secret").generate_presigned_url(
        "get_caller_identity", HttpMethod="GET", ExpiresIn=60)
    status, root = fetch(forged)
    assert (status, error_code(root)) == (403, "SignatureDoesNotMatch")
    short = client.generate_presigned_url("get_caller_identity", HttpMethod="GET", ExpiresIn=1)
    time.sleep(2.1)
    status, root = fetch(short)
    assert (status, error_code(root)) == (403, "SignatureDoesNotMatch")
    assert "Signature expired" in root.find(f"{NS}Error/{NS}Message").text


def classic_pool(server, allow_unauthenticated=True, classic=True):
    identity = boto3.client(
        "cognito-identity", region_name="us-east-1", endpoint_url=server.endpoint,
        aws_access_key_id=server.key_id, aws_secret_access_key=server.secret, config=CONFIG,
    )
    pool = identity.create_identity_pool(
        IdentityPoolName=unique("sts").replace("-", "_"), AllowUnauthenticatedIdentities=allow_unauthenticated,
        AllowClassicFlow=classic)["IdentityPoolId"]
    identity.set_identity_pool_roles(
        IdentityPoolId=pool, Roles={"unauthenticated": UNAUTH_ROLE, "authenticated": AUTH_ROLE})
    return pool


def test_classic_flow_credentials_are_accepted_by_sts(server):
    pool = classic_pool(server)
    identity = unsigned(server, "cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=pool)["IdentityId"]
    token = identity.get_open_id_token(IdentityId=identity_id)["Token"]

    assumed = unsigned(server, "sts").assume_role_with_web_identity(
        RoleArn=UNAUTH_ROLE, RoleSessionName="compat-session", WebIdentityToken=token, DurationSeconds=900)
    creds = assumed["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40
    remaining = creds["Expiration"].timestamp() - time.time()
    assert 880 < remaining <= 901, remaining
    assert assumed["SubjectFromWebIdentityToken"] == identity_id
    assert assumed["Audience"] == pool
    arn = f"arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/Cognito_CompatUnauth_Role/compat-session"
    assert assumed["AssumedRoleUser"]["Arn"] == arn
    assert assumed["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")

    me = sts(server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).get_caller_identity()
    assert me["Arn"] == arn
    assert me["Account"] == DEFAULT_ACCOUNT
    assert me["UserId"] == assumed["AssumedRoleUser"]["AssumedRoleId"]

    # The same credentials presign, with their session token in the URL.
    url = sts(server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).generate_presigned_url(
        "get_caller_identity", HttpMethod="GET", ExpiresIn=60)
    assert "X-Amz-Security-Token=" in url
    status, root = fetch(url)
    assert status == 200 and caller(root)["Arn"] == arn

    # A session token altered, or paired with another key id, is not Latchkey's.
    token = creds["SessionToken"]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with client_error("InvalidClientTokenId", status=403):
        sts(server, creds["AccessKeyId"], creds["SecretAccessKey"], altered).get_caller_identity()
    with client_error("InvalidClientTokenId", status=403):
        sts(server, "ASIA" + "Z" * 16, creds["SecretAccessKey"], token).get_caller_identity()
    # ...and temporary credentials are no admin key for the Cognito APIs.
    idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=server.endpoint,
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"], config=CONFIG)
    with client_error("UnrecognizedClientException"):
        idp.list_user_pools(MaxResults=1)


def test_classic_flow_refusals(server):
    pool = classic_pool(server)
    identity = unsigned(server, "cognito-identity")
    token = identity.get_open_id_token(IdentityId=identity.get_id(IdentityPoolId=pool)["IdentityId"])["Token"]
    client = unsigned(server, "sts")
    # An unauthenticated identity may not take the authenticated role, nor a role the pool does not name.
    for role in (AUTH_ROLE, f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/Admin"):
        with client_error("AccessDenied", status=403):
            client.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=token)
    parts = token.split(".")
    with client_error("InvalidIdentityToken", status=400):
        client.assume_role_with_web_identity(
            RoleArn=UNAUTH_ROLE, RoleSessionName="s1", WebIdentityToken=f"{parts[0]}.{parts[1]}.{parts[2][:-4]}AAAA")


def test_identity_tokens_verify_against_the_published_keys(server):
    """GetOpenIdToken's token checked by PyJWT with nothing but the issuer's discovery document."""
    import jwt

    pool = classic_pool(server)
    identity = unsigned(server, "cognito-identity")
    identity_id = identity.get_id(IdentityPoolId=pool)["IdentityId"]
    token = identity.get_open_id_token(IdentityId=identity_id)["Token"]
    issuer = f"{server.endpoint}/cognito-identity"
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=10) as r:
        discovery = json.load(r)
    assert discovery["issuer"] == issuer
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=pool, issuer=issuer)
    assert claims["sub"] == identity_id
    assert "unauthenticated" in claims["amr"]
