"""The book's SNS trigger: a topic fans a message out to a function that prints it.

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


HANDLER = '''def lambda_handler(event, context):
    message = event['Records'][0]['Sns']['Message']
    print("From SNS: " + message)
    return message
'''

iam, lam, sns, logs = client("iam"), client("lambda"), client("sns"), client("logs")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="sns-exec", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", HANDLER)
fn = lam.create_function(FunctionName="from-sns", Runtime="python3.11", Role=role,
                         Handler="lambda_function.lambda_handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
topic = sns.create_topic(Name="book-topic")["TopicArn"]
lam.add_permission(FunctionName="from-sns", StatementId="sns", Action="lambda:InvokeFunction",
                   Principal="sns.amazonaws.com", SourceArn=topic)
sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
assert sub.startswith(topic + ":"), sub
subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
assert [s["Endpoint"] for s in subs] == [fn], subs
sns.publish(TopicArn=topic, Subject="TestInvoke", Message="Hello from SNS!",
            MessageAttributes={"Test": {"DataType": "String", "StringValue": "TestString"}})

deadline = time.time() + 60
found = []
while time.time() < deadline:
    try:
        found = logs.filter_log_events(logGroupName="/aws/lambda/from-sns",
                                       filterPattern='"From SNS"')["events"]
    except logs.exceptions.ResourceNotFoundException:
        found = []
    if found:
        break
    time.sleep(0.2)
assert found and "From SNS: Hello from SNS!" in found[0]["message"], found
print("ok")
