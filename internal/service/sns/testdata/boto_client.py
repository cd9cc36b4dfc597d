"""Drives Nubo's SNS with boto3 (query protocol); prints OK when all checks pass."""
import sys
import uuid

import boto3
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
sns = boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
name = "boto-" + uuid.uuid4().hex[:8]
arn = sns.create_topic(Name=name, Attributes={"DisplayName": "d"})["TopicArn"]
assert arn.endswith(":" + name), arn
assert sns.create_topic(Name=name, Attributes={"DisplayName": "d"})["TopicArn"] == arn
assert any(t["TopicArn"] == arn for t in sns.list_topics()["Topics"])
sub = sns.subscribe(TopicArn=arn, Protocol="lambda",
                    Endpoint="arn:aws:lambda:us-east-1:000000000000:function:f")["SubscriptionArn"]
assert sub.startswith(arn + ":"), sub
pending = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"]
assert pending == "pending confirmation", pending
sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                AttributeValue='{"a":[{"numeric":[">",1]}]}')
attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
assert attrs["FilterPolicyScope"] == "MessageAttributes", attrs
mid = sns.publish(TopicArn=arn, Message="hi", Subject="s",
                  MessageAttributes={"a": {"DataType": "Number", "StringValue": "2"}})["MessageId"]
assert len(mid) == 36, mid
res = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
    {"Id": "1", "Message": "x"}, {"Id": "2", "Message": "y"}])
assert len(res["Successful"]) == 2, res
subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
assert sorted(s["SubscriptionArn"] for s in subs) == sorted([sub, "PendingConfirmation"]), subs
try:
    sns.get_topic_attributes(TopicArn=arn + "-missing")
    raise SystemExit("expected NotFound")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NotFound", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
try:
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="nope")
    raise SystemExit("expected InvalidParameter")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameter", e.response
sns.unsubscribe(SubscriptionArn=sub)
sns.delete_topic(TopicArn=arn)
print("OK")
