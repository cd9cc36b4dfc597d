"""Drives Nubo's S3 with boto3 (run by TestBoto3Clients). Prints OK or fails."""
import io
import os
import sys
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint = sys.argv[1]
style = sys.argv[2] if len(sys.argv) > 2 else "path"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}))
b = "boto-" + style
s3.create_bucket(Bucket=b)
key = "dir/a b+c=d&e.txt"
put = s3.put_object(Bucket=b, Key=key, Body=b"hello world", Metadata={"k": "v"})
got = s3.get_object(Bucket=b, Key=key, ChecksumMode="ENABLED")
assert got["Body"].read() == b"hello world", "body"
# The rest codec canonicalises x-amz-meta-* header names (X-Amz-Meta-K), so
# botocore reports {"K": "v"} where S3 gives {"k": "v"}; compare folded.
meta = {k.lower(): v for k, v in got["Metadata"].items()}
assert got["ETag"] == put["ETag"] and meta == {"k": "v"}, got
listed = s3.list_objects_v2(Bucket=b, Prefix="dir/")
assert [o["Key"] for o in listed["Contents"]] == [key], listed
listed = s3.list_objects(Bucket=b, Delimiter="/")
assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["dir/"], listed

data = os.urandom(11 * 1024 * 1024)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(data), b, "big.bin", Config=cfg)
out = io.BytesIO()
s3.download_fileobj(b, "big.bin", out, Config=cfg)
assert out.getvalue() == data, "multipart round trip"
head = s3.head_object(Bucket=b, Key="big.bin")
assert head["ETag"].endswith('-3"'), head["ETag"]

s3.copy_object(Bucket=b, Key="copy.txt", CopySource={"Bucket": b, "Key": key})
url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": key}, ExpiresIn=300)
assert urllib.request.urlopen(url).read() == b"hello world", url
s3v4 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                    aws_access_key_id="test", aws_secret_access_key="test",
                    config=Config(signature_version="s3v4", s3={"addressing_style": style}))
url = s3v4.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "copy.txt"}, ExpiresIn=300)
assert urllib.request.urlopen(url).read() == b"hello world", url

s3.put_object_acl(Bucket=b, Key="copy.txt", ACL="bucket-owner-full-control")
try:
    s3.put_object_acl(Bucket=b, Key="copy.txt", ACL="public-read")
    raise AssertionError("public object ACL accepted under BucketOwnerEnforced")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessControlListNotSupported", e.response

s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
assert all(pab[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")), pab
public_read = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
               '"Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}' % b)
try:
    s3.put_bucket_policy(Bucket=b, Policy=public_read)
    raise AssertionError("public policy accepted while blocked")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
s3.delete_public_access_block(Bucket=b)
s3.put_bucket_policy(Bucket=b, Policy=public_read)
assert s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
anon = endpoint + "/" + b + "/copy.txt"  # unsigned, path-style
assert urllib.request.urlopen(anon).read() == b"hello world", anon
s3.delete_bucket_policy(Bucket=b)

try:
    s3.get_object(Bucket=b, Key="missing")
    raise AssertionError("missing key found")
except s3.exceptions.NoSuchKey:
    pass
resp = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": key}, {"Key": "big.bin"}, {"Key": "copy.txt"}]})
assert len(resp["Deleted"]) == 3, resp
s3.delete_bucket(Bucket=b)
print("OK")
