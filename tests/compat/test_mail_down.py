"""Mail delivery settings and failures: a mail server that is down does not fail SignUp (the user exists and a later
ResendConfirmationCode delivers once the server is back), failures are counted in /metrics; --smtp-from / TOML /
env settings; and the dev outbox (`latchkey outbox`) when no SMTP server is configured."""

import re
import subprocess
import time

from botocore.exceptions import ClientError

from conftest import LATCHKEY_BIN, clean_env, free_port, http_get
from test_server_ops import metric, parse_metrics
from userlib import PASSWORD, Kit, attrs, new_email


def deliveries(srv, outcome):
    samples = parse_metrics(http_get(f"{srv.endpoint}/metrics")[2].decode())
    return metric(samples, "latchkey_message_deliveries_total", channel="email", outcome=outcome)


def wait_metric(srv, outcome, at_least, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        v = deliveries(srv, outcome)
        if v is not None and v >= at_least:
            return v
        assert time.monotonic() < deadline, f'latchkey_message_deliveries_total{{outcome="{outcome}"}} = {v}'
        time.sleep(0.2)


def test_sign_up_while_mail_server_is_down(server_factory, new_sink):
    port = free_port()  # nothing listens here yet
    srv = server_factory(extra_args=["--smtp-url", f"smtp://127.0.0.1:{port}"]).start()
    k = Kit(srv, None)
    pool = k.pool()
    cid = k.client(pool)
    email = new_email("down")

    r = k.uidp.sign_up(ClientId=cid, Username="down", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert r["UserConfirmed"] is False
    assert k.idp.admin_get_user(UserPoolId=pool, Username="down")["UserStatus"] == "UNCONFIRMED"
    assert wait_metric(srv, "failed", 1) >= 1

    # The mail server comes up on that port: a resend delivers a code that confirms the user.
    sink = new_sink(port)
    k.sink = sink
    r = k.uidp.resend_confirmation_code(ClientId=cid, Username="down")
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = sink.next_code(email)
    k.uidp.confirm_sign_up(ClientId=cid, Username="down", ConfirmationCode=code)
    assert k.idp.admin_get_user(UserPoolId=pool, Username="down")["UserStatus"] == "CONFIRMED"
    assert k.get_user(k.sign_in(cid, "down")["AccessToken"])["Username"] == "down"
    assert wait_metric(srv, "sent", 1) >= 1

    # Down again: ForgotPassword still answers (Cognito would report CodeDeliveryFailureException; either is
    # acceptable as long as the server does not break), and the failure is counted.
    sink.stop()
    before = deliveries(srv, "failed")
    try:
        k.uidp.forgot_password(ClientId=cid, Username="down")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "CodeDeliveryFailureException", e.response
    assert wait_metric(srv, "failed", before + 1) >= before + 1


def test_smtp_settings_from_toml_and_env(server_factory, new_sink, tmp_path):
    sink = new_sink()
    cfg = tmp_path / "lk.toml"
    cfg.write_text(f'smtp_url = "{sink.url}"\n')
    srv = server_factory(extra_args=["--config", str(cfg)],
                         env={"LATCHKEY_SMTP_FROM": "Widgets Auth <auth@widgets.example>"}).start()
    k = Kit(srv, sink)
    pool = k.pool()
    cid = k.client(pool)
    email = new_email("from")
    k.sign_up(cid, "from", email=email, confirm=False)
    mail = sink.next_message(email)
    assert mail.mail_from == "auth@widgets.example"
    assert "auth@widgets.example" in mail.from_header and "Widgets Auth" in mail.from_header
    k.uidp.confirm_sign_up(ClientId=cid, Username="from", ConfirmationCode=mail.code())

    # The flag beats the environment.
    srv.stop()
    srv.extra_args += ["--smtp-from", "flag@widgets.example"]
    srv.start()
    e2 = new_email("flag")
    k.sign_up(cid, "flag", email=e2, confirm=False)
    assert sink.next_message(e2).mail_from == "flag@widgets.example"


def test_dev_outbox_without_smtp(server_factory):
    srv = server_factory().start()
    k = Kit(srv, None)
    pool = k.pool()
    cid = k.client(pool)
    email = new_email("outbox")
    r = k.uidp.sign_up(ClientId=cid, Username="ob", Password=PASSWORD, UserAttributes=attrs({"email": email}))
    assert r["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    deadline = time.monotonic() + 15
    while True:
        out = subprocess.run([str(LATCHKEY_BIN), "outbox", "--data-dir", str(srv.data_dir)], capture_output=True,
                             text=True, timeout=60, env=clean_env())
        assert out.returncode == 0, out.stderr
        if email in out.stdout:
            break
        assert time.monotonic() < deadline, f"no message to {email} in the outbox:\n{out.stdout}"
        time.sleep(0.3)
    block = out.stdout[out.stdout.index(email):]
    m = re.search(r"Your verification code is (\d{6})\.", block)
    assert m, out.stdout
    assert "Subject: Your verification code" in out.stdout
    assert pool in out.stdout
    k.uidp.confirm_sign_up(ClientId=cid, Username="ob", ConfirmationCode=m.group(1))
    assert k.idp.admin_get_user(UserPoolId=pool, Username="ob")["UserStatus"] == "CONFIRMED"
