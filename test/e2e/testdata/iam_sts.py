"""End-to-end check of IAM, STS and error handling with whatever boto3 runs this.

The Go test runs it with boto3 1.43 (python3 on PATH) and Debian's boto3 1.26
(/usr/bin/python3). It exits non-zero with a message on the first failure.
"""
import json
import os
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["NUBO_ENDPOINT"]
CFG = Config(retries={"max_attempts": 1})


def client(name, **kw):
    kw.setdefault("aws_access_key_id", "test")
    kw.setdefault("aws_secret_access_key", "test")
    return boto3.client(name, endpoint_url=ENDPOINT, region_name="us-east-1", config=CFG, **kw)


def expect_error(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{fn.__name__}: got error {got!r}, want {code!r}: {e}"
        return e
    raise AssertionError(f"{fn.__name__}: expected {code}, got success")


print("botocore", botocore.__version__)
sts = client("sts")
iam = client("iam")

me = sts.get_caller_identity()
assert me["Account"] == "000000000000", me
assert me["Arn"] == "arn:aws:iam::000000000000:root", me

trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="py-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
assert role["Arn"] == "arn:aws:iam::000000000000:role/py-role", role
assert role["AssumeRolePolicyDocument"] == trust, role["AssumeRolePolicyDocument"]
expect_error("EntityAlreadyExists", iam.create_role, RoleName="py-role",
             AssumeRolePolicyDocument=json.dumps(trust))
expect_error("NoSuchEntity", iam.get_role, RoleName="nope")
expect_error("MalformedPolicyDocument", iam.create_role, RoleName="bad",
             AssumeRolePolicyDocument="{not json")

iam.attach_role_policy(RoleName="py-role",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
attached = iam.list_attached_role_policies(RoleName="py-role")["AttachedPolicies"]
assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicExecutionRole"], attached
iam.put_role_policy(RoleName="py-role", PolicyName="inline",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
doc = iam.get_role_policy(RoleName="py-role", PolicyName="inline")["PolicyDocument"]
assert doc["Statement"][0]["Action"] == "s3:GetObject", doc
expect_error("DeleteConflict", iam.delete_role, RoleName="py-role")

creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="py")["Credentials"]
temp = client("sts", aws_access_key_id=creds["AccessKeyId"],
              aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
assert temp.get_caller_identity()["Arn"] == "arn:aws:sts::000000000000:assumed-role/py-role/py"
expect_error("ValidationError", sts.assume_role, RoleArn=role["Arn"], RoleSessionName="py",
             DurationSeconds=7200)

bad = client("sts", aws_secret_access_key="wrong")
expect_error("SignatureDoesNotMatch", bad.get_caller_identity)

# Operations Nubo does not implement answer NotImplemented naming service and
# operation, in each protocol: DynamoDB (JSON 1.0), CloudFormation (query),
# S3 (rest-xml), CloudWatch (JSON for new botocore, query for old), API Gateway
# (rest-json).
for name, call in [
    ("dynamodb", lambda: client("dynamodb").list_tables()),
    ("cloudformation", lambda: client("cloudformation").list_stacks()),
    ("s3", lambda: client("s3").get_bucket_accelerate_configuration(Bucket="b")),
    ("cloudwatch", lambda: client("cloudwatch").list_metrics()),
    ("apigateway", lambda: client("apigateway").get_rest_apis()),
]:
    e = expect_error("NotImplemented", call)
    msg = e.response["Error"].get("Message", "")
    assert name in msg, (name, msg)

print("ok")
