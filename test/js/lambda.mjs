// Functions and their neighbours through the AWS SDK for JavaScript v3: STS,
// an IAM execution role, a Python function created from a zip built here,
// RequestResponse invokes with the log tail, handler errors, SNS fan-out to SQS
// (enveloped and raw) and the function's REPORT line through FilterLogEvents.
import { assert, config, generation, rejects, sdk, step, traced } from "./common.mjs";
import { zip } from "./zip.mjs";

const STS = sdk("@aws-sdk/client-sts");
const IAM = sdk("@aws-sdk/client-iam");
const Lambda = sdk("@aws-sdk/client-lambda");
const SNS = sdk("@aws-sdk/client-sns");
const SQS = sdk("@aws-sdk/client-sqs");
const Logs = sdk("@aws-sdk/client-cloudwatch-logs");

const sts = traced(new STS.STSClient(config()));
const iam = traced(new IAM.IAMClient(config()));
const lambda = traced(new Lambda.LambdaClient(config()));
const sns = traced(new SNS.SNSClient(config()));
const sqs = traced(new SQS.SQSClient(config()));
const logs = traced(new Logs.CloudWatchLogsClient(config()));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await step("STS GetCallerIdentity", async () => {
  const id = await sts.send(new STS.GetCallerIdentityCommand({}));
  assert.equal(id.Account, "000000000000");
  assert.equal(id.Arn, "arn:aws:iam::000000000000:root");
});

const roleArn = await step("IAM CreateRole", async () => {
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
  const { Role } = await iam.send(new IAM.CreateRoleCommand({ RoleName: "js-exec", AssumeRolePolicyDocument: JSON.stringify(trust) }));
  assert.equal(Role.Arn, "arn:aws:iam::000000000000:role/js-exec");
  await iam.send(new IAM.AttachRolePolicyCommand({
    RoleName: "js-exec", PolicyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
  }));
  return Role.Arn;
});

const code = `import json

def handler(event, context):
    print("hello from", context.function_name, json.dumps(event, sort_keys=True))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"echo": event, "name": context.function_name, "ünï": "✓"}
`;

const fn = await step("Lambda CreateFunction from an inline zip", async () => {
  const res = await lambda.send(new Lambda.CreateFunctionCommand({
    FunctionName: "js-fn", Runtime: "python3.12", Role: roleArn, Handler: "app.handler",
    Code: { ZipFile: zip({ "app.py": code }) }, Timeout: 10, MemorySize: 256,
    Environment: { Variables: { GREETING: "hi" } },
  }));
  assert.equal(res.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:js-fn");
  assert.equal(res.Handler, "app.handler");
  await Lambda.waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: "js-fn" });
  const got = await lambda.send(new Lambda.GetFunctionCommand({ FunctionName: "js-fn" }));
  assert.equal(got.Configuration.State, "Active");
  assert.equal(got.Configuration.Environment.Variables.GREETING, "hi");
  return res;
});

const invokeId = await step("Lambda Invoke RequestResponse with LogType Tail", async () => {
  const res = await lambda.send(new Lambda.InvokeCommand({
    FunctionName: fn.FunctionName, InvocationType: "RequestResponse", LogType: "Tail",
    Payload: new TextEncoder().encode(JSON.stringify({ key: "value", n: 1 })),
  }));
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, undefined);
  assert.equal(res.ExecutedVersion, "$LATEST");
  const payload = JSON.parse(new TextDecoder().decode(res.Payload));
  assert.deepEqual(payload, { echo: { key: "value", n: 1 }, name: "js-fn", "ünï": "✓" });
  const tail = Buffer.from(res.LogResult, "base64").toString();
  const requestId = res.$metadata.requestId;
  assert.ok(requestId, "the invoke has a request id");
  assert.match(tail, new RegExp(`START RequestId: ${requestId} Version: \\$LATEST`));
  assert.match(tail, /hello from js-fn \{"key": "value", "n": 1\}/);
  assert.match(tail, new RegExp(`END RequestId: ${requestId}`));
  assert.match(tail, new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB`));
  return requestId;
});

await step("Lambda Invoke of a failing handler", async () => {
  const res = await lambda.send(new Lambda.InvokeCommand({
    FunctionName: "js-fn", Payload: new TextEncoder().encode(JSON.stringify({ fail: true })),
  }));
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, "Unhandled");
  const err = JSON.parse(new TextDecoder().decode(res.Payload));
  assert.equal(err.errorType, "ValueError");
  assert.equal(err.errorMessage, "asked to fail");
  assert.ok(Array.isArray(err.stackTrace), JSON.stringify(err));
  const missing = await rejects(lambda.send(new Lambda.InvokeCommand({ FunctionName: "js-missing" })),
    "ResourceNotFoundException", "invoking a missing function");
  assert.equal(missing.$metadata.httpStatusCode, 404);
});

async function queue(name) {
  const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

async function receiveOne(url) {
  for (let i = 0; i < 5; i++) {
    const { Messages } = await sqs.send(new SQS.ReceiveMessageCommand({
      QueueUrl: url, WaitTimeSeconds: 2, MaxNumberOfMessages: 1, MessageAttributeNames: ["All"],
    }));
    if (Messages?.length) return Messages[0];
  }
  throw new Error(`nothing arrived on ${url}`);
}

await step("SNS publish to SQS subscriptions", async () => {
  const { TopicArn } = await sns.send(new SNS.CreateTopicCommand({ Name: "js-topic" }));
  assert.equal(TopicArn, "arn:aws:sns:us-east-1:000000000000:js-topic");
  const wrapped = await queue("js-sns-wrapped");
  const raw = await queue("js-sns-raw");
  for (const q of [wrapped, raw]) {
    const policy = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage",
        Resource: q.arn, Condition: { ArnEquals: { "aws:SourceArn": TopicArn } } }],
    };
    await sqs.send(new SQS.SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: JSON.stringify(policy) } }));
  }
  const sub = await sns.send(new SNS.SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: wrapped.arn, ReturnSubscriptionArn: true }));
  assert.match(sub.SubscriptionArn, new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
  await sns.send(new SNS.SubscribeCommand({
    TopicArn, Protocol: "sqs", Endpoint: raw.arn, Attributes: { RawMessageDelivery: "true" },
  }));
  const { Subscriptions } = await sns.send(new SNS.ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.equal(Subscriptions.length, 2);
  const pub = await sns.send(new SNS.PublishCommand({
    TopicArn, Subject: "js subject", Message: "hello subscribers ✓",
    MessageAttributes: { color: { DataType: "String", StringValue: "blue" } },
  }));
  assert.ok(pub.MessageId);

  const env = JSON.parse((await receiveOne(wrapped.url)).Body);
  assert.equal(env.Type, "Notification");
  assert.equal(env.MessageId, pub.MessageId);
  assert.equal(env.TopicArn, TopicArn);
  assert.equal(env.Subject, "js subject");
  assert.equal(env.Message, "hello subscribers ✓");
  assert.deepEqual(env.MessageAttributes, { color: { Type: "String", Value: "blue" } });
  assert.equal(env.SignatureVersion, "1");

  const rm = await receiveOne(raw.url);
  assert.equal(rm.Body, "hello subscribers ✓");
  assert.equal(rm.MessageAttributes?.color?.StringValue, "blue", JSON.stringify(rm.MessageAttributes));
  await rejects(sns.send(new SNS.PublishCommand({ TopicArn: `${TopicArn}-missing`, Message: "x" })),
    "NotFoundException", "publishing to a missing topic");
});

await step("CloudWatch Logs FilterLogEvents finds the REPORT line", async () => {
  let events = [];
  for (let i = 0; i < 20 && events.length === 0; i++) {
    const res = await logs.send(new Logs.FilterLogEventsCommand({
      logGroupName: "/aws/lambda/js-fn", filterPattern: `"REPORT RequestId: ${invokeId}"`,
    }));
    events = res.events ?? [];
    if (events.length === 0) await sleep(250);
  }
  assert.equal(events.length, 1, `REPORT line for ${invokeId}`);
  assert.match(events[0].message, /^REPORT RequestId: .*\tMax Memory Used: \d+ MB/);
  assert.match(events[0].logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  const all = await logs.send(new Logs.FilterLogEventsCommand({ logGroupName: "/aws/lambda/js-fn", filterPattern: "REPORT" }));
  assert.equal(all.events.length, 2, "one REPORT per invoke");
  await rejects(logs.send(new Logs.FilterLogEventsCommand({ logGroupName: "/aws/lambda/js-missing" })),
    "ResourceNotFoundException", "filtering a missing group");
});

console.log(`ok lambda (${generation})`);
