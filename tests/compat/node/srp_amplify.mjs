// Amplify JS v6 (`aws-amplify/auth`), unmodified, in Node against a Latchkey endpoint (Auth.Cognito.userPoolEndpoint).
// Tokens live in Amplify's default storage, which in Node is its in-memory fallback, so each scenario runs in one
// process. Codes come from the pytest side's SMTP sink: GET $codesUrl/code?to=<address>.
//
// usage: node srp_amplify.mjs <request.json>
// request: {endpoint, poolId, clientId, scenario, username, password, password2?, email?, tempPassword?, codesUrl?}
// scenarios: selfService | newPassword | devices | forceRefresh | rotation
// stdout: one JSON line {ok, steps: {...}, calls: [...], step?, error?, message?}
import fs from "node:fs";
import { Amplify } from "aws-amplify";
import {
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  fetchDevices,
  fetchUserAttributes,
  forgetDevice,
  getCurrentUser,
  rememberDevice,
  signIn,
  signOut,
  signUp,
} from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import { codeFetcher, keysOf, recordFetch, Steps } from "./steps.mjs";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

// Amplify names a new device from navigator.userAgent(Data) before ConfirmDevice; Node 20 has no navigator (Node 21+
// does), and Amplify silently skips device confirmation when that throws. Give it what a browser would.
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "Mozilla/5.0 (latchkey-compat; Node) Amplify/6" };
}

// ---- what Amplify sends (it calls the global fetch at request time)
const calls = [];
const realFetch = recordFetch(calls, (target, body, out, res) => ({
    target,
    url: res.url,
    authFlow: body.AuthFlow,
    challengeName: body.ChallengeName,
    authParameters: keysOf(body.AuthParameters),
    challengeResponses: keysOf(body.ChallengeResponses),
    deviceKey: body.ChallengeResponses?.DEVICE_KEY ?? body.AuthParameters?.DEVICE_KEY ?? body.DeviceKey,
    status: res.status,
    errorType: out.__type,
    errorMessage: out.message,
    responseChallenge: out.ChallengeName,
    newDeviceMetadata: out.AuthenticationResult?.NewDeviceMetadata,
}));

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: req.poolId,
      userPoolClientId: req.clientId,
      userPoolEndpoint: req.endpoint.replace(/\/?$/, "/"),
    },
  },
});

// An in-memory KeyValueStorage of our own, so the refresh token can be read (to check its revocation afterwards).
const store = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  async setItem(k, v) { store.set(k, v); },
  async getItem(k) { return store.has(k) ? store.get(k) : null; },
  async removeItem(k) { store.delete(k); },
  async clear() { store.clear(); },
});
const stored = (suffix) => [...store.entries()].filter(([k]) => k.endsWith(suffix)).map(([, v]) => v)[0] ?? null;

const nextCode = codeFetcher(req.codesUrl, realFetch);
const record = new Steps();
const steps = record.results;
const step = (name, fn) => record.run(name, fn);
const tokensOut = (s) => ({
  hasTokens: !!s.tokens,
  idToken: s.tokens?.idToken?.toString(),
  accessToken: s.tokens?.accessToken?.toString(),
  idClaims: s.tokens?.idToken?.payload,
  accessClaims: s.tokens?.accessToken?.payload,
  userSub: s.userSub,
});
async function failure(fn) {
  try { await fn(); } catch (e) { return { name: e.name, message: e.message }; }
  throw new Error("expected an error, the call succeeded");
}

const scenarios = {
  async selfService() {
    const su = await step("signUp", () => signUp({
      username: req.username, password: req.password,
      options: { userAttributes: { email: req.email, given_name: "Amp" } },
    }));
    const code = await nextCode(req.email);
    await step("confirmSignUp", () => confirmSignUp({ username: req.username, confirmationCode: code }));
    await step("wrongPassword", () => failure(() => signIn({ username: req.username, password: req.password2 })));
    await step("signIn", () => signIn({ username: req.username, password: req.password }));
    await step("getCurrentUser", () => getCurrentUser());
    await step("fetchAuthSession", async () => tokensOut(await fetchAuthSession()));
    await step("fetchUserAttributes", () => fetchUserAttributes());
    // signOut() revokes the refresh token (RevokeToken) when the access token has origin_jti.
    steps.refreshToken = stored(".refreshToken");
    await step("signOut", () => signOut());
    await step("afterSignOut", async () => tokensOut(await fetchAuthSession()));
    void su;
  },

  async newPassword() {
    await step("signIn", () => signIn({ username: req.username, password: req.tempPassword }));
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: req.password }));
    await step("fetchAuthSession", async () => tokensOut(await fetchAuthSession()));
    await step("getCurrentUser", () => getCurrentUser());
    steps.refreshToken = stored(".refreshToken");
    await step("signOut", () => signOut({ global: true }));
    await step("afterSignOut", async () => tokensOut(await fetchAuthSession()));
    await step("signInNewPassword", () => signIn({ username: req.username, password: req.password }));
    await step("session2", async () => tokensOut(await fetchAuthSession()));
    await step("signOut2", () => signOut());
  },

  async devices() {
    await step("signIn1", () => signIn({ username: req.username, password: req.password }));
    await step("session1", async () => tokensOut(await fetchAuthSession()));
    steps.deviceKey1 = stored(".deviceKey");
    await step("rememberDevice", () => rememberDevice());
    await step("fetchDevices1", () => fetchDevices());
    await step("signOut1", () => signOut());
    record.current = "signIn2";
    const mark = calls.length;
    await step("signIn2", () => signIn({ username: req.username, password: req.password }));
    steps.signIn2Calls = calls.slice(mark).map((c) => `${c.target}:${c.challengeName ?? c.authFlow ?? ""}`);
    await step("session2", async () => tokensOut(await fetchAuthSession()));
    steps.deviceKey2 = stored(".deviceKey");
    await step("forgetDevice", () => forgetDevice());
    steps.deviceKeyAfterForget = stored(".deviceKey");
    await step("fetchDevices2", () => fetchDevices());
    await step("signOut2", () => signOut());
  },

  async forceRefresh() {
    await step("signIn", () => signIn({ username: req.username, password: req.password }));
    const before = tokensOut(await fetchAuthSession());
    steps.before = before;
    await step("refreshed", async () => tokensOut(await fetchAuthSession({ forceRefresh: true })));
  },

  // A client with RefreshTokenRotation: each refresh answers a new refresh token, which Amplify keeps.
  async rotation() {
    await step("signIn", () => signIn({ username: req.username, password: req.password }));
    steps.refreshTokens = [stored(".refreshToken")];
    for (const name of ["refresh1", "refresh2"]) {
      await step(name, async () => tokensOut(await fetchAuthSession({ forceRefresh: true })));
      steps.refreshTokens.push(stored(".refreshToken"));
    }
    await step("getCurrentUser", () => getCurrentUser());
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
