// The self-service user flow through the official AWS SDK for JavaScript v3, against a Latchkey endpoint.
// Codes come from the pytest side's SMTP sink through a small HTTP endpoint: GET $CODES_URL/code?to=<address>
// answers the next code mailed to that address (waiting for it).
//
// env: ENDPOINT, REGION, CLIENT_ID, USERNAME, EMAIL, PASSWORD, PASSWORD2, PASSWORD3, CODES_URL
// stdout: one JSON object {ok: true, steps: {...}, tokens: {...}} or {ok: false, step, error, message}.
import {
  CognitoIdentityProviderClient,
  SignUpCommand,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  GetUserCommand,
  ForgotPasswordCommand,
  ConfirmForgotPasswordCommand,
  ChangePasswordCommand,
  GlobalSignOutCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { codeFetcher, Steps } from "./steps.mjs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`missing env ${name}`);
  return v;
};
const ENDPOINT = env("ENDPOINT");
const CLIENT_ID = env("CLIENT_ID");
const USERNAME = env("USERNAME");
const EMAIL = env("EMAIL");
const [PW1, PW2, PW3] = [env("PASSWORD"), env("PASSWORD2"), env("PASSWORD3")];
const CODES_URL = env("CODES_URL");

// No credentials: every operation used here is unsigned (smithy.api#noAuth), as in a browser app.
const client = new CognitoIdentityProviderClient({ region: process.env.REGION ?? "us-east-1", endpoint: ENDPOINT, maxAttempts: 1 });

const nextCode = codeFetcher(CODES_URL);
const record = new Steps();
const steps = record.results;
const step = (name, fn) => record.run(name, fn);

/** Runs `fn`, which must fail; returns {name, message, status} of the SDK's error. */
async function failure(fn) {
  try {
    await fn();
  } catch (e) {
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, fault: e.$fault };
  }
  throw new Error("expected an error, the call succeeded");
}

const signIn = (password) =>
  client.send(new InitiateAuthCommand({
    ClientId: CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME, PASSWORD: password },
  }));

try {
  const signUp = await step("signUp", async () => {
    const r = await client.send(new SignUpCommand({
      ClientId: CLIENT_ID, Username: USERNAME, Password: PW1,
      UserAttributes: [{ Name: "email", Value: EMAIL }, { Name: "given_name", Value: "Node" }],
    }));
    return { UserConfirmed: r.UserConfirmed, UserSub: r.UserSub, CodeDeliveryDetails: r.CodeDeliveryDetails };
  });
  const code = await nextCode(EMAIL);
  await step("signInUnconfirmed", () => failure(() => signIn(PW1)));
  await step("confirmWrongCode", () => failure(() =>
    client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: USERNAME, ConfirmationCode: code === "000000" ? "111111" : "000000" }))));
  await step("confirmSignUp", async () => {
    const r = await client.send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: USERNAME, ConfirmationCode: code }));
    return { status: r.$metadata.httpStatusCode };
  });
  const auth = await step("initiateAuth", async () => {
    const r = await signIn(PW1);
    return r.AuthenticationResult;
  });
  await step("getUser", async () => {
    const r = await client.send(new GetUserCommand({ AccessToken: auth.AccessToken }));
    return { Username: r.Username, UserAttributes: Object.fromEntries(r.UserAttributes.map((a) => [a.Name, a.Value])) };
  });
  await step("refresh", async () => {
    const r = await client.send(new InitiateAuthCommand({
      ClientId: CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: auth.RefreshToken },
    }));
    const u = await client.send(new GetUserCommand({ AccessToken: r.AuthenticationResult.AccessToken }));
    return { ...r.AuthenticationResult, hasRefreshToken: "RefreshToken" in r.AuthenticationResult && !!r.AuthenticationResult.RefreshToken, username: u.Username };
  });
  await step("forgotPassword", async () => {
    const r = await client.send(new ForgotPasswordCommand({ ClientId: CLIENT_ID, Username: USERNAME }));
    const c = await nextCode(EMAIL);
    await client.send(new ConfirmForgotPasswordCommand({ ClientId: CLIENT_ID, Username: USERNAME, ConfirmationCode: c, Password: PW2 }));
    const oldPassword = await failure(() => signIn(PW1));
    const reused = await failure(() => client.send(new ConfirmForgotPasswordCommand({ ClientId: CLIENT_ID, Username: USERNAME, ConfirmationCode: c, Password: PW3 })));
    return { CodeDeliveryDetails: r.CodeDeliveryDetails, oldPassword, reused };
  });
  const auth2 = await step("signInNewPassword", async () => (await signIn(PW2)).AuthenticationResult);
  await step("changePassword", async () => {
    const wrong = await failure(() => client.send(new ChangePasswordCommand({ AccessToken: auth2.AccessToken, PreviousPassword: PW1, ProposedPassword: PW3 })));
    await client.send(new ChangePasswordCommand({ AccessToken: auth2.AccessToken, PreviousPassword: PW2, ProposedPassword: PW3 }));
    return { wrongPrevious: wrong };
  });
  const auth3 = await step("signInChangedPassword", async () => (await signIn(PW3)).AuthenticationResult);
  await step("globalSignOut", async () => {
    await client.send(new GlobalSignOutCommand({ AccessToken: auth3.AccessToken }));
    const getUser = await failure(() => client.send(new GetUserCommand({ AccessToken: auth3.AccessToken })));
    const refresh = await failure(() => client.send(new InitiateAuthCommand({
      ClientId: CLIENT_ID, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: auth3.RefreshToken },
    })));
    return { getUser, refresh };
  });
  await step("unknownUser", () => failure(() =>
    client.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "nobody-" + USERNAME, PASSWORD: PW1 } }))));
  void signUp;
  console.log(JSON.stringify({ ok: true, steps }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, step: record.current, error: e.name, message: e.message, steps }));
  process.exitCode = 1;
}
