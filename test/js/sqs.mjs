// SQS through the AWS SDK for JavaScript v3: AWS JSON 1.0 from 3.446.0 on, the
// query protocol before. The SDK checks MD5OfMessageBody and
// MD5OfMessageAttributes on every send and MD5OfBody on every receive, and
// throws on any mismatch, so these calls prove Nubo's digests byte for byte.
import { createHash } from "node:crypto";
import { assert, config, generation, rejects, sdk, step, traced } from "./common.mjs";

const SQS = sdk("@aws-sdk/client-sqs");
const sqs = traced(new SQS.SQSClient(config()));
const md5hex = (s) => createHash("md5").update(s).digest("hex");

// Carriage returns must survive the query protocol's XML (AWS escapes them as &#xD;).
const body = "héllo from JavaScript ✓ 🚀 <xml> & \"quotes\"\r\nsecond line\ttab ]]> end";
const attributes = {
  kind: { DataType: "String", StringValue: "greeting ✓ <&>\r\n" },
  count: { DataType: "Number", StringValue: "42" },
  blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 253, 254, 255]) },
  ratio: { DataType: "Number.float", StringValue: "0.5" },
};

async function receive(QueueUrl, max = 10, wait = 2) {
  const res = await sqs.send(new SQS.ReceiveMessageCommand({
    QueueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: wait,
    MessageAttributeNames: ["All"], AttributeNames: ["All"],
  }));
  return res.Messages ?? [];
}

const url = await step("CreateQueue", async () => {
  const res = await sqs.send(new SQS.CreateQueueCommand({ QueueName: "js-queue", Attributes: { VisibilityTimeout: "30" } }));
  assert.match(res.QueueUrl, /\/000000000000\/js-queue$/);
  const again = await sqs.send(new SQS.GetQueueUrlCommand({ QueueName: "js-queue" }));
  assert.equal(again.QueueUrl, res.QueueUrl);
  const attrs = await sqs.send(new SQS.GetQueueAttributesCommand({ QueueUrl: res.QueueUrl, AttributeNames: ["All"] }));
  assert.equal(attrs.Attributes.QueueArn, "arn:aws:sqs:us-east-1:000000000000:js-queue");
  assert.equal(attrs.Attributes.VisibilityTimeout, "30");
  return res.QueueUrl;
});

const sent = await step("SendMessage with String, Number and Binary attributes", async () => {
  const res = await sqs.send(new SQS.SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: attributes }));
  assert.equal(res.MD5OfMessageBody, md5hex(body));
  assert.match(res.MD5OfMessageAttributes, /^[0-9a-f]{32}$/);
  assert.ok(res.MessageId);
  return res;
});

await step("SendMessageBatch", async () => {
  const res = await sqs.send(new SQS.SendMessageBatchCommand({
    QueueUrl: url,
    Entries: [
      { Id: "one", MessageBody: "batch one" },
      { Id: "two", MessageBody: "batch two ✓", MessageAttributes: { n: { DataType: "Number", StringValue: "2" } } },
      { Id: "three", MessageBody: "batch three", DelaySeconds: 0 },
    ],
  }));
  assert.equal((res.Failed ?? []).length, 0, JSON.stringify(res.Failed));
  assert.deepEqual(res.Successful.map((s) => s.Id).sort(), ["one", "three", "two"]);
  for (const s of res.Successful) assert.match(s.MD5OfMessageBody, /^[0-9a-f]{32}$/);
});

await step("ReceiveMessage with all attributes, DeleteMessage", async () => {
  const got = [];
  for (let i = 0; i < 5 && got.length < 4; i++) got.push(...(await receive(url)));
  assert.equal(got.length, 4, `received ${got.map((m) => m.Body)}`);
  const first = got.find((m) => m.MessageId === sent.MessageId);
  assert.ok(first, "the single message is received");
  assert.equal(first.Body, body);
  assert.equal(first.MD5OfBody, md5hex(body));
  assert.equal(first.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  assert.equal(first.MessageAttributes.kind.StringValue, "greeting ✓ <&>\r\n");
  assert.equal(first.MessageAttributes.kind.DataType, "String");
  assert.equal(first.MessageAttributes.count.StringValue, "42");
  assert.equal(first.MessageAttributes.ratio.DataType, "Number.float");
  assert.deepEqual([...first.MessageAttributes.blob.BinaryValue], [0, 1, 2, 253, 254, 255]);
  assert.equal(first.Attributes.ApproximateReceiveCount, "1");
  assert.match(first.Attributes.SentTimestamp, /^\d{13}$/);
  const two = got.find((m) => m.Body === "batch two ✓");
  assert.equal(two.MessageAttributes.n.StringValue, "2");
  await sqs.send(new SQS.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
  const rest = got.filter((m) => m !== first);
  const del = await sqs.send(new SQS.DeleteMessageBatchCommand({
    QueueUrl: url, Entries: rest.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
  }));
  assert.equal(del.Successful.length, 3, JSON.stringify(del));
  assert.equal((await receive(url, 10, 0)).length, 0, "the queue is empty after the deletes");
});

await step("FIFO queue", async () => {
  const { QueueUrl } = await sqs.send(new SQS.CreateQueueCommand({
    QueueName: "js-queue.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" },
  }));
  const seqs = [];
  for (const b of ["f0", "f1", "f2", "f0"]) {
    const res = await sqs.send(new SQS.SendMessageCommand({
      QueueUrl, MessageBody: b, MessageGroupId: "g1", MessageAttributes: { pos: { DataType: "String", StringValue: b } },
    }));
    assert.match(res.SequenceNumber, /^\d+$/);
    seqs.push(res);
  }
  assert.equal(seqs[3].MessageId, seqs[0].MessageId, "a content-deduplicated send returns the first message's id");
  const order = [];
  for (let i = 0; i < 3; i++) {
    const [m] = await receive(QueueUrl, 1);
    assert.ok(m, `FIFO message ${i}`);
    assert.equal(m.Attributes.MessageGroupId, "g1");
    assert.equal(m.MessageAttributes.pos.StringValue, m.Body);
    order.push(m.Body);
    await sqs.send(new SQS.DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
  assert.deepEqual(order, ["f0", "f1", "f2"]);
  assert.equal((await receive(QueueUrl, 10, 0)).length, 0, "the duplicate was dropped");
  await rejects(sqs.send(new SQS.SendMessageCommand({ QueueUrl, MessageBody: "no group" })),
    "MissingParameter", "a FIFO send without MessageGroupId");
});

await step("QueueDoesNotExist", async () => {
  const err = await rejects(sqs.send(new SQS.GetQueueUrlCommand({ QueueName: "js-missing" })),
    "QueueDoesNotExist", "GetQueueUrl of a missing queue");
  assert.ok(err instanceof SQS.QueueDoesNotExist, "the modelled exception class");
  assert.equal(err.$metadata.httpStatusCode, 400);
  // The query-era model does not list QueueDoesNotExist for SendMessage, so that
  // SDK names the error by its query code, as it does against AWS.
  const sendName = generation === "v3-2023" ? "AWS.SimpleQueueService.NonExistentQueue" : "QueueDoesNotExist";
  await rejects(sqs.send(new SQS.SendMessageCommand({ QueueUrl: url.replace("js-queue", "js-missing"), MessageBody: "x" })),
    sendName, "SendMessage to a missing queue");
});

await step("DeleteQueue", async () => {
  await sqs.send(new SQS.DeleteQueueCommand({ QueueUrl: url }));
  const { QueueUrls } = await sqs.send(new SQS.ListQueuesCommand({}));
  assert.deepEqual((QueueUrls ?? []).map((u) => u.split("/").pop()), ["js-queue.fifo"]);
});

console.log(`ok sqs (${generation})`);
