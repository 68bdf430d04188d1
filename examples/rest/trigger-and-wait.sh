#!/usr/bin/env bash
# Triggers a job with parameters through the Jobs API 2.2 and polls its run until it ends; works against weir and
# Databricks alike. Needs only bash and curl.
#
#   WEIR_URL=http://127.0.0.1:8470 WEIR_TOKEN=$(cat .weir/admin-token) ./trigger-and-wait.sh 42 date=2026-11-29
#
# Host from WEIR_URL or DATABRICKS_HOST, token from WEIR_TOKEN or DATABRICKS_TOKEN, poll interval (seconds) from
# POLL_SECONDS (default 2). Exit status: 0 when the run succeeds, 1 when it ends otherwise, 2 on a usage or API error.
set -euo pipefail

host="${WEIR_URL:-${DATABRICKS_HOST:-}}"
token="${WEIR_TOKEN:-${DATABRICKS_TOKEN:-}}"
if [[ $# -lt 1 || -z "$host" || -z "$token" ]]; then
  echo "usage: WEIR_URL=... WEIR_TOKEN=... $0 JOB_ID [name=value ...]" >&2
  exit 2
fi
job_id="$1"; shift
[[ "$job_id" =~ ^[0-9]+$ ]] || { echo "JOB_ID must be a number, got '$job_id'" >&2; exit 2; }
host="${host%/}"

json_string() { # a JSON string literal of $1
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

params=""
for kv in "$@"; do
  [[ "$kv" == *=* ]] || { echo "parameter '$kv' must look like name=value" >&2; exit 2; }
  params+="${params:+,}$(json_string "${kv%%=*}"):$(json_string "${kv#*=}")"
done

api() { # METHOD PATH [BODY]: prints the response body, exits 2 on an HTTP error
  local out
  if ! out=$(curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$host$2"); then
    echo "$1 $2 failed: $out" >&2
    exit 2
  fi
  printf '%s' "$out"
}

field() { # NAME JSON: the first string or number value of "NAME" in JSON (the run's own state comes before its tasks')
  printf '%s' "$2" | grep -o "\"$1\":\(\"[^\"]*\"\|[0-9]*\)" | head -n 1 | sed -e "s/^\"$1\"://" -e 's/^"//' -e 's/"$//'
}

started=$(api POST /api/2.2/jobs/run-now "{\"job_id\":$job_id,\"job_parameters\":{$params}}")
run_id=$(field run_id "$started")
echo "started run $run_id of job $job_id"

while true; do
  run=$(api GET "/api/2.2/jobs/runs/get?run_id=$run_id")
  state=$(printf '%s' "$run" | grep -o '"state":{[^}]*}' | head -n 1)
  life=$(field life_cycle_state "$state")
  case "$life" in
    TERMINATED|SKIPPED|INTERNAL_ERROR) break ;;
  esac
  sleep "${POLL_SECONDS:-2}"
done

result=$(field result_state "$state")
echo "run $run_id ended: $life ${result:-NONE} $(field state_message "$state")"
echo "$(field run_page_url "$run")"
[[ "$result" == "SUCCESS" ]]
