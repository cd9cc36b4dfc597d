"""SQS and SNS with whatever boto3 runs this: boto3 1.43 speaks SQS over AWS
JSON 1.0, Debian's 1.26 over query. Covers queues, visibility on the Nubo
clock, dead-letter redrive, FIFO, SNS fan-out to SQS, S3 notifications to SQS,
and a failing async function's DLQ.
"""
import io
import json
import os
import time
import urllib.request
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["NUBO_ENDPOINT"]
CFG = Config(retries={"max_attempts": 1})


def client(name):
    return boto3.client(name, endpoint_url=ENDPOINT, region_name="us-east-1", config=CFG,
                        aws_access_key_id="test", aws_secret_access_key="test")


def advance(seconds):
    req = urllib.request.Request(ENDPOINT + "/_nubo/clock/advance?seconds=%d" % seconds, method="POST")
    urllib.request.urlopen(req).read()


def receive_one(url, wait=5):
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait, MaxNumberOfMessages=1,
                               AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    return msgs[0] if msgs else None


sqs, sns, s3, lam, iam = client("sqs"), client("sns"), client("s3"), client("lambda"), client("iam")

# Queues, attributes and the message lifecycle.
dlq = sqs.create_queue(QueueName="book-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
q = sqs.create_queue(QueueName="book-queue", Attributes={
    "VisibilityTimeout": "30",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
assert sqs.get_queue_url(QueueName="book-queue")["QueueUrl"] == q
sent = sqs.send_message(QueueUrl=q, MessageBody="hello queue",
                        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})
m = receive_one(q)
assert m["Body"] == "hello queue" and m["MessageId"] == sent["MessageId"], m
assert m["MessageAttributes"]["kind"]["StringValue"] == "greeting", m
assert receive_one(q, wait=0) is None  # invisible while in flight
advance(31)
m = receive_one(q)
assert m is not None and m["Attributes"]["ApproximateReceiveCount"] == "2", m
advance(31)
assert receive_one(q, wait=0) is None  # third receive moves it to the DLQ
dead = receive_one(dlq)
assert dead is not None and dead["Body"] == "hello queue", dead
sqs.delete_message(QueueUrl=dlq, ReceiptHandle=dead["ReceiptHandle"])

try:
    sqs.get_queue_url(QueueName="no-such-queue")
    raise AssertionError("missing queue found")
except ClientError as e:
    assert e.response["Error"]["Code"] in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), e.response

# FIFO order and deduplication.
fifo = sqs.create_queue(QueueName="book.fifo", Attributes={
    "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
for i in range(3):
    sqs.send_message(QueueUrl=fifo, MessageBody="m%d" % i, MessageGroupId="g")
sqs.send_message(QueueUrl=fifo, MessageBody="m0", MessageGroupId="g")  # duplicate within 5 minutes
got = []
for _ in range(3):
    msg = receive_one(fifo)
    got.append(msg["Body"])
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=msg["ReceiptHandle"])
assert got == ["m0", "m1", "m2"], got
assert receive_one(fifo, wait=0) is None

# SNS fans out to SQS.
topic = sns.create_topic(Name="book-fanout")["TopicArn"]
fan = sqs.create_queue(QueueName="fanout")["QueueUrl"]
fan_arn = sqs.get_queue_attributes(QueueUrl=fan, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fan_arn)
sns.publish(TopicArn=topic, Subject="s", Message="to the queue")
envelope = json.loads(receive_one(fan)["Body"])
assert envelope["Type"] == "Notification" and envelope["Message"] == "to the queue", envelope
assert "SigningCertURL" in envelope and envelope["TopicArn"] == topic, envelope

# S3 notifications to SQS: the test event, then an object-created record.
notes = sqs.create_queue(QueueName="s3-events")["QueueUrl"]
notes_arn = sqs.get_queue_attributes(QueueUrl=notes, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.create_bucket(Bucket="events-bucket")
s3.put_bucket_notification_configuration(Bucket="events-bucket", NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": notes_arn, "Events": ["s3:ObjectCreated:*"],
                             "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".txt"}]}}}]})
test_event = json.loads(receive_one(notes)["Body"])
assert test_event.get("Event") == "s3:TestEvent", test_event
s3.put_object(Bucket="events-bucket", Key="skipped.bin", Body=b"x")
s3.put_object(Bucket="events-bucket", Key="notes/today.txt", Body=b"hello")
record = json.loads(receive_one(notes)["Body"])["Records"][0]
assert record["eventName"] == "ObjectCreated:Put" and record["s3"]["object"]["key"] == "notes/today.txt", record
assert receive_one(notes, wait=1) is None  # the .bin upload was filtered out

# A failing async invocation ends in the function's DLQ after its retries.
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="dlq-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
fn_dlq = sqs.create_queue(QueueName="fn-dlq")["QueueUrl"]
fn_dlq_arn = sqs.get_queue_attributes(QueueUrl=fn_dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("f.py", "def handler(event, context):\n    raise RuntimeError('nope')\n")
lam.create_function(FunctionName="always-fails", Runtime="python3.11", Role=role, Handler="f.handler",
                    Code={"ZipFile": buf.getvalue()}, DeadLetterConfig={"TargetArn": fn_dlq_arn})
lam.get_waiter("function_active_v2").wait(FunctionName="always-fails")
lam.invoke(FunctionName="always-fails", InvocationType="Event", Payload=b'{"order": 42}')
deadline = time.time() + 60
dead = None
while dead is None and time.time() < deadline:
    advance(61)  # retries after 1 and then 2 minutes of Nubo time
    dead = receive_one(fn_dlq, wait=1)
assert dead is not None and json.loads(dead["Body"]) == {"order": 42}, dead
# ErrorMessage is "the first 1 KB of the error message": the function's error document.
assert "nope" in dead["MessageAttributes"]["ErrorMessage"]["StringValue"], dead
assert dead["MessageAttributes"]["RequestID"]["StringValue"], dead
print("ok")
