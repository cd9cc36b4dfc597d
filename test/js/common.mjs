// Shared set-up for Nubo's JavaScript end-to-end scripts: which AWS SDK
// generation to load, the client configuration pointing at Nubo, an optional
// wire trace, and small assertion helpers.
//
// NUBO_ENDPOINT   the Nubo endpoint (required)
// NUBO_JS_SDK     "current" (default, the root package.json) or the name of a
//                 workspace under generations/ pinning an older SDK
// NUBO_JS_TRACE   when set, print every request and response head to stderr
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const generation = process.env.NUBO_JS_SDK || "current";
const root = generation === "current" ? here : path.join(here, "generations", generation);
const requireSDK = createRequire(path.join(root, "package.json"));

// sdk loads an SDK package (e.g. "@aws-sdk/client-s3") of the selected generation.
export function sdk(name) {
  return requireSDK(name);
}

// sdkVersion is the installed version of an SDK package of the selected generation.
export function sdkVersion(name) {
  return requireSDK(`${name}/package.json`).version;
}

export const endpoint = process.env.NUBO_ENDPOINT;
if (!endpoint) throw new Error("NUBO_ENDPOINT is not set");

// config is the client configuration for Nubo with the dev credentials.
export function config(extra = {}) {
  return {
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    ...extra,
  };
}

// traced adds a wire trace to client when NUBO_JS_TRACE is set and returns it.
export function traced(client) {
  if (!process.env.NUBO_JS_TRACE) return client;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const req = args.request;
      console.error(`>> ${context.clientName} ${context.commandName}: ${req.method} ${req.path}`,
        JSON.stringify(req.query ?? {}), JSON.stringify(req.headers));
      if (typeof req.body === "string" && req.body.length < 2000) console.error(">> body", req.body);
      try {
        const out = await next(args);
        console.error(`<< ${out.response.statusCode}`, JSON.stringify(out.response.headers));
        return out;
      } catch (err) {
        console.error(`<< error ${err.name}: ${err.message}`,
          JSON.stringify(err.$response?.headers ?? err.$metadata ?? {}));
        throw err;
      }
    },
    { step: "deserialize", priority: "low", name: "nuboTrace" },
  );
  return client;
}

// rejects awaits promise and asserts it fails with an SDK error named name.
export async function rejects(promise, name, what) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: succeeded, want ${name}`);
  assert.equal(err.name, name, `${what}: got ${err.name} (${err.message}), want ${name}`);
  return err;
}

// step runs fn under a label so that a failure names the step that failed.
export async function step(label, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`[${generation}] ${label}: ${err.name}: ${err.message}`, { cause: err });
  }
}

export { assert };
