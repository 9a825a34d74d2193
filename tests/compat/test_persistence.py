"""Durability: everything written before a `kill -9` is there after a restart on the same storage, for the
embedded store (data dir) and for PostgreSQL (--database-url, in a throw-away schema)."""

import os
import shutil
import subprocess
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import LATCHKEY_BIN, all_pools, clean_env, free_port, unique
from test_user_pools import full_pool_request

PG_URL = os.environ.get("LATCHKEY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def snapshot(srv, pool_ids, clients):
    """Everything the API shows about the given pools and clients, per region."""
    out = {}
    for pid in pool_ids:
        region = pid.split("_")[0]
        idp = srv.client(region=region)
        pool = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
        out[pid] = {
            "pool": pool,
            "mfa": {k: v for k, v in idp.get_user_pool_mfa_config(UserPoolId=pid).items() if k != "ResponseMetadata"},
            "tags": idp.list_tags_for_resource(ResourceArn=pool["Arn"]).get("Tags", {}),
            "csv": idp.get_csv_header(UserPoolId=pid)["CSVHeader"],
            "clients": sorted(
                c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pid, MaxResults=60)["UserPoolClients"]
            ),
        }
    for pid, cid in clients:
        idp = srv.client(region=pid.split("_")[0])
        out[(pid, cid)] = idp.describe_user_pool_client(UserPoolId=pid, ClientId=cid)["UserPoolClient"]
    return out


def restart_after_kill9(srv):
    srv.kill9()
    srv.port = free_port()
    srv.start()


def run_durability_scenario(srv):
    srv.start()
    idp = srv.client()
    eu = srv.client(region="eu-west-1")

    # --- First batch of writes.
    a = idp.create_user_pool(**full_pool_request(unique("durable-a"), deletion_protection="INACTIVE"))["UserPool"]["Id"]
    idp.add_custom_attributes(UserPoolId=a, CustomAttributes=[{"Name": "later", "AttributeDataType": "String"}])
    idp.set_user_pool_mfa_config(UserPoolId=a, SoftwareTokenMfaConfiguration={"Enabled": True},
                                 MfaConfiguration="OPTIONAL")
    arn_a = idp.describe_user_pool(UserPoolId=a)["UserPool"]["Arn"]
    idp.tag_resource(ResourceArn=arn_a, Tags={"added": "later"})
    a1 = idp.create_user_pool_client(
        UserPoolId=a, ClientName="a1", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        CallbackURLs=["https://app.example.com/cb"], AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True, AccessTokenValidity=15, TokenValidityUnits={"AccessToken": "minutes"},
    )["UserPoolClient"]["ClientId"]
    a2 = idp.create_user_pool_client(UserPoolId=a, ClientName="a2")["UserPoolClient"]["ClientId"]
    e = eu.create_user_pool(PoolName=unique("durable-eu"))["UserPool"]["Id"]
    e1 = eu.create_user_pool_client(UserPoolId=e, ClientName="e1")["UserPoolClient"]["ClientId"]

    before = snapshot(srv, [a, e], [(a, a1), (a, a2), (e, e1)])
    assert before[a]["mfa"]["MfaConfiguration"] == "OPTIONAL"
    assert before[a]["tags"]["added"] == "later"
    assert "custom:later" in before[a]["csv"]
    assert sorted(before[a]["clients"]) == sorted([a1, a2])

    restart_after_kill9(srv)
    after = snapshot(srv, [a, e], [(a, a1), (a, a2), (e, e1)])
    assert after == before, "state after kill -9 and restart differs"
    assert e in [p["Id"] for p in all_pools(srv.client(region="eu-west-1"))]
    assert a in [p["Id"] for p in all_pools(srv.client())]

    # --- Second batch of writes, on the restarted server.
    idp = srv.client()
    idp.update_user_pool(UserPoolId=a, AutoVerifiedAttributes=["email"], PoolName="durable-a-renamed")
    idp.untag_resource(ResourceArn=arn_a, TagKeys=["added"])
    b = idp.create_user_pool(PoolName=unique("durable-b"))["UserPool"]["Id"]
    b1 = idp.create_user_pool_client(UserPoolId=b, ClientName="b1", GenerateSecret=True)["UserPoolClient"]["ClientId"]
    idp.update_user_pool_client(UserPoolId=a, ClientId=a1, ClientName="a1-renamed", RefreshTokenValidity=7)
    idp.delete_user_pool_client(UserPoolId=a, ClientId=a2)
    srv.client(region="eu-west-1").delete_user_pool(UserPoolId=e)

    before2 = snapshot(srv, [a, b], [(a, a1), (b, b1)])
    assert before2[a]["pool"]["Name"] == "durable-a-renamed"
    assert before2[(a, a1)]["ClientName"] == "a1-renamed"
    assert before2[(a, a1)]["ClientSecret"] == before[(a, a1)]["ClientSecret"]

    restart_after_kill9(srv)
    after2 = snapshot(srv, [a, b], [(a, a1), (b, b1)])
    assert after2 == before2, "state after the second kill -9 and restart differs"
    assert after2[a]["clients"] == [a1]
    assert "added" not in after2[a]["tags"]
    idp = srv.client()
    with pytest.raises(ClientError) as ex:
        idp.describe_user_pool_client(UserPoolId=a, ClientId=a2)
    assert ex.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as ex:
        srv.client(region="eu-west-1").describe_user_pool(UserPoolId=e)
    assert ex.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e not in [p["Id"] for p in all_pools(srv.client(region="eu-west-1"))]
    ids = [p["Id"] for p in all_pools(idp)]
    assert a in ids and b in ids
    assert len(ids) == len(set(ids))

    # A graceful stop and start keeps it too.
    srv.stop()
    srv.start()
    assert snapshot(srv, [a, b], [(a, a1), (b, b1)]) == before2


def test_embedded_store_survives_kill9(server_factory, tmp_path):
    srv = server_factory(data_dir=tmp_path / "durable")
    run_durability_scenario(srv)


def test_data_dir_is_the_storage(server_factory, tmp_path):
    """A second server on a different data dir does not see the first one's pools."""
    one = server_factory(data_dir=tmp_path / "one").start()
    pid = one.client().create_user_pool(PoolName=unique("iso"))["UserPool"]["Id"]
    two = server_factory(data_dir=tmp_path / "two").start()
    assert pid not in [p["Id"] for p in all_pools(two.client())]
    # A copy of the data dir (taken while stopped) carries the pool.
    one.stop()
    shutil.copytree(tmp_path / "one", tmp_path / "copy")
    three = server_factory(data_dir=tmp_path / "copy").start()
    assert three.client().describe_user_pool(UserPoolId=pid)["UserPool"]["Id"] == pid


# --- Concurrent writers --------------------------------------------------------------------------------------


def concurrent_writes(srv, threads=8):
    """Many clients changing the same pool at once lose no update; parallel creates get distinct ids."""
    from concurrent.futures import ThreadPoolExecutor

    pid = srv.client().create_user_pool(PoolName=unique("conc"))["UserPool"]["Id"]
    arn = srv.client().describe_user_pool(UserPoolId=pid)["UserPool"]["Arn"]
    clients = [srv.client() for _ in range(threads)]

    def tag(i):
        clients[i].tag_resource(ResourceArn=arn, Tags={f"k{i}": str(i)})

    def add_attr(i):
        clients[i].add_custom_attributes(UserPoolId=pid,
                                         CustomAttributes=[{"Name": f"a{i}", "AttributeDataType": "String"}])

    def make_pool(i):
        return clients[i].create_user_pool(PoolName=f"par-{i}")["UserPool"]["Id"]

    def make_client(i):
        return clients[i].create_user_pool_client(UserPoolId=pid, ClientName=f"c{i}")["UserPoolClient"]["ClientId"]

    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(tag, range(threads)))
        list(ex.map(add_attr, range(threads)))
        pools = list(ex.map(make_pool, range(threads)))
        cids = list(ex.map(make_client, range(threads)))

    idp = srv.client()
    tags = idp.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert tags == {f"k{i}": str(i) for i in range(threads)}, tags
    names = [a["Name"] for a in idp.describe_user_pool(UserPoolId=pid)["UserPool"]["SchemaAttributes"]]
    assert sorted(n for n in names if n.startswith("custom:")) == sorted(f"custom:a{i}" for i in range(threads))
    assert len(set(pools)) == threads
    listed = {p["Id"] for p in all_pools(idp)}
    assert set(pools) <= listed
    assert len(set(cids)) == threads
    listed_clients = {c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pid, MaxResults=60)["UserPoolClients"]}
    assert listed_clients == set(cids)


def test_concurrent_writers_embedded(server_factory):
    concurrent_writes(server_factory().start())


# --- PostgreSQL ------------------------------------------------------------------------------------------------


def psql(sql, url=PG_URL):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                          capture_output=True, text=True, timeout=30)


@pytest.fixture
def pg_schema():
    why = None
    if shutil.which("psql") is None:
        why = "psql is not installed"
    else:
        try:
            r = psql("select 1")
            if r.returncode != 0 or r.stdout.strip() != "1":
                why = f"PostgreSQL at {PG_URL} unreachable: {r.stderr.strip()}"
        except subprocess.TimeoutExpired:
            why = f"PostgreSQL at {PG_URL} did not answer"
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    schema = f"lk_compat_{uuid.uuid4().hex[:12]}"
    r = psql(f"create schema {schema}")
    assert r.returncode == 0, r.stderr
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-c%20search_path%3D{schema}"
    yield schema, url
    r = psql(f"drop schema if exists {schema} cascade")
    assert r.returncode == 0, r.stderr


def tables_in(schema):
    r = psql(f"select table_name from information_schema.tables where table_schema = '{schema}' order by 1")
    assert r.returncode == 0, r.stderr
    return [t for t in r.stdout.split() if t]


@pytest.mark.postgres
def test_postgres_store_survives_kill9(server_factory, tmp_path, pg_schema):
    schema, url = pg_schema
    r = subprocess.run([str(LATCHKEY_BIN), "migrate", "--database-url", url, "--data-dir", str(tmp_path / "pg-mig")],
                       capture_output=True, text=True, timeout=120, env=clean_env())
    assert r.returncode == 0, f"migrate against PostgreSQL failed:\n{r.stdout}\n{r.stderr}"
    assert tables_in(schema), f"migrate created no tables in schema {schema}"

    srv = server_factory(data_dir=tmp_path / "pg-data", extra_args=["--database-url", url])
    run_durability_scenario(srv)

    # The pools live in PostgreSQL: a server with another, empty data dir on the same database sees them.
    pools = [p["Id"] for p in all_pools(srv.client())]
    srv.stop()
    other = server_factory(data_dir=tmp_path / "pg-data-2", extra_args=["--database-url", url]).start()
    assert sorted(p["Id"] for p in all_pools(other.client())) == sorted(pools)


@pytest.mark.postgres
def test_concurrent_writers_postgres(server_factory, tmp_path, pg_schema):
    _, url = pg_schema
    concurrent_writes(server_factory(data_dir=tmp_path / "pg-conc", extra_args=["--database-url", url]).start())


@pytest.mark.postgres
def test_postgres_schemas_are_isolated(server_factory, tmp_path, pg_schema):
    """Two schemas are two deployments: the search_path in the URL is honoured."""
    schema, url = pg_schema
    srv = server_factory(data_dir=tmp_path / "pg-a", extra_args=["--database-url", url]).start()
    pid = srv.client().create_user_pool(PoolName=unique("pgiso"))["UserPool"]["Id"]
    assert tables_in(schema), "no tables were created in the schema named by search_path"
    other_schema = f"lk_compat_{uuid.uuid4().hex[:12]}"
    assert psql(f"create schema {other_schema}").returncode == 0
    try:
        sep = "&" if "?" in PG_URL else "?"
        other_url = f"{PG_URL}{sep}options=-c%20search_path%3D{other_schema}"
        # (given through the environment this time)
        other = server_factory(data_dir=tmp_path / "pg-b", env={"LATCHKEY_DATABASE_URL": other_url}).start()
        assert pid not in [p["Id"] for p in all_pools(other.client())]
        other.client().create_user_pool(PoolName=unique("pgiso2"))
        assert tables_in(other_schema), "LATCHKEY_DATABASE_URL was not used"
        other.stop()
    finally:
        psql(f"drop schema if exists {other_schema} cascade")


@pytest.mark.postgres
def test_postgres_login_failure_exits_without_leaking_the_password(server_factory, tmp_path, pg_schema):
    url = PG_URL.replace("postgres://postgres@", "postgres://lk_no_such_role:hunter2secret@", 1)
    assert "hunter2secret" in url
    srv = server_factory(data_dir=tmp_path / "pg-bad", extra_args=["--database-url", url])
    srv.start(wait=False)
    try:
        code = srv.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("latchkey kept running with a database it cannot log in to")
    assert code != 0
    assert "hunter2secret" not in srv.stdout() + srv.stderr(), "database password leaked into the output"
    assert srv.stderr().strip(), "no error message on stderr"
