#!/usr/bin/env python3
"""The share of a perf profile's samples by crate and, in the kernel, by thread (scripts/profile.sh)."""
import re,subprocess,sys,collections
data=sys.argv[1]
out=subprocess.run(["perf","report","-i",data,"--no-children","--sort","comm,dso,sym","-g","none","--stdio"],capture_output=True,text=True).stdout
cats=collections.OrderedDict([
 ("Argon2id (argon2, blake2)", r"argon2|blake2"),
 ("RSA verify/sign (aws-lc bignum)", r"aws_lc.*(bn_|rsa|BN_|mont|RSA)"),
 ("sha/other aws-lc", r"aws_lc"),
 ("malloc/free", r"malloc|_int_free|cfree|free@|unlink_chunk|__rust_alloc|__rdl_alloc|__rust_dealloc|__rdl_dealloc|realloc|malloc_consolidate|tcache"),
 ("memcpy/memset/memcmp", r"__mem(move|cpy|set|cmp)|memcmp"),
 ("sqlite engine", r"sqlite3|pcache|btree|Vdbe"),
 ("sqlx + flume hand-off (user space)", r"sqlx|flume|futures_intrusive|event_listener"),
 ("postgres driver", r"postgres"),
 ("serde_json / JSON", r"serde_json|serde_core|serde::|itoa|ryu"),
 ("regex (model validation)", r"regex"),
 ("base64", r"base64"),
 ("hyper/http/axum/tower", r"hyper|http::|httparse|axum|tower|h1::"),
 ("tokio runtime", r"tokio"),
 ("locks/futex/thread park (libc)", r"pthread|syscall|futex|park|sched_yield|parking_lot"),
 ("time", r"clock_gettime|vdso"),
 ("tracing/metrics/log", r"tracing|prometheus|metrics"),
 ("latchkey code", r"latchkey"),
])
tot=collections.Counter(); kern=collections.Counter()
for line in out.splitlines():
    m=re.match(r"\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+\[(.)\]\s+(.*)",line)
    if not m: continue
    pct=float(m.group(1)); comm=m.group(2); dso=m.group(3); kind=m.group(4); sym=m.group(5)
    if kind=="k":
        kern["kernel ("+("sqlx-sqlite worker threads" if comm.startswith("sqlx") else comm)+")"]+=pct; continue
    for c,rx in cats.items():
        if re.search(rx,sym): tot[c]+=pct; break
    else: tot["other user space"]+=pct
for c,v in sorted(list(tot.items())+list(kern.items()),key=lambda x:-x[1]): print(f"{v:6.2f}%  {c}")
