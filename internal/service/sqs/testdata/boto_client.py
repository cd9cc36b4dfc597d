"""Drives Nubo's SQS with boto3 (JSON for boto3 >= 1.34.90, query before).

Usage: python boto_client.py <endpoint> <queue-prefix>. Exits non-zero with
a message on the first failed check; prints the protocol used on success.
"""
import hashlib
import sys
import time

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, prefix = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test",
                   config=Config(retries={"max_attempts": 1}))
protocol = sqs.meta.service_model.protocol


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, "want error %s, got %s (%s)" % (code, got, e))
        return e
    check(False, "want error %s, call succeeded" % code)


url = sqs.create_queue(QueueName=prefix + "-q", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
check(url.endswith("/000000000000/" + prefix + "-q"), "queue url " + url)
check(sqs.get_queue_url(QueueName=prefix + "-q")["QueueUrl"] == url, "get_queue_url")
check(url in sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"], "list_queues")

body = "boto body \u00e9"
sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes={
    "SellerName": {"DataType": "String", "StringValue": "Example Store"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
check(sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest(), "body md5")
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"}])
check(len(batch["Successful"]) == 2, "batch %r" % batch)

msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                           MessageAttributeNames=["All"]).get("Messages", [])
check(len(msgs) == 3, "received %d" % len(msgs))
first = [m for m in msgs if m["MessageId"] == sent["MessageId"]][0]
check(first["Body"] == body, "body %r" % first["Body"])
check(first["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01", "binary attribute")
check(first["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], "attribute md5")
check(first["Attributes"]["ApproximateReceiveCount"] == "1", "receive count")

sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=msgs[1]["ReceiptHandle"], VisibilityTimeout=0)
again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
check(len(again) == 1 and again[0]["MessageId"] == msgs[1]["MessageId"], "visible again after timeout 0")
sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
res = sqs.delete_message_batch(QueueUrl=url, Entries=[
    {"Id": "x", "ReceiptHandle": msgs[0]["ReceiptHandle"]}, {"Id": "y", "ReceiptHandle": msgs[2]["ReceiptHandle"]}])
check(len(res["Successful"]) + len(res.get("Failed", [])) == 2, "delete batch %r" % res)

attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
check(attrs["ApproximateNumberOfMessages"] == "0", "count %r" % attrs)

start = time.time()
empty = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
check(not empty.get("Messages") and time.time() - start >= 0.9, "long poll waited")

e = expect_error("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, QueueName=prefix + "-missing")
try:
    sqs.get_queue_url(QueueName=prefix + "-missing")
except sqs.exceptions.QueueDoesNotExist:
    pass
expect_error("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", sqs.send_message_batch, QueueUrl=url,
             Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
expect_error("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", sqs.send_message_batch, QueueUrl=url,
             Entries=[{"Id": "d", "MessageBody": "x"}, {"Id": "d", "MessageBody": "y"}])
expect_error("InvalidMessageContents", sqs.send_message, QueueUrl=url, MessageBody="bad \x01")
expect_error("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="nope")
expect_error("QueueAlreadyExists", sqs.create_queue, QueueName=prefix + "-q", Attributes={"VisibilityTimeout": "31"})
expect_error("InvalidAttributeValue", sqs.create_queue, QueueName=prefix + "-bad", Attributes={"DelaySeconds": "901"})

furl = sqs.create_queue(QueueName=prefix + "-f.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
ids = [sqs.send_message(QueueUrl=furl, MessageBody="m%d" % i, MessageGroupId="g")["MessageId"] for i in range(3)]
dup = sqs.send_message(QueueUrl=furl, MessageBody="m0", MessageGroupId="g")
check(dup["MessageId"] == ids[0], "content dedup")
got = sqs.receive_message(QueueUrl=furl, MaxNumberOfMessages=10, AttributeNames=["SequenceNumber"])["Messages"]
check([m["Body"] for m in got] == ["m0", "m1", "m2"], "fifo order %r" % [m["Body"] for m in got])

sqs.tag_queue(QueueUrl=url, Tags={"k": "v"})
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"k": "v"}, "tags")
sqs.purge_queue(QueueUrl=url)
expect_error("AWS.SimpleQueueService.PurgeQueueInProgress", sqs.purge_queue, QueueUrl=url)
sqs.delete_queue(QueueUrl=url)
print("OK", protocol, boto3.__version__)
