#!/usr/bin/env bash
# Builds Nubo, starts the server on 127.0.0.1:4566 (data in ./.nubo-data unless
# NUBO_DATA_DIR is set), shows it working with a few real AWS CLI calls, then
# keeps serving in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building bin/nubo"
go build -o bin/nubo ./cmd/nubo
bin/nubo version

export NUBO_DATA_DIR="${NUBO_DATA_DIR:-$PWD/.nubo-data}"
bin/nubo server "$@" &
pid=$!
trap 'kill -INT $pid 2>/dev/null; wait $pid' INT TERM

endpoint="http://${NUBO_LISTEN:-127.0.0.1:4566}"
for _ in $(seq 1 100); do
  curl -fsS "$endpoint/_nubo/health" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "nubo server exited"; exit 1; }
  sleep 0.1
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
echo "== health"
curl -fsS "$endpoint/_nubo/health" | head -20
if command -v aws >/dev/null 2>&1; then
  echo "== aws sts get-caller-identity"
  aws --endpoint-url "$endpoint" sts get-caller-identity
  echo "== aws iam list-policies --scope AWS (first 3)"
  aws --endpoint-url "$endpoint" iam list-policies --scope AWS \
    --query 'Policies[:3].Arn' --output text
fi
echo "== Nubo is serving on $endpoint; Ctrl-C stops it"
wait $pid
