"""Drives the fake PVE with python3-proxmoxer (an independent client) for every call the hub makes.

Reads its connection from the environment (secrets never in argv), prints one JSON document:
what each call answered, with a token and with a password (ticket), and the status
sequence of a clone task polled to completion. fake-fidelity.test.ts compares it with
what the hub's PveClient gets.
"""
import json
import os
import sys

from proxmoxer import ProxmoxAPI

env = os.environ
common = dict(host=env["PVE_HOST"], port=int(env["PVE_PORT"]), verify_ssl=env["PVE_CA"], timeout=10)


def reads(api):
    return {
        "version": api.version.get(),
        "cluster_status": api.cluster.status.get(),
        "nodes": api.nodes.get(),
        "nextid": api.cluster.nextid.get(),
    }


token_api = ProxmoxAPI(user=env["PVE_USER"], token_name=env["PVE_TOKEN_NAME"], token_value=env["PVE_TOKEN_VALUE"], **common)
password_api = ProxmoxAPI(user=env["PVE_USER"], password=env["PVE_PASSWORD"], **common)
out = {"token": reads(token_api), "password": reads(password_api)}

# A clone as the hub starts it (form body, booleans as 1), polled until it stops.
newid = int(env["CLONE_NEWID"])
upid = password_api.nodes("pve1").qemu(9000).clone.post(newid=newid, name="fidelity-py", full=1)
statuses = []
while True:
    status = password_api.nodes("pve1").tasks(upid).status.get()
    statuses.append(status["status"])
    if status["status"] == "stopped":
        break
out["clone"] = {"upid": upid, "statuses": statuses, "exitstatus": status["exitstatus"], "vm": password_api.nodes("pve1").qemu(newid).status.current.get()}

json.dump(out, sys.stdout)
