"""The book's batch pattern: messages pile up in a queue and a function drains
them through an event source mapping. Runs with boto3 1.43 and Debian's 1.26.
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


HANDLER = '''import json

def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        assert record["eventSource"] == "aws:sqs"
        if body.get("poison"):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        print("processed job %d" % body["job"])
    return {"batchItemFailures": failures}
'''

sqs, lam, iam, logs = client("sqs"), client("lambda"), client("iam"), client("logs")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="batch-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.attach_role_policy(RoleName="batch-exec",
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
q = sqs.create_queue(QueueName="jobs", Attributes={
    "VisibilityTimeout": "1",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
q_arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
for i in range(25):
    sqs.send_message(QueueUrl=q, MessageBody=json.dumps({"job": i}))
sqs.send_message(QueueUrl=q, MessageBody=json.dumps({"poison": True}))

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", HANDLER)
lam.create_function(FunctionName="worker", Runtime="python3.11", Role=role,
                    Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()})
lam.get_waiter("function_active_v2").wait(FunctionName="worker")
uuid = lam.create_event_source_mapping(EventSourceArn=q_arn, FunctionName="worker", BatchSize=10,
                                       FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
assert lam.get_event_source_mapping(UUID=uuid)["EventSourceArn"] == q_arn


def processed():
    try:
        events = logs.filter_log_events(logGroupName="/aws/lambda/worker", filterPattern='"processed job"')["events"]
    except logs.exceptions.ResourceNotFoundException:
        return set()
    return {int(e["message"].split()[-1]) for e in events}


deadline = time.time() + 60
while time.time() < deadline and len(processed()) < 25:
    time.sleep(0.2)
assert processed() == set(range(25)), sorted(processed())

# The poison message is reported as a failure each time; after maxReceiveCount
# receives SQS moves it to the dead-letter queue.
dead = []
while time.time() < deadline and not dead:
    dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
assert dead and json.loads(dead[0]["Body"]) == {"poison": True}, dead
attrs = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]
assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0", attrs

# A disabled mapping stops delivering.
lam.update_event_source_mapping(UUID=uuid, Enabled=False)
sqs.send_message(QueueUrl=q, MessageBody=json.dumps({"job": 99}))
time.sleep(2)
assert 99 not in processed()
assert sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["ApproximateNumberOfMessages"])[
    "Attributes"]["ApproximateNumberOfMessages"] == "1"
lam.delete_event_source_mapping(UUID=uuid)
print("ok")
