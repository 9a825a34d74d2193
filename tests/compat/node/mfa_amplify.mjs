// Amplify JS v6 (`aws-amplify/auth`), unmodified, through multi-factor sign-in against a Latchkey endpoint
// (Auth.Cognito.userPoolEndpoint). One scenario per process: tokens live in an in-memory KeyValueStorage and the
// sign-in state in Amplify's own store, so a scenario's steps must share the process. TOTP codes are computed here
// (./totp.mjs) from the shared secret, each from a time step never used before (so a code is never replayed);
// emailed codes come from the pytest side's SMTP sink: GET $codesUrl/code?to=<address> (./steps.mjs).
//
// usage: node mfa_amplify.mjs <scenario>        with the request as JSON on stdin
// request: {endpoint, poolId, clientId, username, password, email?, secret?, lastStep?, authFlowType?, codesUrl?,
//           choose?, again?}
//   secret/lastStep: a TOTP factor the pytest side enrolled, and the last time step it used a code of.
//   authFlowType: signIn's options.authFlowType (default: Amplify's own, USER_SRP_AUTH).
// scenarios:
//   selftest                 the TOTP helper against RFC 6238, and the codes of {secret, times} for pyotp to check
//   totp-setup-with-tokens   signIn → setUpTOTP → verifyTOTPSetup → updateMFAPreference → fetchMFAPreference →
//                            signOut → signIn (CONFIRM_SIGN_IN_WITH_TOTP_CODE) → confirmSignIn(code) → DONE
//   totp-setup-at-sign-in    signIn (CONTINUE_SIGN_IN_WITH_TOTP_SETUP) → confirmSignIn(code) → DONE
//                            (again: true → signOut, signIn → CONFIRM_SIGN_IN_WITH_TOTP_CODE → confirmSignIn → DONE)
//   email-otp                signIn (CONFIRM_SIGN_IN_WITH_EMAIL_CODE) → confirmSignIn(mailed code) → DONE
//   select-mfa               signIn (CONTINUE_SIGN_IN_WITH_MFA_SELECTION) → confirmSignIn(choose: TOTP|EMAIL) →
//                            CONFIRM_SIGN_IN_WITH_TOTP_CODE|EMAIL_CODE → confirmSignIn(code) → DONE
//   wrong-code               signIn (CONFIRM_SIGN_IN_WITH_TOTP_CODE) → confirmSignIn(wrong) → its error; then the
//                            right code in the same sign-in (what an app does when the user retypes), recorded
//   passwordless-email       signIn USER_AUTH, preferredChallenge EMAIL_OTP, no password
//                            (CONFIRM_SIGN_IN_WITH_EMAIL_CODE) → confirmSignIn(mailed code) → DONE
//   choose-first-factor      signIn USER_AUTH without a preference (CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION) →
//                            confirmSignIn(choose: PASSWORD|PASSWORD_SRP|EMAIL_OTP) → its step → DONE
//   sign-up-auto-sign-in     signUp(autoSignIn USER_AUTH) → confirmSignUp(mailed code) → autoSignIn() → DONE
// stdout: one JSON line {ok, scenario, steps: {...}, calls: [...], lastStep, codes: [{step, code}], step?, error?,
//         message?}
import fs from "node:fs";
import { Amplify } from "aws-amplify";
import {
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  fetchMFAPreference,
  getCurrentUser,
  setUpTOTP,
  signIn,
  signOut,
  signUp,
  updateMFAPreference,
  verifyTOTPSetup,
} from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import { codeFetcher, keysOf, recordFetch, Steps } from "./steps.mjs";
import { FreshCodes, selfTest, totpAt } from "./totp.mjs";

const scenario = process.argv[2];
const stdin = fs.readFileSync(0, "utf8").trim();
const req = stdin ? JSON.parse(stdin) : {};

// Amplify names a new device from navigator.userAgent before ConfirmDevice; Node 20 has no navigator.
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "Mozilla/5.0 (latchkey-compat; Node) Amplify/6" };
}

// ---- what Amplify sends and gets back (it calls the global fetch at request time)
const calls = [];
const presence = (v) => (v === undefined || v === null ? "absent" : "present");
const realFetch = recordFetch(calls, (target, body, out, res) => ({
    target,
    authFlow: body.AuthFlow,
    challengeName: body.ChallengeName,
    requestKeys: keysOf(body),
    authParameters: keysOf(body.AuthParameters),
    challengeResponses: keysOf(body.ChallengeResponses),
    answer: body.ChallengeResponses?.ANSWER,
    challengeUsername: body.ChallengeResponses?.USERNAME,
    session: presence(body.Session),
    accessToken: presence(body.AccessToken),
    friendlyDeviceName: body.FriendlyDeviceName,
    mfaSettings: target === "SetUserMFAPreference"
      ? { sms: body.SMSMfaSettings, totp: body.SoftwareTokenMfaSettings, email: body.EmailMfaSettings }
      : undefined,
    status: res.status,
    errorType: out.__type,
    errorMessage: out.message,
    responseChallenge: out.ChallengeName,
    responseChallengeParameters: out.ChallengeParameters,
    responseSession: presence(out.Session),
    responseKeys: keysOf(out),
    responseStatus: out.Status,
    secretCode: presence(out.SecretCode),
    tokens: presence(out.AuthenticationResult?.AccessToken),
}));

if (scenario !== "selftest") {
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
}

const codes = new FreshCodes(req.lastStep ?? -1);
const nextMailedCode = req.codesUrl ? codeFetcher(req.codesUrl, realFetch) : null;
const record = new Steps();
const steps = record.results;
const step = (name, fn) => record.run(name, fn);

const signInInput = () => ({
  username: req.username,
  password: req.password,
  ...(req.authFlowType ? { options: { authFlowType: req.authFlowType } } : {}),
});
// A sign-in result as JSON: getSetupUri (a function) becomes the URI it makes.
const plain = (r) => {
  if (!r || typeof r !== "object") return r;
  const details = r.nextStep?.totpSetupDetails;
  if (!details) return r;
  return {
    ...r,
    nextStep: {
      ...r.nextStep,
      totpSetupDetails: { sharedSecret: details.sharedSecret, setupUri: details.getSetupUri("Latchkey").toString() },
    },
  };
};
const tokensOut = (s) => ({
  hasTokens: !!s.tokens,
  idToken: s.tokens?.idToken?.toString(),
  accessToken: s.tokens?.accessToken?.toString(),
  accessClaims: s.tokens?.accessToken?.payload,
  userSub: s.userSub,
});
async function outcome(fn) {
  try {
    return { ok: true, value: plain(await fn()) ?? null };
  } catch (e) {
    return { ok: false, name: e.name, message: e.message };
  }
}
function expectStep(result, signInStep) {
  const got = result?.nextStep?.signInStep;
  if (got !== signInStep) {
    throw new Error(`expected nextStep ${signInStep}, got ${JSON.stringify(plain(result))}`);
  }
  return result;
}
const mailedCode = async () => {
  if (!nextMailedCode) throw new Error("request has no codesUrl for emailed codes");
  if (!req.email) throw new Error("request has no email");
  return nextMailedCode(req.email);
};

const scenarios = {
  async selftest() {
    steps.rfc6238 = selfTest();
    if (req.secret) steps.codes = (req.times ?? []).map((t) => ({ t, code: totpAt(req.secret, t) }));
  },

  async "totp-setup-with-tokens"() {
    expectStep(await step("signIn1", () => signIn(signInInput())), "DONE");
    const setup = await step("setUpTOTP", async () => {
      const d = await setUpTOTP();
      return { sharedSecret: d.sharedSecret, setupUri: d.getSetupUri("Latchkey", req.username).toString() };
    });
    const code = await codes.next(setup.sharedSecret);
    await step("verifyTOTPSetup", () => verifyTOTPSetup({ code, options: { friendlyDeviceName: "amplify-node" } }));
    await step("updateMFAPreference", () => updateMFAPreference({ totp: "PREFERRED" }));
    await step("fetchMFAPreference", () => fetchMFAPreference());
    await step("signOut1", () => signOut());
    expectStep(await step("signIn2", () => signIn(signInInput())), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    // A code of a later window than the one verifyTOTPSetup used: never the same code twice.
    const code2 = await codes.next(setup.sharedSecret);
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code2 }));
    await step("session", async () => tokensOut(await fetchAuthSession()));
    await step("getCurrentUser", () => getCurrentUser());
    await step("signOut2", () => signOut());
  },

  async "totp-setup-at-sign-in"() {
    const r = expectStep(await step("signIn", async () => plain(await signIn(signInInput()))),
      "CONTINUE_SIGN_IN_WITH_TOTP_SETUP");
    const secret = r.nextStep.totpSetupDetails.sharedSecret;
    const code = await codes.next(secret);
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code }));
    await step("session", async () => tokensOut(await fetchAuthSession()));
    await step("fetchMFAPreference", () => fetchMFAPreference());
    if (req.again) {
      await step("signOut", () => signOut());
      expectStep(await step("signIn2", () => signIn(signInInput())), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
      const code2 = await codes.next(secret);
      await step("confirmSignIn2", () => confirmSignIn({ challengeResponse: code2 }));
      await step("session2", async () => tokensOut(await fetchAuthSession()));
    }
  },

  async "email-otp"() {
    expectStep(await step("signIn", () => signIn(signInInput())), "CONFIRM_SIGN_IN_WITH_EMAIL_CODE");
    const code = await mailedCode();
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code }));
    await step("session", async () => tokensOut(await fetchAuthSession()));
    await step("fetchMFAPreference", () => fetchMFAPreference());
  },

  async "select-mfa"() {
    const choose = req.choose ?? "TOTP";
    expectStep(await step("signIn", () => signIn(signInInput())), "CONTINUE_SIGN_IN_WITH_MFA_SELECTION");
    const want = choose === "TOTP" ? "CONFIRM_SIGN_IN_WITH_TOTP_CODE" : "CONFIRM_SIGN_IN_WITH_EMAIL_CODE";
    expectStep(await step("select", () => confirmSignIn({ challengeResponse: choose })), want);
    const code = choose === "TOTP" ? await codes.next(req.secret) : await mailedCode();
    await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code }));
    await step("session", async () => tokensOut(await fetchAuthSession()));
  },

  async "passwordless-email"() {
    const r = await step("signIn", () => signIn({
      username: req.username, options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" },
    }));
    expectStep(r, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE");
    const code = await mailedCode();
    expectStep(await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code })), "DONE");
    await step("session", async () => tokensOut(await fetchAuthSession()));
    await step("getCurrentUser", () => getCurrentUser());
  },

  async "choose-first-factor"() {
    const choose = req.choose ?? "PASSWORD";
    const r = await step("signIn", () => signIn({ username: req.username, options: { authFlowType: "USER_AUTH" } }));
    expectStep(r, "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION");
    const next = await step("select", () => confirmSignIn({ challengeResponse: choose }));
    if (choose === "EMAIL_OTP") {
      expectStep(next, "CONFIRM_SIGN_IN_WITH_EMAIL_CODE");
      const code = await mailedCode();
      expectStep(await step("confirmSignIn", () => confirmSignIn({ challengeResponse: code })), "DONE");
    } else {
      expectStep(next, "CONFIRM_SIGN_IN_WITH_PASSWORD");
      expectStep(await step("confirmSignIn", () => confirmSignIn({ challengeResponse: req.password })), "DONE");
    }
    await step("session", async () => tokensOut(await fetchAuthSession()));
  },

  async "sign-up-auto-sign-in"() {
    await step("signUp", () => signUp({
      username: req.username, password: req.password,
      options: { userAttributes: { email: req.email }, autoSignIn: { authFlowType: "USER_AUTH" } },
    }));
    const code = await mailedCode();
    await step("confirmSignUp", () => confirmSignUp({ username: req.username, confirmationCode: code }));
    expectStep(await step("autoSignIn", () => autoSignIn()), "DONE");
    await step("session", async () => tokensOut(await fetchAuthSession()));
  },

  async "wrong-code"() {
    expectStep(await step("signIn", () => signIn(signInInput())), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    steps.wrongCode = codes.wrong(req.secret);
    await step("wrong", () => outcome(() => confirmSignIn({ challengeResponse: steps.wrongCode })));
    const code = await codes.next(req.secret);
    await step("retry", () => outcome(() => confirmSignIn({ challengeResponse: code })));
    if (steps.retry.ok) await step("session", async () => tokensOut(await fetchAuthSession()));
  },
};

// Amplify may leave timers behind (autoSignIn's listener lives three minutes): the result is written, then the
// process ends, without waiting for them (a write to a pipe is asynchronous; exit only once it is flushed).
const finish = (result, code) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(code));
try {
  if (!scenarios[scenario]) throw new Error(`unknown scenario ${JSON.stringify(scenario)}`);
  await scenarios[scenario]();
  finish({ ok: true, scenario, steps, calls, lastStep: codes.lastStep, codes: codes.used }, 0);
} catch (e) {
  finish({
    ok: false, scenario, step: record.current, error: e.name, message: e.message, steps, calls,
    lastStep: codes.lastStep, codes: codes.used,
  }, 1);
}
