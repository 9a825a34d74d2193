// Custom authentication (CUSTOM_AUTH) driven by the JavaScript clients, unmodified, against a Latchkey endpoint whose
// pool runs the passwordless code-by-email functions in tests/compat/triggers. Codes come from the pytest side's SMTP
// sink (GET $codesUrl/code?to=<address>).
//
// usage: node custom_auth.mjs <scenario>   (the request as JSON on stdin)
// request: {endpoint, poolId, clientId, username, email, password?}
// scenarios:
//   cognitoCustom     amazon-cognito-identity-js: CognitoUser.initiateAuth with authenticationFlowType CUSTOM_AUTH,
//                     the customChallenge callback, a wrong then the right code with sendCustomChallengeAnswer
//   cognitoSrpCustom  amazon-cognito-identity-js: authenticateUser with CUSTOM_AUTH (SRP_A, PASSWORD_VERIFIER first)
//   amplifyCustom     Amplify v6 signIn with authFlowType CUSTOM_WITHOUT_SRP, confirmSignIn wrong then right
//   amplifySrpCustom  Amplify v6 signIn with CUSTOM_WITH_SRP: a wrong password, then the password and the code
// stdout: one JSON line {ok, steps: {...}, calls: [...every request sent...], step?, error?, message?}
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn } from "aws-amplify/auth";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import { codeFetcher, keysOf, recordFetch, Steps } from "./steps.mjs";

const scenario = process.argv[2];
const req = JSON.parse(await new Response(process.stdin).text());
const calls = [];
const realFetch = recordFetch(calls, (target, body, out, res) => ({
  target,
  authFlow: body.AuthFlow,
  challengeName: body.ChallengeName,
  authParameters: body.AuthParameters ? { ...body.AuthParameters, SRP_A: body.AuthParameters.SRP_A && "…" } : undefined,
  challengeResponses: keysOf(body.ChallengeResponses),
  session: typeof body.Session === "string" ? "present" : "absent",
  status: res.status,
  errorType: out.__type,
  errorMessage: out.message,
  responseChallenge: out.ChallengeName,
  responseChallengeParameters: out.ChallengeParameters,
  responseSession: typeof out.Session === "string" ? "present" : "absent",
}));
const nextCode = codeFetcher(req.codesUrl, realFetch);
const record = new Steps();
const step = (name, fn) => record.run(name, fn);
const endpoint = req.endpoint.replace(/\/?$/, "/");

// ---- amazon-cognito-identity-js: its callbacks as promises that say which callback was called
const memory = new Map();
const storage = {
  setItem: (k, v) => memory.set(k, String(v)),
  getItem: (k) => (memory.has(k) ? memory.get(k) : null),
  removeItem: (k) => memory.delete(k),
  clear: () => memory.clear(),
};
const pool = new CognitoUserPool({ UserPoolId: req.poolId, ClientId: req.clientId, endpoint, Storage: storage });
const outcome = (call) => new Promise((resolve) => call({
  onSuccess: (session) => resolve({ result: "onSuccess", idClaims: session.getIdToken().decodePayload() }),
  onFailure: (e) => resolve({ result: "onFailure", code: e.code, message: e.message }),
  customChallenge: (parameters) => resolve({ result: "customChallenge", parameters }),
}));
function cognitoUser() {
  const user = new CognitoUser({ Username: req.username, Pool: pool, Storage: storage });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  return user;
}

// ---- Amplify v6
Amplify.configure({
  Auth: { Cognito: { userPoolId: req.poolId, userPoolClientId: req.clientId, userPoolEndpoint: endpoint } },
});
async function failure(fn) {
  try { await fn(); } catch (e) { return { name: e.name, message: e.message }; }
  throw new Error("expected an error, the call succeeded");
}
const idClaims = async () => (await fetchAuthSession()).tokens?.idToken?.payload ?? null;

const scenarios = {
  async cognitoCustom() {
    const user = cognitoUser();
    await step("initiateAuth", () => outcome((cb) => user.initiateAuth(new AuthenticationDetails({ Username: req.username }), cb)));
    const code = await nextCode(req.email);
    await step("wrongAnswer", () => outcome((cb) => user.sendCustomChallengeAnswer(code === "000000" ? "111111" : "000000", cb)));
    await step("rightAnswer", () => outcome((cb) => user.sendCustomChallengeAnswer(code, cb)));
  },

  async cognitoSrpCustom() {
    const user = cognitoUser();
    const details = new AuthenticationDetails({ Username: req.username, Password: req.password });
    await step("authenticateUser", () => outcome((cb) => user.authenticateUser(details, cb)));
    const code = await nextCode(req.email);
    await step("answer", () => outcome((cb) => user.sendCustomChallengeAnswer(code, cb)));
  },

  async amplifyCustom() {
    await step("signIn", () => signIn({ username: req.username, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } }));
    const code = await nextCode(req.email);
    await step("wrongCode", () => confirmSignIn({ challengeResponse: code === "000000" ? "111111" : "000000" }));
    await step("rightCode", () => confirmSignIn({ challengeResponse: code }));
    await step("idClaims", idClaims);
  },

  async amplifySrpCustom() {
    const options = { authFlowType: "CUSTOM_WITH_SRP" };
    await step("wrongPassword", () => failure(() => signIn({ username: req.username, password: req.password + "x", options })));
    await step("signIn", () => signIn({ username: req.username, password: req.password, options }));
    const code = await nextCode(req.email);
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code }));
    await step("idClaims", idClaims);
  },
};

try {
  await scenarios[scenario]();
  console.log(JSON.stringify({ ok: true, steps: record.results, calls }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, step: record.current, error: e?.name, message: e?.message, steps: record.results, calls }));
}
process.exit(0);
