"""The AWS CLI v1 (from PyPI) against the server: `aws --endpoint-url ... cognito-idp ...`, JSON output parsed."""

import re

from conftest import DEFAULT_ACCOUNT, unique


def test_cli_create_and_describe_pool(aws_cli):
    name = unique("cli")
    created = aws_cli("cognito-idp", "create-user-pool", "--pool-name", name).json()
    pool = created["UserPool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool["Id"]), pool["Id"]
    assert pool["Name"] == name
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:{DEFAULT_ACCOUNT}:userpool/{pool['Id']}"

    described = aws_cli("cognito-idp", "describe-user-pool", "--user-pool-id", pool["Id"]).json()["UserPool"]
    assert described["Id"] == pool["Id"]
    assert described["Name"] == name
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert described["MfaConfiguration"] == "OFF"
    assert len(described["SchemaAttributes"]) == 20


def test_cli_list_user_pools(aws_cli, server):
    region = "ca-central-1"
    ids = set()
    for i in range(3):
        out = aws_cli("cognito-idp", "create-user-pool", "--pool-name", f"cli-list-{i}", region=region).json()
        ids.add(out["UserPool"]["Id"])
    listed = aws_cli("cognito-idp", "list-user-pools", "--max-results", "10", region=region).json()
    assert {p["Id"] for p in listed["UserPools"]} == ids
    for p in listed["UserPools"]:
        assert p["Id"].startswith("ca-central-1_")
        assert p["Name"].startswith("cli-list-")

    # With an explicit --max-results the CLI v1 does not paginate by itself: one page and a NextToken, which
    # --next-token continues from.
    seen, token, pages = [], None, 0
    while True:
        args = ["cognito-idp", "list-user-pools", "--max-results", "1"]
        if token:
            args += ["--next-token", token]
        page = aws_cli(*args, region=region).json()
        pages += 1
        assert len(page["UserPools"]) <= 1
        seen += [p["Id"] for p in page["UserPools"]]
        token = page.get("NextToken")
        if not token:
            break
        assert pages < 10
    assert len(seen) == len(set(seen)) and set(seen) == ids, seen


def test_cli_create_user_pool_client(aws_cli):
    pool = aws_cli("cognito-idp", "create-user-pool", "--pool-name", unique("clic")).json()["UserPool"]["Id"]
    out = aws_cli(
        "cognito-idp", "create-user-pool-client",
        "--user-pool-id", pool,
        "--client-name", "cli-app",
        "--generate-secret",
        "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
    ).json()
    client = out["UserPoolClient"]
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    assert len(client["ClientSecret"]) == 51
    assert client["UserPoolId"] == pool
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]

    described = aws_cli("cognito-idp", "describe-user-pool-client", "--user-pool-id", pool,
                        "--client-id", client["ClientId"]).json()["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]
    listed = aws_cli("cognito-idp", "list-user-pool-clients", "--user-pool-id", pool, "--max-results", "5").json()
    assert [c["ClientId"] for c in listed["UserPoolClients"]] == [client["ClientId"]]


def test_cli_service_error(aws_cli):
    r = aws_cli("cognito-idp", "describe-user-pool", "--user-pool-id", "us-east-1_Missing40")
    assert r.returncode != 0
    assert "ResourceNotFoundException" in r.stderr, r.stderr
    assert "DescribeUserPool" in r.stderr, r.stderr


def test_cli_bad_credentials(aws_cli):
    r = aws_cli("cognito-idp", "list-user-pools", "--max-results", "1", secret="wrong-secret-wrong-secret-00000000")
    assert r.returncode != 0
    assert "InvalidSignatureException" in r.stderr, r.stderr
