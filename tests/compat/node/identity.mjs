// Identity pools from Node, with the clients apps use, unmodified: the seed document's flow through the AWS SDK for
// JavaScript v3 (@aws-sdk/client-cognito-identity GetId + GetCredentialsForIdentity, then @aws-sdk/client-sts
// GetCallerIdentity with those credentials), the same through fromCognitoIdentityPool (@aws-sdk/credential-providers)
// feeding an STS client, and Amplify v6 fetchAuthSession() after a sign-in (Auth.Cognito.identityPoolEndpoint points
// its identity-pool calls at Latchkey, as userPoolEndpoint does its user-pool calls).
//
// usage: node identity.mjs <request.json>
// request: {scenario: "sdk" | "amplify", endpoint, region, identityPoolId, ...}
//   sdk:     providerName, idToken (a user pool ID token), badToken (the same, tampered)
//   amplify: poolId, clientId, username, password
// stdout: one JSON line {ok, steps: {...}, calls: [...], step?, error?, message?}
import fs from "node:fs";
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { Amplify } from "aws-amplify";
import { fetchAuthSession, signIn, signOut } from "aws-amplify/auth";
import { Steps } from "./steps.mjs";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const region = req.region ?? "us-east-1";

// Amplify names a new device from navigator.userAgent(Data); Node 20 has no navigator (see srp_amplify.mjs).
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "Mozilla/5.0 (latchkey-compat; Node) Amplify/6" };
}

// ---- what Amplify sends (it calls the global fetch at request time): target, URL and the Logins keys
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const request = input instanceof Request ? input : new Request(input, init);
  let body = {};
  try { body = JSON.parse(await request.clone().text()); } catch { /* not JSON */ }
  const res = await realFetch(request);
  let out = {};
  try { out = await res.clone().json(); } catch { /* empty */ }
  calls.push({
    target: String(request.headers.get("x-amz-target") ?? "").split(".").pop(),
    service: String(request.headers.get("x-amz-target") ?? "").split(".")[0],
    url: request.url,
    logins: body.Logins ? Object.keys(body.Logins).sort() : undefined,
    identityId: body.IdentityId,
    status: res.status,
    errorType: out.__type,
  });
  return res;
};

const record = new Steps();
const steps = record.results;
const step = (name, fn) => record.run(name, fn);

/** Runs `fn`, which must fail; returns the SDK error's name, message and HTTP status. */
async function failure(fn) {
  try {
    await fn();
  } catch (e) {
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected an error, the call succeeded");
}

/** STS GetCallerIdentity signed with `credentials` (an object or a provider). */
async function callerIdentity(credentials) {
  const sts = new STSClient({ region, endpoint: req.endpoint, credentials, maxAttempts: 1 });
  const r = await sts.send(new GetCallerIdentityCommand({}));
  return { Arn: r.Arn, Account: r.Account, UserId: r.UserId };
}

const credentialsOut = (c) => ({
  accessKeyId: c.accessKeyId,
  secretLength: c.secretAccessKey?.length,
  hasSessionToken: !!c.sessionToken,
  expiration: c.expiration instanceof Date ? c.expiration.toISOString() : c.expiration,
});

const scenarios = {
  async sdk() {
    // No credentials: GetId and GetCredentialsForIdentity are unsigned (smithy.api#noAuth), as in a browser.
    const client = new CognitoIdentityClient({ region, endpoint: req.endpoint, maxAttempts: 1 });
    const logins = { [req.providerName]: req.idToken };
    const { IdentityId } = await step("getId", async () => {
      const r = await client.send(new GetIdCommand({ IdentityPoolId: req.identityPoolId, Logins: logins }));
      return { IdentityId: r.IdentityId };
    });
    let creds;
    await step("getCredentials", async () => {
      const r = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
      creds = {
        accessKeyId: r.Credentials.AccessKeyId,
        secretAccessKey: r.Credentials.SecretKey,
        sessionToken: r.Credentials.SessionToken,
        expiration: r.Credentials.Expiration,
      };
      return { IdentityId: r.IdentityId, credentials: credentialsOut(creds) };
    });
    await step("stsCaller", () => callerIdentity(creds));
    await step("stsTamperedSecret", () => failure(() => callerIdentity({
      ...creds, secretAccessKey: creds.secretAccessKey.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
    })));
    await step("getIdTampered", () => failure(() =>
      client.send(new GetIdCommand({ IdentityPoolId: req.identityPoolId, Logins: { [req.providerName]: req.badToken } }))));

    // The credential provider apps hand to every other client.
    const provider = fromCognitoIdentityPool({
      identityPoolId: req.identityPoolId,
      logins,
      clientConfig: { endpoint: req.endpoint, region, maxAttempts: 1 },
    });
    await step("provider", async () => {
      const c = await provider();
      return { identityId: c.identityId, ...credentialsOut(c) };
    });
    await step("providerStsCaller", () => callerIdentity(provider));
  },

  async amplify() {
    const endpoint = req.endpoint.replace(/\/?$/, "/");
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId: req.poolId,
          userPoolClientId: req.clientId,
          userPoolEndpoint: endpoint,
          identityPoolId: req.identityPoolId,
          identityPoolEndpoint: endpoint,
          allowGuestAccess: true,
        },
      },
    });
    const sessionOut = (s) => ({
      identityId: s.identityId,
      credentials: s.credentials ? credentialsOut(s.credentials) : null,
      issuer: s.tokens?.idToken?.payload?.iss,
    });
    await step("signIn", () => signIn({ username: req.username, password: req.password }));
    const first = await fetchAuthSession();
    steps.session = sessionOut(first);
    await step("stsCaller", () => callerIdentity(first.credentials));
    await step("sessionAgain", async () => sessionOut(await fetchAuthSession()));
    await step("forceRefresh", async () => sessionOut(await fetchAuthSession({ forceRefresh: true })));
    await step("signOut", () => signOut());
    const guest = await fetchAuthSession();
    steps.guestSession = sessionOut(guest);
    await step("guestStsCaller", () => callerIdentity(guest.credentials));
  },
};

try {
  if (!scenarios[req.scenario]) throw new Error(`unknown scenario ${req.scenario}`);
  await scenarios[req.scenario]();
  console.log(JSON.stringify({ ok: true, steps, calls }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, step: record.current, error: e.name, message: e.message, steps, calls }));
  process.exitCode = 1;
}
