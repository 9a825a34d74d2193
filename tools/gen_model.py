#!/usr/bin/env python3
"""Regenerate the trimmed Cognito API model that the server validates requests against.

The AWS SDKs ship the service model (botocore's service-2.json). Latchkey keeps only what request
validation needs: for each operation its input shape and whether it is signed, and for each shape its
type, members, required members, length/value ranges, patterns and enum values. Documentation text is
dropped. Run after upgrading botocore:  .venv/bin/python tools/gen_model.py
"""
import glob, gzip, json, os, sys

import botocore

KEEP = ("type", "required", "min", "max", "pattern", "enum", "sensitive")
SERVICES = {"cognito-idp": "cognito-idp.json", "cognito-identity": "cognito-identity.json"}
OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "crates", "server", "src", "aws", "model")


def trim(model):
    shapes = {}
    for name, s in model["shapes"].items():
        t = {k: s[k] for k in KEEP if k in s}
        if "members" in s:
            t["members"] = {m: v["shape"] for m, v in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                t[k] = s[k]["shape"]
        shapes[name] = t
    ops = {}
    for name, o in model["operations"].items():
        unsigned = o.get("authtype") == "none" or o.get("auth") == ["smithy.api#noAuth"]
        ops[name] = {"input": o.get("input", {}).get("shape"), "unsigned": unsigned}
    return {"metadata": {"targetPrefix": model["metadata"]["targetPrefix"],
                         "apiVersion": model["metadata"]["apiVersion"],
                         "botocore": botocore.__version__},
            "operations": ops, "shapes": shapes}


def main():
    base = os.path.join(os.path.dirname(botocore.__file__), "data")
    os.makedirs(OUT_DIR, exist_ok=True)
    for svc, out in SERVICES.items():
        path = sorted(glob.glob(os.path.join(base, svc, "*", "service-2.json*")))[-1]
        raw = gzip.open(path) if path.endswith(".gz") else open(path, "rb")
        trimmed = trim(json.load(raw))
        with open(os.path.join(OUT_DIR, out), "w") as f:
            json.dump(trimmed, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
        print(out, len(trimmed["operations"]), "operations", file=sys.stderr)


if __name__ == "__main__":
    main()
