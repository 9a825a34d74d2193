// Amplify JS v6 (`aws-amplify/auth`), unmodified, against a Latchkey pool whose Lambda triggers run in the test's
// Lambda-Invoke runtime: what an app sees of PreSignUp, PreTokenGeneration and UserMigration.
//
// usage: node triggers_amplify.mjs <scenario>        with the request as JSON on stdin
// request: {endpoint, poolId, clientId, username, password, email?, authFlowType?}
// scenarios:
//   sign-up-then-sign-in   signUp (a PreSignUp trigger may confirm it: isSignUpComplete) → signIn → the access
//                          token's payload (PreTokenGeneration's claims and scopes)
//   sign-up                signUp alone: its result, or its error's name and message
//   sign-in                signIn (authFlowType as given) → DONE → the ID token's payload
// stdout: one JSON line {ok, scenario, steps: {...}, calls: [...], step?, error?, message?}
import fs from "node:fs";
import { Amplify } from "aws-amplify";
import { fetchAuthSession, signIn, signUp } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import { recordFetch, Steps } from "./steps.mjs";

const scenario = process.argv[2];
const req = JSON.parse(fs.readFileSync(0, "utf8"));
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "Mozilla/5.0 (latchkey-compat; Node) Amplify/6" };
}

const calls = [];
recordFetch(calls, (target, body, out, res) => ({ target, status: res.status, errorType: out.__type }));
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: req.poolId,
      userPoolClientId: req.clientId,
      userPoolEndpoint: String(req.endpoint).replace(/\/?$/, "/"),
    },
  },
});
const store = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  async setItem(k, v) { store.set(k, v); },
  async getItem(k) { return store.has(k) ? store.get(k) : null; },
  async removeItem(k) { store.delete(k); },
  async clear() { store.clear(); },
});

const record = new Steps();
const step = (name, fn) => record.run(name, fn);
const doSignUp = () => signUp({
  username: req.username,
  password: req.password,
  options: { userAttributes: req.email ? { email: req.email } : {} },
});
const doSignIn = () => signIn({
  username: req.username,
  password: req.password,
  ...(req.authFlowType ? { options: { authFlowType: req.authFlowType } } : {}),
});
const payloads = async () => {
  const { tokens } = await fetchAuthSession();
  return { access: tokens?.accessToken?.payload, id: tokens?.idToken?.payload };
};

try {
  if (scenario === "sign-up-then-sign-in") {
    await step("signUp", doSignUp);
    await step("signIn", doSignIn);
    await step("tokens", payloads);
  } else if (scenario === "sign-up") {
    await step("signUp", doSignUp);
  } else if (scenario === "sign-in") {
    await step("signIn", doSignIn);
    await step("tokens", payloads);
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  console.log(JSON.stringify({ ok: true, scenario, steps: record.results, calls }));
} catch (e) {
  console.log(JSON.stringify({
    ok: false, scenario, steps: record.results, calls, step: record.current, error: e?.name, message: e?.message,
  }));
}
