"""Operating the server: health endpoints, Prometheus metrics, configuration precedence (TOML < env < flags),
first-start admin key generation, `latchkey migrate`, JSON logs, SIGTERM."""

import json
import re
import socket
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ADMIN_KEY_ID,
    ADMIN_SECRET,
    DEFAULT_ACCOUNT,
    LATCHKEY_BIN,
    clean_env,
    client_error,
    free_port,
    http_get,
    make_idp,
    unique,
)


def test_health_endpoints(server):
    for path in ("/health/live", "/health/ready"):
        status, _, _ = http_get(f"{server.endpoint}{path}")
        assert status == 200, path


def test_unknown_path_is_not_ok(server):
    status, _, _ = http_get(f"{server.endpoint}/definitely/not/here")
    assert status == 404


# --- Metrics ---------------------------------------------------------------------------------------------------

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"unparseable metrics line: {line!r}"
        labels = dict(LABEL.findall(m.group(2) or ""))
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def metric(samples, name, **labels):
    vals = [v for n, l, v in samples if n == name and all(l.get(k) == str(x) for k, x in labels.items())]
    return sum(vals) if vals else None


def test_metrics_count_calls_by_operation_and_outcome(server_factory):
    srv = server_factory().start()
    idp = srv.client()
    for _ in range(3):
        idp.create_user_pool(PoolName=unique("m"))
    for _ in range(2):
        with pytest.raises(ClientError):
            idp.describe_user_pool(UserPoolId="us-east-1_Missing50")
    idp.list_user_pools(MaxResults=10)

    status, headers, body = http_get(f"{srv.endpoint}/metrics")
    assert status == 200
    assert headers.get("Content-Type", "").startswith(("text/plain", "application/openmetrics-text")), headers
    samples = parse_metrics(body.decode())

    assert metric(samples, "latchkey_requests_total", operation="CreateUserPool", outcome="success") == 3
    assert metric(samples, "latchkey_requests_total", operation="DescribeUserPool",
                  outcome="ResourceNotFoundException") == 2
    assert metric(samples, "latchkey_requests_total", operation="ListUserPools", outcome="success") == 1
    assert metric(samples, "latchkey_requests_total", operation="DescribeUserPool", outcome="success") in (None, 0)

    h = "latchkey_request_duration_seconds"
    assert metric(samples, f"{h}_count", operation="CreateUserPool", outcome="success") == 3
    assert metric(samples, f"{h}_count", operation="DescribeUserPool", outcome="ResourceNotFoundException") == 2
    assert metric(samples, f"{h}_sum", operation="CreateUserPool", outcome="success") >= 0
    buckets = [(l["le"], v) for n, l, v in samples
               if n == f"{h}_bucket" and l.get("operation") == "CreateUserPool" and l.get("outcome") == "success"]
    assert buckets, "no histogram buckets for CreateUserPool"
    inf = [v for le, v in buckets if le in ("+Inf", "Inf", "inf")]
    assert inf == [3], buckets
    counts = [v for _, v in sorted(((float(le.replace("+Inf", "inf")), v) for le, v in buckets))]
    assert counts == sorted(counts), "bucket counts are not cumulative"

    # A second scrape sees further calls.
    idp.create_user_pool(PoolName=unique("m"))
    samples = parse_metrics(http_get(f"{srv.endpoint}/metrics")[2].decode())
    assert metric(samples, "latchkey_requests_total", operation="CreateUserPool", outcome="success") == 4


def test_metrics_count_authentication_failures(server_factory):
    srv = server_factory().start()
    with pytest.raises(ClientError):
        srv.unsigned_client().create_user_pool(PoolName="x")
    with pytest.raises(ClientError):
        srv.client(secret="wrong-secret-wrong-secret-000000000").list_user_pools(MaxResults=1)
    samples = parse_metrics(http_get(f"{srv.endpoint}/metrics")[2].decode())
    assert metric(samples, "latchkey_requests_total", operation="CreateUserPool",
                  outcome="MissingAuthenticationTokenException") == 1
    assert metric(samples, "latchkey_requests_total", operation="ListUserPools",
                  outcome="InvalidSignatureException") == 1


# --- Configuration precedence ----------------------------------------------------------------------------------


def write_toml(path, **values):
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def port_is_closed(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def arn_account(srv, **client_kw):
    pool = srv.client(**client_kw).create_user_pool(PoolName=unique("cfg"))["UserPool"]
    return pool["Arn"].split(":")[4]


def test_config_file_alone(server_factory, tmp_path):
    port = free_port()
    cfg = write_toml(tmp_path / "latchkey.toml", listen=f"127.0.0.1:{port}", data_dir=str(tmp_path / "data"),
                     account_id="111111111111", admin_access_key_id=ADMIN_KEY_ID,
                     admin_secret_access_key=ADMIN_SECRET)
    srv = server_factory(port=port, pass_listen=False, pass_data_dir=False, pass_admin_keys=False,
                         extra_args=["--config", str(cfg)]).start()
    assert arn_account(srv) == "111111111111"
    assert (tmp_path / "data").is_dir() and any((tmp_path / "data").iterdir()), "data_dir from the file not used"


def test_env_beats_file(server_factory, tmp_path):
    file_port, env_port = free_port(), free_port()
    cfg = write_toml(tmp_path / "latchkey.toml", listen=f"127.0.0.1:{file_port}", data_dir=str(tmp_path / "data"),
                     account_id="111111111111", admin_access_key_id="AKIAFILEKEY000000000",
                     admin_secret_access_key="file-secret-file-secret-file-secret-0000")
    env = {
        "LATCHKEY_LISTEN": f"127.0.0.1:{env_port}",
        "LATCHKEY_ACCOUNT_ID": "222222222222",
        "LATCHKEY_ADMIN_ACCESS_KEY_ID": ADMIN_KEY_ID,
        "LATCHKEY_ADMIN_SECRET_ACCESS_KEY": ADMIN_SECRET,
    }
    srv = server_factory(port=env_port, pass_listen=False, pass_data_dir=False, pass_admin_keys=False,
                         env=env, extra_args=["--config", str(cfg)]).start()
    assert port_is_closed(file_port), "the file's listen address is in use although env overrides it"
    assert arn_account(srv) == "222222222222"
    # The file's admin key is not the configured one.
    with client_error("UnrecognizedClientException", status=(400, 403)):
        srv.client(key_id="AKIAFILEKEY000000000", secret="file-secret-file-secret-file-secret-0000").list_user_pools(
            MaxResults=1)


def test_flags_beat_env_and_file(server_factory, tmp_path):
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    cfg = write_toml(tmp_path / "latchkey.toml", listen=f"127.0.0.1:{file_port}", data_dir=str(tmp_path / "data"),
                     account_id="111111111111")
    env = {"LATCHKEY_LISTEN": f"127.0.0.1:{env_port}", "LATCHKEY_ACCOUNT_ID": "222222222222",
           "LATCHKEY_DATA_DIR": str(tmp_path / "env-data")}
    srv = server_factory(port=flag_port, env=env, data_dir=tmp_path / "flag-data",
                         extra_args=["--config", str(cfg), "--account-id", "333333333333"]).start()
    assert port_is_closed(file_port) and port_is_closed(env_port)
    assert arn_account(srv) == "333333333333"
    assert (tmp_path / "flag-data").is_dir() and any((tmp_path / "flag-data").iterdir())
    assert not (tmp_path / "env-data").exists() or not any((tmp_path / "env-data").iterdir())
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def test_env_alone(server_factory, tmp_path):
    port = free_port()
    env = {"LATCHKEY_LISTEN": f"127.0.0.1:{port}", "LATCHKEY_DATA_DIR": str(tmp_path / "env-data"),
           "LATCHKEY_ADMIN_ACCESS_KEY_ID": ADMIN_KEY_ID, "LATCHKEY_ADMIN_SECRET_ACCESS_KEY": ADMIN_SECRET}
    srv = server_factory(port=port, pass_listen=False, pass_data_dir=False, pass_admin_keys=False, env=env).start()
    assert arn_account(srv) == DEFAULT_ACCOUNT
    assert any((tmp_path / "env-data").iterdir())


def test_every_toml_key(server_factory, tmp_path):
    port = free_port()
    db = tmp_path / "elsewhere" / "custom.db"
    db.parent.mkdir()
    cfg = write_toml(
        tmp_path / "all.toml",
        listen=f"127.0.0.1:{port}",
        data_dir=str(tmp_path / "data"),
        database_url=f"sqlite://{db}",
        public_url="https://auth.example.test",
        account_id="444444444444",
        admin_access_key_id=ADMIN_KEY_ID,
        admin_secret_access_key=ADMIN_SECRET,
        log_format="json",
    )
    srv = server_factory(port=port, pass_listen=False, pass_data_dir=False, pass_admin_keys=False,
                         extra_args=["--config", str(cfg)]).start()
    assert arn_account(srv) == "444444444444"
    assert db.exists(), "database_url from the file was not used"
    assert not (tmp_path / "data" / "latchkey.db").exists()
    srv.stop()
    lines = [l for l in srv.stderr().splitlines() if l.strip()]
    assert lines and all(isinstance(json.loads(l), dict) for l in lines), lines[:3]


def test_public_url_flag_is_accepted(server_factory):
    srv = server_factory(extra_args=["--public-url", "https://auth.example.test"]).start()
    assert srv.client().list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200


# --- First-start key generation --------------------------------------------------------------------------------


def wait_for_stdout(srv, pattern, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, srv.stdout(), re.MULTILINE)
        if m:
            return m
        time.sleep(0.05)
    return None


def test_first_start_generates_and_prints_admin_key_once(server_factory, tmp_path):
    data = tmp_path / "keydata"
    first = server_factory(data_dir=data, admin_keys=None).start()
    m_id = wait_for_stdout(first, r"^AWS_ACCESS_KEY_ID=(\S+)\s*$")
    m_secret = wait_for_stdout(first, r"^AWS_SECRET_ACCESS_KEY=(\S+)\s*$")
    assert m_id and m_secret, f"generated key not printed on stdout:\n{first.diagnostics()}"
    key_id, secret = m_id.group(1), m_secret.group(1)
    assert len(secret) >= 20
    assert first.stdout().count(secret) == 1, "secret printed more than once"
    assert secret not in first.stderr(), "secret leaked into the logs"

    # Wherever the secret is stored in the data dir, only the owner may read it.
    holders = [f for f in data.rglob("*") if f.is_file() and secret.encode() in f.read_bytes()]
    for f in holders:
        assert f.stat().st_mode & 0o077 == 0, f"{f} holds the admin secret but is readable by others"

    idp = make_idp(first.endpoint, "us-east-1", key_id, secret)
    pid = idp.create_user_pool(PoolName=unique("gen"))["UserPool"]["Id"]
    with client_error("InvalidSignatureException", status=(400, 403)):
        make_idp(first.endpoint, "us-east-1", key_id, secret + "x").list_user_pools(MaxResults=1)
    assert first.stop() is not None

    second = server_factory(data_dir=data, admin_keys=None).start()
    idp2 = make_idp(second.endpoint, "us-east-1", key_id, secret)
    assert idp2.describe_user_pool(UserPoolId=pid)["UserPool"]["Id"] == pid
    out = second.stdout()
    assert secret not in out, "secret printed again on restart"
    assert "AWS_SECRET_ACCESS_KEY=" not in out
    assert secret not in second.stderr()


def test_explicit_admin_key_is_not_printed(server_factory):
    srv = server_factory().start()
    srv.client().list_user_pools(MaxResults=1)
    assert ADMIN_SECRET not in srv.stdout()
    assert ADMIN_SECRET not in srv.stderr()
    assert "AWS_SECRET_ACCESS_KEY=" not in srv.stdout()


# --- migrate, logs, shutdown -----------------------------------------------------------------------------------


def run_latchkey(*args, env=None, timeout=60):
    return subprocess.run([str(LATCHKEY_BIN), *args], capture_output=True, text=True, env=clean_env(env),
                          timeout=timeout)


def test_migrate_then_serve(server_factory, tmp_path):
    data = tmp_path / "migrated"
    for _ in range(2):  # idempotent
        r = run_latchkey("migrate", env={"LATCHKEY_DATA_DIR": str(data)})
        assert r.returncode == 0, f"migrate failed: {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert data.is_dir() and any(data.iterdir()), "migrate created nothing in the data dir"
    srv = server_factory(data_dir=data).start()
    pid = srv.client().create_user_pool(PoolName=unique("mig"))["UserPool"]["Id"]
    srv.stop()
    r = run_latchkey("migrate", env={"LATCHKEY_DATA_DIR": str(data)})
    assert r.returncode == 0, r.stderr
    srv.start()
    assert srv.client().describe_user_pool(UserPoolId=pid)["UserPool"]["Id"] == pid


def test_migrate_with_data_dir_flag(tmp_path):
    data = tmp_path / "migrated-flag"
    r = run_latchkey("migrate", "--data-dir", str(data))
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    assert data.is_dir() and any(data.iterdir())


def test_json_logs(server_factory):
    srv = server_factory(extra_args=["--log-format", "json"]).start()
    srv.client().create_user_pool(PoolName=unique("log"))
    srv.stop()
    lines = [l for l in (srv.stdout() + "\n" + srv.stderr()).splitlines() if l.strip()]
    parsed = []
    for l in lines:
        try:
            parsed.append(json.loads(l))
        except ValueError:
            pass
    assert parsed and all(isinstance(p, dict) for p in parsed), f"no JSON log lines:\n{srv.diagnostics()}"
    err_lines = [l for l in srv.stderr().splitlines() if l.strip()]
    bad = [l for l in err_lines if not l.lstrip().startswith("{")]
    assert not bad, f"non-JSON log lines with --log-format json: {bad[:5]}"


def test_sigterm_stops_promptly(server_factory):
    srv = server_factory().start()
    srv.client().list_user_pools(MaxResults=1)
    t0 = time.monotonic()
    srv.proc.terminate()
    try:
        code = srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("latchkey did not exit within 10 s of SIGTERM")
    assert time.monotonic() - t0 < 10
    assert code == 0, f"exit code after SIGTERM: {code}"
