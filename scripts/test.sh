#!/usr/bin/env bash
# Runs Nubo's whole test suite on a fresh machine: installs what the end-to-end
# tests need (Debian's boto3 1.26 and AWS CLI 2.9 beside the newer boto3/CLI on
# PATH), checks formatting and vet, then runs every Go test (unit, codec goldens,
# fuzz seeds, end-to-end with aws-sdk-go-v2, boto3 old and new, both AWS CLIs).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import boto3' 2>/dev/null || need_apt+=(python3-boto3)
[ -x /usr/bin/aws ] || need_apt+=(awscli)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

js_stamp=test/js/node_modules/.package-lock.json
if [ ! -f "$js_stamp" ] || [ test/js/package-lock.json -nt "$js_stamp" ] || [ test/js/package.json -nt "$js_stamp" ]; then
  echo "== npm ci (test/js: AWS SDK for JavaScript v3, three generations)"
  (cd test/js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
export NUBO_E2E_REQUIRED=1
go test -race -timeout 40m ./... 2>&1 | tee /tmp/nubo-test.log
