#!/usr/bin/env python3
"""Triggers a job with parameters through the Jobs API 2.2 and polls its run until it ends.

Works against weir and Databricks alike, with the Python standard library only:

    WEIR_URL=http://127.0.0.1:8470 WEIR_TOKEN=$(cat .weir/admin-token) python3 trigger_and_wait.py 42 date=2026-11-29

Host from WEIR_URL or DATABRICKS_HOST, token from WEIR_TOKEN or DATABRICKS_TOKEN, poll interval (seconds) from
POLL_SECONDS (default 2). Exit status: 0 when the run succeeds, 1 when it ends otherwise, 2 on a usage or API error.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TERMINAL = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}


def api(host, token, method, path, body=None):
    """One JSON call; exits 2 with the server's error_code and message on an HTTP error."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(host + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as e:
        print(f"{method} {path} failed: HTTP {e.code} {e.read().decode('utf-8', 'replace')}", file=sys.stderr)
        sys.exit(2)
    except urllib.error.URLError as e:
        print(f"{method} {path} failed: {e.reason}", file=sys.stderr)
        sys.exit(2)


def main(argv):
    host = (os.environ.get("WEIR_URL") or os.environ.get("DATABRICKS_HOST") or "").rstrip("/")
    token = os.environ.get("WEIR_TOKEN") or os.environ.get("DATABRICKS_TOKEN") or ""
    if len(argv) < 1 or not host or not token or not argv[0].isdigit():
        print("usage: WEIR_URL=... WEIR_TOKEN=... trigger_and_wait.py JOB_ID [name=value ...]", file=sys.stderr)
        return 2
    params = {}
    for kv in argv[1:]:
        if "=" not in kv:
            print(f"parameter '{kv}' must look like name=value", file=sys.stderr)
            return 2
        name, value = kv.split("=", 1)
        params[name] = value
    job_id = int(argv[0])
    run_id = api(host, token, "POST", "/api/2.2/jobs/run-now", {"job_id": job_id, "job_parameters": params})["run_id"]
    print(f"started run {run_id} of job {job_id}", flush=True)
    while True:
        run = api(host, token, "GET", "/api/2.2/jobs/runs/get?" + urllib.parse.urlencode({"run_id": run_id}))
        state = run.get("state", {})
        if state.get("life_cycle_state") in TERMINAL:
            break
        time.sleep(float(os.environ.get("POLL_SECONDS", "2")))
    result = state.get("result_state", "NONE")
    print(f"run {run_id} ended: {state['life_cycle_state']} {result} {state.get('state_message', '')}".rstrip())
    print(run.get("run_page_url", ""))
    for task in run.get("tasks", []):
        if task.get("state", {}).get("result_state") == "FAILED":
            out = api(host, token, "GET", "/api/2.2/jobs/runs/get-output?" + urllib.parse.urlencode({"run_id": task["run_id"]}))
            print(f"task {task['task_key']} failed: {out.get('error', '')}", file=sys.stderr)
    return 0 if result == "SUCCESS" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
