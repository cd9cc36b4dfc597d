#!/bin/sh
# Drives Nubo's S3 with an AWS CLI (run by TestAWSCLI): $1 is the aws binary,
# $2 the endpoint, $3 a scratch directory.
set -eu
AWS="$1 --endpoint-url $2 --region us-east-1"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
cd "$3"
mkdir -p src/sub && echo one > src/a.txt && echo two > src/sub/b.txt && head -c 9000000 /dev/urandom > src/big.bin
$AWS s3 mb s3://cli-bucket
$AWS s3 cp src/a.txt s3://cli-bucket/a.txt
$AWS s3 sync src s3://cli-bucket/synced
$AWS s3 ls s3://cli-bucket/synced/ --recursive | grep -q 'synced/sub/b.txt'
$AWS s3 cp s3://cli-bucket/synced/big.bin got.bin
cmp got.bin src/big.bin
url=$($AWS s3 presign s3://cli-bucket/a.txt)
python3 -c "import sys,urllib.request; assert urllib.request.urlopen(sys.argv[1]).read()==b'one\n'" "$url"
$AWS s3 rm s3://cli-bucket --recursive
$AWS s3 rb s3://cli-bucket
echo OK
