// S3 through the AWS SDK for JavaScript v3: header checksums on string bodies,
// aws-chunked bodies with trailing checksums for streams (the current SDK does
// this by default, older ones when a checksum algorithm is asked for), response
// checksum validation, listings, batch deletes (Content-MD5 or CRC32), a
// multipart upload through lib-storage, copies, typed errors and presigned URLs.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { assert, config, generation, rejects, sdk, step, traced } from "./common.mjs";

const S3 = sdk("@aws-sdk/client-s3");
const { Upload } = sdk("@aws-sdk/lib-storage");
const { getSignedUrl } = sdk("@aws-sdk/s3-request-presigner");
// The current SDK checksums every upload with CRC32 unless told otherwise.
const defaultChecksums = generation === "current";

const s3 = traced(new S3.S3Client(config({ forcePathStyle: true })));
const bucket = "js-bucket";

const crc32 = (buf) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(zlib.crc32(buf));
  return b.toString("base64");
};
const sha256 = (buf) => createHash("sha256").update(buf).digest("base64");
const md5hex = (buf) => createHash("md5").update(buf).digest("hex");
const chunks = (buf, size) => {
  const out = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
};

async function get(key, extra = {}) {
  const res = await s3.send(new S3.GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED", ...extra }));
  return { res, body: Buffer.from(await res.Body.transformToByteArray()) };
}

await step("CreateBucket", async () => {
  const res = await s3.send(new S3.CreateBucketCommand({ Bucket: bucket }));
  assert.equal(res.Location, `/${bucket}`);
});

const text = "hello from the JavaScript SDK\n";
await step("PutObject string body", async () => {
  const res = await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "hello.txt", Body: text, ContentType: "text/plain", Metadata: { origin: "js" },
  }));
  assert.equal(res.ETag, `"${md5hex(Buffer.from(text))}"`);
  if (defaultChecksums) assert.equal(res.ChecksumCRC32, crc32(Buffer.from(text)), "PutObject echoes the CRC32 it was sent");
});

await step("GetObject string body", async () => {
  const { res, body } = await get("hello.txt");
  assert.equal(body.toString(), text);
  assert.equal(res.ContentType, "text/plain");
  assert.deepEqual(res.Metadata, { origin: "js" });
  assert.equal(res.ContentLength, Buffer.byteLength(text));
  if (defaultChecksums) assert.equal(res.ChecksumCRC32, crc32(Buffer.from(text)));
});

// A stream body of known length. The current SDK sends it aws-chunked with a
// trailing x-amz-checksum-crc32 (STREAMING-UNSIGNED-PAYLOAD-TRAILER), over plain HTTP too.
const streamed = randomBytes(300 * 1024 + 7);
await step("PutObject stream body", async () => {
  const res = await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "streamed.bin", Body: Readable.from(chunks(streamed, 64 * 1024)), ContentLength: streamed.length,
  }));
  assert.equal(res.ETag, `"${md5hex(streamed)}"`);
  if (defaultChecksums) assert.equal(res.ChecksumCRC32, crc32(streamed));
  const { res: got, body } = await get("streamed.bin");
  assert.ok(body.equals(streamed), `stream body round trip: got ${body.length} bytes, want ${streamed.length}`);
  if (defaultChecksums) assert.equal(got.ChecksumCRC32, crc32(streamed));
});

// Every generation sends an explicitly requested checksum as an aws-chunked trailer.
await step("PutObject stream body with ChecksumAlgorithm SHA256", async () => {
  const res = await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "streamed-sha256.bin", Body: Readable.from(chunks(streamed, 10000)),
    ContentLength: streamed.length, ChecksumAlgorithm: "SHA256",
  }));
  assert.equal(res.ChecksumSHA256, sha256(streamed));
  const { res: got, body } = await get("streamed-sha256.bin");
  assert.ok(body.equals(streamed));
  assert.equal(got.ChecksumSHA256, sha256(streamed));
});

await step("PutObject empty bodies", async () => {
  await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: "empty.txt", Body: "" }));
  await s3.send(new S3.PutObjectCommand({
    Bucket: bucket, Key: "empty-stream.bin", Body: Readable.from([]), ContentLength: 0, ChecksumAlgorithm: "CRC32",
  }));
  for (const key of ["empty.txt", "empty-stream.bin"]) {
    const { res, body } = await get(key);
    assert.equal(body.length, 0, key);
    assert.equal(res.ContentLength, 0, key);
    assert.equal(res.ETag, '"d41d8cd98f00b204e9800998ecf8427e"', key);
  }
});

await step("a wrong checksum is refused", async () => {
  const wrong = crc32(Buffer.from("something else"));
  const err = await rejects(s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: "bad.txt", Body: text, ChecksumCRC32: wrong })),
    "BadDigest", "PutObject with a CRC32 of other bytes");
  assert.equal(err.$metadata.httpStatusCode, 400);
  await rejects(s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "bad.txt" })), "NotFound", "the refused object");
});

// Keys the SDK must percent-encode in the path, and CopySource encoded by the caller as AWS requires.
const oddKey = "odd dir/ünï cödé+plus&amp=;semi~tilde'quote(1).txt";
await step("keys with reserved characters", async () => {
  await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: oddKey, Body: "odd" }));
  assert.equal((await get(oddKey)).body.toString(), "odd");
  const list = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "odd dir/" }));
  assert.deepEqual(list.Contents.map((o) => o.Key), [oddKey]);
  await s3.send(new S3.CopyObjectCommand({
    Bucket: bucket, Key: `${oddKey}.copy`, CopySource: encodeURIComponent(`${bucket}/${oddKey}`),
  }));
  assert.equal((await get(`${oddKey}.copy`)).body.toString(), "odd");
  const url = await getSignedUrl(s3, new S3.GetObjectCommand({ Bucket: bucket, Key: oddKey }), { expiresIn: 60 });
  const res = await fetch(url);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(await res.text(), "odd");
  await s3.send(new S3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: oddKey }, { Key: `${oddKey}.copy` }] } }));
});

// AWS writes tab and newline literally in XML text and only carriage return as
// &#xD;; SDKs up to 3.445 (fast-xml-parser 4.2) decode no other character references.
await step("keys with control characters in ListObjectsV2", async () => {
  const key = "ctl/tab\tnewline\ncr\rend.txt";
  await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: key, Body: "ctl" }));
  const list = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "ctl/" }));
  assert.deepEqual((list.Contents ?? []).map((o) => o.Key), [key]);
  await s3.send(new S3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
});

await step("HeadObject", async () => {
  const res = await s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "streamed.bin" }));
  assert.equal(res.ContentLength, streamed.length);
  assert.equal(res.ETag, `"${md5hex(streamed)}"`);
  assert.ok(res.LastModified instanceof Date && !isNaN(res.LastModified), `LastModified ${res.LastModified}`);
});

await step("ListObjectsV2 with prefix and delimiter", async () => {
  for (const key of ["dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "other.txt"]) {
    await s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  const res = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/", Delimiter: "/" }));
  assert.deepEqual((res.Contents ?? []).map((o) => o.Key), ["dir/a.txt", "dir/b.txt"]);
  assert.deepEqual((res.CommonPrefixes ?? []).map((p) => p.Prefix), ["dir/sub/"]);
  assert.equal(res.KeyCount, 3);
  assert.equal(res.IsTruncated, false);
  assert.equal(res.Contents[0].Size, "dir/a.txt".length);
  const page = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, MaxKeys: 2 }));
  assert.equal(page.IsTruncated, true);
  assert.ok(page.NextContinuationToken, "a truncated page has a continuation token");
  const rest = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, ContinuationToken: page.NextContinuationToken }));
  const all = [...page.Contents, ...rest.Contents].map((o) => o.Key);
  assert.deepEqual(all, ["dir/a.txt", "dir/b.txt", "dir/sub/c.txt", "empty-stream.bin", "empty.txt", "hello.txt", "other.txt", "streamed-sha256.bin", "streamed.bin"]);
});

// DeleteObjects requires an integrity header: Content-MD5 from older SDKs, CRC32 from the current one.
await step("DeleteObjects", async () => {
  const res = await s3.send(new S3.DeleteObjectsCommand({
    Bucket: bucket, Delete: { Objects: [{ Key: "dir/a.txt" }, { Key: "dir/b.txt" }, { Key: "never-existed" }] },
  }));
  assert.deepEqual((res.Deleted ?? []).map((d) => d.Key).sort(), ["dir/a.txt", "dir/b.txt", "never-existed"]);
  assert.equal((res.Errors ?? []).length, 0, JSON.stringify(res.Errors));
  const left = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/" }));
  assert.deepEqual((left.Contents ?? []).map((o) => o.Key), ["dir/sub/c.txt"]);
});

const big = randomBytes(12 * 1024 * 1024 + 12345);
await step("multipart Upload (lib-storage)", async () => {
  const up = new Upload({
    client: s3, partSize: 5 * 1024 * 1024, queueSize: 2,
    params: { Bucket: bucket, Key: "big.bin", Body: Readable.from(chunks(big, 256 * 1024)), ContentType: "application/octet-stream" },
  });
  const parts = [];
  up.on("httpUploadProgress", (p) => parts.push(p.part));
  const res = await up.done();
  assert.match(res.ETag, /^"[0-9a-f]{32}-3"$/, `multipart ETag ${res.ETag}`);
  assert.equal(new Set(parts.filter(Boolean)).size, 3, `uploaded parts ${parts}`);
  const { res: got, body } = await get("big.bin");
  assert.equal(body.length, big.length);
  assert.ok(body.equals(big), "multipart object round trip");
  assert.equal(got.ETag, res.ETag);
  const ranged = await get("big.bin", { Range: "bytes=5242870-5242889", ChecksumMode: undefined });
  assert.ok(ranged.body.equals(big.subarray(5242870, 5242890)), "ranged GET across a part boundary");
  assert.equal(ranged.res.ContentRange, `bytes 5242870-5242889/${big.length}`);
});

await step("CopyObject", async () => {
  const res = await s3.send(new S3.CopyObjectCommand({ Bucket: bucket, Key: "copy.bin", CopySource: `${bucket}/streamed.bin` }));
  assert.equal(res.CopyObjectResult.ETag, `"${md5hex(streamed)}"`);
  const { body } = await get("copy.bin");
  assert.ok(body.equals(streamed), "copied body");
});

await step("typed errors", async () => {
  const err = await rejects(s3.send(new S3.GetObjectCommand({ Bucket: bucket, Key: "missing.txt" })), "NoSuchKey", "GetObject of a missing key");
  assert.ok(err instanceof S3.NoSuchKey, "NoSuchKey is the modelled exception class");
  assert.equal(err.$metadata.httpStatusCode, 404);
  const head = await rejects(s3.send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "missing.txt" })), "NotFound", "HeadObject of a missing key");
  assert.equal(head.$metadata.httpStatusCode, 404);
  await rejects(s3.send(new S3.ListObjectsV2Command({ Bucket: "no-such-bucket-js" })), "NoSuchBucket", "listing a missing bucket");
  await rejects(s3.send(new S3.DeleteBucketCommand({ Bucket: bucket })), "BucketNotEmpty", "deleting a full bucket");
});

await step("presigned URLs", async () => {
  const url = await getSignedUrl(s3, new S3.GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }), { expiresIn: 300 });
  assert.match(url, /X-Amz-Signature=/);
  const res = await fetch(url);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(await res.text(), text);
  const putUrl = await getSignedUrl(s3, new S3.PutObjectCommand({ Bucket: bucket, Key: "presigned.txt" }), { expiresIn: 300 });
  const put = await fetch(putUrl, { method: "PUT", body: "put through a presigned URL" });
  assert.equal(put.status, 200, await put.text());
  const { body } = await get("presigned.txt");
  assert.equal(body.toString(), "put through a presigned URL");
  const tampered = url.replace("hello.txt", "other.txt");
  const bad = await fetch(tampered);
  assert.equal(bad.status, 403, "a URL signed for another key is refused");
  assert.match(await bad.text(), /SignatureDoesNotMatch/);
});

await step("cleanup", async () => {
  const all = await s3.send(new S3.ListObjectsV2Command({ Bucket: bucket }));
  await s3.send(new S3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: all.Contents.map((o) => ({ Key: o.Key })) } }));
  await s3.send(new S3.DeleteBucketCommand({ Bucket: bucket }));
  await rejects(s3.send(new S3.HeadBucketCommand({ Bucket: bucket })), "NotFound", "HeadBucket after DeleteBucket");
});

console.log(`ok s3 (${generation})`);
