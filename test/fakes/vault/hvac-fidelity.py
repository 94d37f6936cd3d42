"""Drives the fake Vault with python3-hvac (an independent client) for every call the hub makes.

Reads its connection from the environment (the token never in argv), prints one JSON document
of what hvac got. argv[1]: `open` (health, KV v2 reads and writes, a bad token, a missing path)
or `sealed` (health and a read of a sealed Vault). vault-fake-fidelity.test.ts compares it
with what the hub's VaultKv2 gets.
"""
import json
import os
import sys

import hvac
from hvac import exceptions

env = os.environ
MOUNT = env["VAULT_MOUNT"]


def client(token):
    return hvac.Client(url=env["VAULT_ADDR"], token=token, namespace=env.get("VAULT_NAMESPACE") or None)


def refusal(call):
    """The exception hvac raises for a refused call: its class and Vault's errors."""
    try:
        call()
    except exceptions.VaultError as err:
        return {"exception": type(err).__name__, "errors": err.errors}
    return None


def health(c):
    answer = c.sys.read_health_status(method="GET")
    # hvac's JSONAdapter answers a dict for 200 and the Response for any other status.
    if isinstance(answer, dict):
        return {"status": 200, "body": answer}
    return {"status": answer.status_code, "body": answer.json()}


vault = client(env["VAULT_TOKEN"])
kv = vault.secrets.kv.v2
if sys.argv[1] == "open":
    hub_written = kv.read_secret_version(path="hub/written", mount_point=MOUNT)["data"]
    first = kv.create_or_update_secret(path="py/written", secret={"user": "py", "password": "first"}, mount_point=MOUNT)["data"]
    second = kv.create_or_update_secret(path="py/written", secret={"user": "py", "password": "second"}, mount_point=MOUNT)["data"]
    out = {
        "health": health(vault),
        "hub_written": {"data": hub_written["data"], "version": hub_written["metadata"]["version"]},
        "written_versions": [first["version"], second["version"]],
        "first_version": kv.read_secret_version(path="py/written", version=1, mount_point=MOUNT)["data"]["data"],
        "cas_mismatch": refusal(lambda: kv.create_or_update_secret(path="py/written", secret={"a": "b"}, cas=1, mount_point=MOUNT)),
        "bad_token": refusal(lambda: client("not-the-token").secrets.kv.v2.read_secret_version(path="hub/written", mount_point=MOUNT)),
        "missing": refusal(lambda: kv.read_secret_version(path="no/such/secret", mount_point=MOUNT)),
    }
else:
    out = {
        "health": health(vault),
        "read": refusal(lambda: kv.read_secret_version(path="hub/written", mount_point=MOUNT)),
    }
print(json.dumps(out))
