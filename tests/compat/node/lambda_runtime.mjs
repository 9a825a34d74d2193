// A small Lambda-Invoke-compatible runtime for the trigger tests. It serves what `sam local start-lambda` serves:
// `POST /2015-03-31/functions/{name}/invocations` with the event as the body runs the handler exported by
// `{dir}/{name}.mjs`, written exactly as a Lambda function (`export const handler = async (event, context) => ...`,
// or the callback style), and answers its return value; a handler that throws answers 200 with
// `X-Amz-Function-Error: Unhandled` and Lambda's error document; an unknown function answers 404
// ResourceNotFoundException.
//
// For the tests only: `GET /events/{name}` lists the events a function received, `DELETE /events` forgets them.
//
// Usage: node lambda_runtime.mjs --dir <handlers> --port <port>   (prints "ready <port>" once listening)
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string', default: '0' } } });
const dir = resolve(values.dir);
const PREFIX = '/2015-03-31/functions/';
const SUFFIX = '/invocations';
const events = new Map();
const modules = new Map();

async function handlerFor(name) {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return null;
  if (!modules.has(name)) {
    const file = join(dir, `${name}.mjs`);
    if (!existsSync(file)) return null;
    modules.set(name, (await import(pathToFileURL(file).href)).handler);
  }
  return modules.get(name);
}

// Runs a handler as Lambda's Node.js runtime does: async handlers return (or throw), callback-style ones call back.
function run(handler, event, context) {
  if (handler.length >= 3) {
    return new Promise((ok, fail) => {
      const done = (err, result) => (err ? fail(err instanceof Error ? err : new Error(String(err))) : ok(result));
      Promise.resolve(handler(event, context, done)).catch(fail);
    });
  }
  return Promise.resolve(handler(event, context));
}

function answer(res, status, payload, headers = {}) {
  const body = Buffer.from(JSON.stringify(payload === undefined ? null : payload));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...headers });
  res.end(body);
}

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method === 'GET' && path.startsWith('/events/')) {
    return answer(res, 200, events.get(decodeURIComponent(path.slice('/events/'.length))) ?? []);
  }
  if (req.method === 'DELETE' && path === '/events') {
    events.clear();
    return answer(res, 200, {});
  }
  if (req.method !== 'POST' || !path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) {
    return answer(res, 404, { Type: 'User', message: 'Not found' });
  }
  const name = decodeURIComponent(path.slice(PREFIX.length, -SUFFIX.length));
  const handler = await handlerFor(name);
  if (!handler) {
    return answer(res, 404, { Type: 'User', message: `Function not found: ${name}` },
      { 'x-amzn-errortype': 'ResourceNotFoundException' });
  }
  let event;
  try {
    event = JSON.parse(raw || '{}');
  } catch {
    return answer(res, 400, { Type: 'User', message: 'Could not parse request body into json' },
      { 'x-amzn-errortype': 'InvalidRequestContentException' });
  }
  if (!events.has(name)) events.set(name, []);
  events.get(name).push(structuredClone(event));
  const started = Date.now();
  const context = {
    functionName: name,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, 5000 - (Date.now() - started)),
  };
  try {
    return answer(res, 200, await run(handler, event, context));
  } catch (e) {
    return answer(res, 200, {
      errorMessage: e?.message ?? String(e),
      errorType: e?.name ?? 'Error',
      stackTrace: String(e?.stack ?? '').split('\n').slice(1).map((l) => l.trim()),
    }, { 'X-Amz-Function-Error': 'Unhandled' });
  }
});

server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`ready ${server.address().port}`);
});
