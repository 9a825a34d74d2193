// Issue 13's comparison: aws-jwt-verify's verification rate on one thread, on the benchmark's tokens.
//
// Run by latchkey-bench (bench/src/verify_bench.rs), which embeds this file and writes it to its work dir:
//   node verify_rate.mjs INPUT.json NODE_MODULES_DIR
// INPUT.json: {"issuer", "audience", "jwksUri", "jwks", "tokens": [...], "seconds"}.
// aws-jwt-verify is the one the compatibility tests already install (tests/compat/node/package.json); it is loaded
// from NODE_MODULES_DIR so the benchmark has no package.json or lock file of its own to keep in step.
//
// The verifier is what an application writes for Cognito ID tokens: JwtRsaVerifier with the issuer, the audience
// (the app client id) and the jwksUri, plus a token_use check (the checks latchkey-verify makes with
// TokenUse::Id and client_id); its JWKS is preloaded with cacheJwks, so nothing is fetched. Both verify() (async,
// what most code awaits) and verifySync() are measured, each in 3 rounds of seconds/3 after a warm-up, and every
// round reports its count, wall time, the process's CPU time (all threads, GC included) and the main thread's
// CPU time (/proc/thread-self/schedstat, as the Rust side measures itself).
// Output: one JSON line {"node", "aws_jwt_verify", "modes": {"async": [rounds], "sync": [rounds]}}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [inputPath, modulesDir] = process.argv.slice(2);
if (!inputPath || !modulesDir) {
  console.error("usage: node verify_rate.mjs INPUT.json NODE_MODULES_DIR");
  process.exit(2);
}
const require = createRequire(join(modulesDir, "noop.js"));
const { JwtRsaVerifier } = require("aws-jwt-verify");
// The package does not export its package.json; read it from the directory.
const version = JSON.parse(readFileSync(join(modulesDir, "aws-jwt-verify", "package.json"), "utf8")).version;
const input = JSON.parse(readFileSync(inputPath, "utf8"));

const verifier = JwtRsaVerifier.create({
  issuer: input.issuer,
  audience: input.audience,
  jwksUri: input.jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "id") throw new Error(`token_use is ${payload.token_use}, want id`);
  },
});
verifier.cacheJwks(input.jwks);
const tokens = input.tokens;

function threadCpuSeconds() {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e9;
  } catch {
    return null;
  }
}

function processCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// Every token must verify before anything is timed: a rate of failures would mean nothing.
for (const t of tokens) {
  try {
    verifier.verifySync(t);
  } catch (e) {
    console.error(`aws-jwt-verify refused a benchmark token: ${e.constructor?.name}: ${e.message}`);
    process.exit(1);
  }
}

async function round(mode, seconds) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  const cpu0 = processCpuSeconds();
  const thread0 = threadCpuSeconds();
  let n = 0;
  // Check the clock every 64 verifications: reading it costs less than a verification, but not nothing.
  while (process.hrtime.bigint() < end) {
    for (let k = 0; k < 64; k++) {
      const t = tokens[n % tokens.length];
      if (mode === "sync") verifier.verifySync(t);
      else await verifier.verify(t);
      n++;
    }
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const thread1 = threadCpuSeconds();
  return {
    count: n,
    wall_s: wall,
    process_cpu_s: processCpuSeconds() - cpu0,
    thread_cpu_s: thread0 === null || thread1 === null ? null : thread1 - thread0,
  };
}

const seconds = Number(input.seconds) || 3;
const modes = {};
for (const mode of ["async", "sync"]) {
  await round(mode, Math.min(1, seconds / 3)); // warm-up: let the JIT compile the path
  modes[mode] = [];
  for (let r = 0; r < 3; r++) modes[mode].push(await round(mode, seconds / 3));
}
console.log(JSON.stringify({ node: process.version, aws_jwt_verify: version, modes }));
