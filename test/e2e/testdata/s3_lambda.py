"""The book's first trigger: an upload to sender-bucket runs a function that
copies the object to receiver-bucket. The function assumes a role with STS at
import time and copies with boto3, as the book's code does.

Runs with boto3 1.43 and Debian's 1.26 against a Nubo endpoint.
"""
import io
import json
import os
import time
import zipfile

import boto3
from botocore.config import Config

ENDPOINT = os.environ["NUBO_ENDPOINT"]
CFG = Config(retries={"max_attempts": 1})


def client(name):
    return boto3.client(name, endpoint_url=ENDPOINT, region_name="us-east-1", config=CFG,
                        aws_access_key_id="test", aws_secret_access_key="test")


HANDLER = '''import os
import urllib.parse

import boto3

# At import, as the book does: assume the copier role and build an S3 client
# with its temporary credentials.
creds = boto3.client("sts").assume_role(RoleArn=os.environ["COPY_ROLE_ARN"],
                                        RoleSessionName="s3-copy")["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"],
                  aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"])


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        s3.copy_object(Bucket="receiver-bucket", Key=key, CopySource={"Bucket": bucket, "Key": key})
        print("copied %s/%s" % (bucket, key))
    return "done"
'''

iam, lam, s3 = client("iam"), client("lambda"), client("s3")
lambda_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
exec_role = iam.create_role(RoleName="s3-trigger-exec",
                            AssumeRolePolicyDocument=json.dumps(lambda_trust))["Role"]["Arn"]
copier_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": exec_role}, "Action": "sts:AssumeRole"}]}
copier = iam.create_role(RoleName="s3-copier", AssumeRolePolicyDocument=json.dumps(copier_trust))["Role"]["Arn"]
iam.attach_role_policy(RoleName="s3-copier", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")

for b in ("sender-bucket", "receiver-bucket"):
    s3.create_bucket(Bucket=b)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", HANDLER)
fn = lam.create_function(FunctionName="s3-copy", Runtime="python3.11", Role=exec_role, Timeout=30,
                         Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()},
                         Environment={"Variables": {"COPY_ROLE_ARN": copier}})["FunctionArn"]
lam.add_permission(FunctionName="s3-copy", StatementId="s3", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::sender-bucket")
s3.put_bucket_notification_configuration(Bucket="sender-bucket", NotificationConfiguration={
    "LambdaFunctionConfigurations": [{"Id": "copy", "LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:*"]}]})

body = b"a picture of a red flower"
s3.put_object(Bucket="sender-bucket", Key="red flower.jpg", Body=body)
deadline = time.time() + 60
while True:
    try:
        got = s3.get_object(Bucket="receiver-bucket", Key="red flower.jpg")["Body"].read()
        break
    except s3.exceptions.NoSuchKey:
        if time.time() > deadline:
            raise AssertionError("the function never copied the object")
        time.sleep(0.2)
assert got == body, got
print("ok")
