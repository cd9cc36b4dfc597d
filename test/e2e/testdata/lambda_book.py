"""The book's Lambda flows, end to end, with whatever boto3 runs this.

Creates an execution role, deploys the hello-world blueprint, a pets handler, a
zip with a vendored package and index.handler, publishes versions behind an
alias, invokes them, and reads the logs and REPORT lines back through the
CloudWatch Logs API. The Go test runs it with boto3 1.43 and Debian's 1.26.
"""
import base64
import io
import json
import os
import time
import zipfile

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["NUBO_ENDPOINT"]
CFG = Config(retries={"max_attempts": 1}, read_timeout=120)


def client(name):
    return boto3.client(name, endpoint_url=ENDPOINT, region_name="us-east-1", config=CFG,
                        aws_access_key_id="test", aws_secret_access_key="test")


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


HELLO = '''import json

print('Loading function')


def lambda_handler(event, context):
    print("value1 = " + event['key1'])
    print("value2 = " + event['key2'])
    print("value3 = " + event['key3'])
    return event['key1']  # Echo back the first key value
'''

PETS = '''import json

PETS = [
    {"id": 1, "type": "dog", "price": 249.99},
    {"id": 2, "type": "cat", "price": 124.99},
    {"id": 3, "type": "fish", "price": 0.99},
]


def handler(event, context):
    kind = (event.get("queryStringParameters") or {}).get("type")
    pets = [p for p in PETS if kind in (None, p["type"])]
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(pets)}
'''

VENDORED = {
    "index.py": '''import nubo_vendored_greeting
import boto3

invocations = 0


def handler(event, context):
    global invocations
    invocations += 1
    who = boto3.client("sts").get_caller_identity()["Arn"]
    return {"greeting": nubo_vendored_greeting.greet(event.get("name", "world")),
            "invocations": invocations, "caller": who,
            "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
            "function_name": context.function_name, "memory": context.memory_limit_in_mb}
''',
    "nubo_vendored_greeting/__init__.py": '''def greet(name):
    return "Hello, %s!" % name
''',
}

VERSIONED = '''def handler(event, context):
    return {"code": "%s", "version": context.function_version}
'''

FAILING = '''def handler(event, context):
    raise ValueError("pets are not for sale")
'''

print("botocore", botocore.__version__)
iam, lam, logs = client("iam"), client("lambda"), client("logs")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(RoleName="lambda-exec",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")


def create(name, handler, code, **kw):
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler=handler,
                        Code={"ZipFile": code}, **kw)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


# Hello world with key1..3, its log tail and the REPORT line.
create("hello", "lambda_function.lambda_handler", zipped({"lambda_function.py": HELLO}))
r = lam.invoke(FunctionName="hello", LogType="Tail",
               Payload=json.dumps({"key1": "value1", "key2": "value2", "key3": "value3"}))
assert r["StatusCode"] == 200, r
assert "FunctionError" not in r, r
assert json.load(r["Payload"]) == "value1"
tail = base64.b64decode(r["LogResult"]).decode()
for want in ("value1 = value1", "value3 = value3", "START RequestId:", "END RequestId:", "REPORT RequestId:",
             "Billed Duration:", "Max Memory Used:"):
    assert want in tail, (want, tail)

# The pets handler.
create("pets", "pets.handler", zipped({"pets.py": PETS}))
r = lam.invoke(FunctionName="pets", Payload=json.dumps({"queryStringParameters": {"type": "cat"}}))
body = json.loads(json.load(r["Payload"])["body"])
assert body == [{"id": 2, "type": "cat", "price": 124.99}], body

# A package with a vendored library and index.handler; warm invokes keep globals,
# and boto3 inside the function reaches Nubo with the execution role's credentials.
create("vendored", "index.handler", zipped(VENDORED), MemorySize=256, Timeout=30)
first = json.load(lam.invoke(FunctionName="vendored", Payload=b'{"name": "Nubo"}')["Payload"])
second = json.load(lam.invoke(FunctionName="vendored", Payload=b'{}')["Payload"])
assert first["greeting"] == "Hello, Nubo!", first
assert first["caller"].startswith("arn:aws:sts::000000000000:assumed-role/lambda-exec/"), first
assert first["remaining_ms_positive"] and first["function_name"] == "vendored", first
assert str(first["memory"]) == "256", first
assert second["invocations"] == first["invocations"] + 1, (first, second)

# Versions with an alias.
create("versioned", "app.handler", zipped({"app.py": VERSIONED % "v1"}))
v1 = lam.publish_version(FunctionName="versioned")["Version"]
lam.update_function_code(FunctionName="versioned", ZipFile=zipped({"app.py": VERSIONED % "v2"}))
lam.get_waiter("function_updated_v2").wait(FunctionName="versioned")
v2 = lam.publish_version(FunctionName="versioned")["Version"]
assert (v1, v2) == ("1", "2"), (v1, v2)
lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion=v1)
r = lam.invoke(FunctionName="versioned", Qualifier="live")
assert json.load(r["Payload"]) == {"code": "v1", "version": "1"} and r["ExecutedVersion"] == "1", r
r = lam.invoke(FunctionName="versioned")
assert json.load(r["Payload"]) == {"code": "v2", "version": "$LATEST"}, r
lam.update_alias(FunctionName="versioned", Name="live", FunctionVersion=v2)
assert json.load(lam.invoke(FunctionName="versioned", Qualifier="live")["Payload"])["code"] == "v2"

# A handler error comes back as AWS shapes it.
create("failing", "f.handler", zipped({"f.py": FAILING}))
r = lam.invoke(FunctionName="failing")
assert r["FunctionError"] == "Unhandled", r
err = json.load(r["Payload"])
assert err["errorType"] == "ValueError" and err["errorMessage"] == "pets are not for sale", err
assert isinstance(err["stackTrace"], list), err

# Asynchronous invocation answers 202 and runs.
r = lam.invoke(FunctionName="hello", InvocationType="Event",
               Payload=json.dumps({"key1": "async1", "key2": "b", "key3": "c"}))
assert r["StatusCode"] == 202, r

# Logs and REPORT lines read back through the CloudWatch Logs API.
group = "/aws/lambda/hello"
streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
assert streams and all("[$LATEST]" in s["logStreamName"] for s in streams), streams
# Log events are shipped asynchronously: poll until the async run's REPORT is in.
deadline = time.time() + 30
while True:
    events = logs.filter_log_events(logGroupName=group)["events"]
    messages = [e["message"] for e in events]
    reports = [m for m in messages if m.startswith("REPORT ")]
    if (any("value1 = async1" in m for m in messages) and len(reports) >= 2) or time.time() > deadline:
        break
    time.sleep(0.2)
assert any(m.startswith("Loading function") for m in messages), messages
assert any("value1 = async1" in m for m in messages), messages
reports = logs.filter_log_events(logGroupName=group, filterPattern="REPORT")["events"]
assert len(reports) == 2, reports
assert "Init Duration:" in reports[0]["message"], reports[0]

try:
    lam.invoke(FunctionName="no-such-function")
    raise AssertionError("invoking a missing function succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e
print("ok")
