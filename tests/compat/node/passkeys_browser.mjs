// Passkey registration in a real browser: playwright-core driving Debian's Chromium with a CDP virtual
// authenticator (CTAP2, internal transport, user verification). A page on http://localhost:<port> (a secure
// context, served by a plain listener here) calls Latchkey's Cognito API with fetch, as Amplify does from a web
// app: StartWebAuthnRegistration, navigator.credentials.create with the options it answered,
// CompleteWebAuthnRegistration with the RegistrationResponseJSON, then ListWebAuthnCredentials and
// DeleteWebAuthnCredential.
//
// With cfg.amplify the page runs Amplify v6 instead (bundled for the browser with esbuild at run time, unmodified):
// signIn with the password, associateWebAuthnCredential, listWebAuthnCredentials, signOut, then signIn with
// USER_AUTH and WEB_AUTHN — what a web app using Amplify's passkey support does.
//
// Usage: node passkeys_browser.mjs <cfg.json>, where cfg = {chromium, endpoint, accessToken, pagePort} (amplify:
// {chromium, endpoint, pagePort, amplify: {poolId, clientId, username, password}}). Prints one JSON line
// {ok, step, steps, error?, message?} and exits 0 on success.

import { chromium } from "playwright-core";
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const [cfgPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const out = { ok: false, step: "start", steps: {} };

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"];

function fail(message) { throw Object.assign(new Error(message), { name: "AssertionError" }); }
function check(cond, message) { if (!cond) fail(message); }

// What runs in the page: the browser half of a passkey registration, with nothing but fetch and WebAuthn.
const PAGE_SCRIPT = `
const b64url = {
  decode(s) {
    const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(b, (c) => c.charCodeAt(0));
  },
  encode(buf) {
    const s = btoa(String.fromCharCode(...new Uint8Array(buf)));
    return s.replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  },
};

async function cognito(endpoint, op, body) {
  const r = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "AWSCognitoIdentityProviderService." + op },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  return { status: r.status, json };
}

// PublicKeyCredentialCreationOptionsJSON -> the binary form navigator.credentials.create takes.
function creationOptions(o) {
  return {
    ...o,
    challenge: b64url.decode(o.challenge),
    user: { ...o.user, id: b64url.decode(o.user.id) },
    excludeCredentials: (o.excludeCredentials ?? []).map((c) => ({ ...c, id: b64url.decode(c.id) })),
  };
}

// The PublicKeyCredential -> RegistrationResponseJSON (what PublicKeyCredential.toJSON() gives).
function registrationJSON(cred) {
  return {
    id: cred.id,
    rawId: b64url.encode(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: {
      clientDataJSON: b64url.encode(cred.response.clientDataJSON),
      attestationObject: b64url.encode(cred.response.attestationObject),
      transports: cred.response.getTransports ? cred.response.getTransports() : [],
    },
  };
}

window.registerPasskey = async (endpoint, accessToken) => {
  const start = await cognito(endpoint, "StartWebAuthnRegistration", { AccessToken: accessToken });
  if (start.status !== 200) return { stage: "start", ...start };
  const options = start.json.CredentialCreationOptions;
  let cred;
  try {
    cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
  } catch (e) {
    return { stage: "create", options, error: e.name, message: String(e.message) };
  }
  const credential = registrationJSON(cred);
  const complete = await cognito(endpoint, "CompleteWebAuthnRegistration",
                                 { AccessToken: accessToken, Credential: credential });
  return { stage: "complete", options, credentialId: credential.id, ...complete };
};

// PublicKeyCredentialRequestOptionsJSON -> the binary form navigator.credentials.get takes.
function requestOptions(o) {
  return {
    ...o,
    challenge: b64url.decode(o.challenge),
    allowCredentials: (o.allowCredentials ?? []).map((c) => ({ ...c, id: b64url.decode(c.id) })),
  };
}

// The assertion -> AuthenticationResponseJSON.
function authenticationJSON(cred) {
  const r = cred.response;
  return {
    id: cred.id,
    rawId: b64url.encode(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: {
      clientDataJSON: b64url.encode(r.clientDataJSON),
      authenticatorData: b64url.encode(r.authenticatorData),
      signature: b64url.encode(r.signature),
      userHandle: r.userHandle ? b64url.encode(r.userHandle) : undefined,
    },
  };
}

// USER_AUTH with a passkey, as Amplify's signIn({authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN'}) does:
// InitiateAuth → WEB_AUTHN (CREDENTIAL_REQUEST_OPTIONS, a JSON string) → navigator.credentials.get →
// RespondToAuthChallenge with CREDENTIAL (the AuthenticationResponseJSON as a string). Also answers the same
// Session a second time, which must be refused.
window.signInWithPasskey = async (endpoint, clientId, username) => {
  const init = await cognito(endpoint, "InitiateAuth", { ClientId: clientId, AuthFlow: "USER_AUTH",
    AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: "WEB_AUTHN" } });
  if (init.status !== 200 || init.json.ChallengeName !== "WEB_AUTHN") return { stage: "initiate", ...init };
  const options = JSON.parse(init.json.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
  let cred;
  try {
    cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
  } catch (e) {
    return { stage: "get", options, error: e.name, message: String(e.message) };
  }
  const answer = { ClientId: clientId, ChallengeName: "WEB_AUTHN", Session: init.json.Session,
    ChallengeResponses: { USERNAME: username, CREDENTIAL: JSON.stringify(authenticationJSON(cred)) } };
  const done = await cognito(endpoint, "RespondToAuthChallenge", answer);
  const replay = await cognito(endpoint, "RespondToAuthChallenge", answer);
  return { stage: "respond", options, sessionLength: init.json.Session.length, ...done, replay };
};

window.cognito = cognito;
`;

// Amplify v6 as a web app ships it: its ESM build bundled for the browser, exposing what the page calls.
const AMPLIFY_ENTRY = `
import { Amplify } from "aws-amplify";
import { associateWebAuthnCredential, fetchAuthSession, listWebAuthnCredentials, signIn, signOut }
  from "aws-amplify/auth";
window.amplify = { Amplify, associateWebAuthnCredential, fetchAuthSession, listWebAuthnCredentials, signIn, signOut };
`;
const amplifyBundle = cfg.amplify ? (await build({
  stdin: { contents: AMPLIFY_ENTRY, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: "js" },
  bundle: true, format: "iife", platform: "browser", write: false, logLevel: "error",
})).outputFiles[0].text : "";

// The web app's passkey steps with Amplify, each recorded with its outcome.
const AMPLIFY_FLOW = `
window.amplifyPasskeys = async (endpoint, a) => {
  const { Amplify, associateWebAuthnCredential, fetchAuthSession, listWebAuthnCredentials, signIn, signOut } =
    window.amplify;
  Amplify.configure({ Auth: { Cognito: { userPoolId: a.poolId, userPoolClientId: a.clientId,
    userPoolEndpoint: endpoint.replace(/\\/?$/, "/") } } });
  const steps = {};
  const step = async (name, fn) => {
    try { steps[name] = { ok: true, value: (await fn()) ?? null }; }
    catch (e) { steps[name] = { ok: false, name: e.name, message: String(e.message) }; throw e; }
    return steps[name].value;
  };
  try {
    await step("signIn", () => signIn({ username: a.username, password: a.password,
      options: { authFlowType: "USER_PASSWORD_AUTH" } }));
    await step("associate", () => associateWebAuthnCredential());
    await step("list", () => listWebAuthnCredentials());
    await step("signOut", () => signOut());
    await step("passkeySignIn", () => signIn({ username: a.username,
      options: { authFlowType: "USER_AUTH", preferredChallenge: "WEB_AUTHN" } }));
    await step("session", async () => ({ accessToken: (await fetchAuthSession()).tokens?.accessToken?.toString() }));
  } catch (e) { /* recorded in steps */ }
  return steps;
};
`;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>passkeys</title>
<script>${PAGE_SCRIPT}</script>${cfg.amplify ? `<script src="/amplify.js"></script><script>${AMPLIFY_FLOW}</script>` : ""}
</head><body>passkeys</body></html>`;

const site = http.createServer((req, res) => {
  if (req.url === "/amplify.js") {
    res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
    res.end(amplifyBundle);
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(PAGE);
});
await new Promise((resolve, reject) => {
  site.once("error", reject);
  site.listen(cfg.pagePort, "127.0.0.1", resolve);
});

// The registration, management and sign-in steps, through the Cognito API from the page with fetch.
async function registrationFlow(page, cdp, authenticatorId) {
  out.step = "register a passkey";
  const first = await page.evaluate(([e, t]) => window.registerPasskey(e, t), [cfg.endpoint, cfg.accessToken]);
  out.steps.register = first;
  check(first.stage === "complete" && first.status === 200, `registration failed: ${JSON.stringify(first)}`);
  const o = first.options;
  check(o.challenge && o.user && o.rp && o.pubKeyCredParams, `options lack members: ${JSON.stringify(o)}`);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  out.steps.authenticatorCredentials = credentials.length;
  check(credentials.length === 1, `the authenticator holds ${credentials.length} credentials`);
  check(credentials[0].rpId === cfg.rpId, `credential for rpId ${credentials[0].rpId}`);

  out.step = "list";
  const list = await page.evaluate(([e, t]) => window.cognito(e, "ListWebAuthnCredentials", { AccessToken: t }),
    [cfg.endpoint, cfg.accessToken]);
  out.steps.list = list;
  check(list.status === 200 && list.json.Credentials.length === 1, `list: ${JSON.stringify(list)}`);
  check(list.json.Credentials[0].CredentialId === first.credentialId, "the listed id is not the registered one");

  if (cfg.clientId) {
    out.step = "sign in with the passkey";
    const signIn = await page.evaluate(([e, c, u]) => window.signInWithPasskey(e, c, u),
      [cfg.endpoint, cfg.clientId, cfg.username]);
    out.steps.signIn = { ...signIn, json: signIn.json && { ...signIn.json,
      AuthenticationResult: signIn.json.AuthenticationResult && Object.keys(signIn.json.AuthenticationResult) } };
    out.steps.accessToken = signIn.json?.AuthenticationResult?.AccessToken;
    check(signIn.stage === "respond" && signIn.status === 200 && signIn.json.AuthenticationResult,
          `passkey sign-in failed: ${JSON.stringify(signIn)}`);
  }

  out.step = "register the same authenticator again";
  const again = await page.evaluate(([e, t]) => window.registerPasskey(e, t), [cfg.endpoint, cfg.accessToken]);
  out.steps.again = { stage: again.stage, error: again.error, exclude: again.options?.excludeCredentials };
  check(again.stage === "create" && again.error === "InvalidStateError",
        `a second registration on the same authenticator was not excluded: ${JSON.stringify(again)}`);

  out.step = "delete";
  const del = await page.evaluate(([e, t, id]) => window.cognito(e, "DeleteWebAuthnCredential",
    { AccessToken: t, CredentialId: id }), [cfg.endpoint, cfg.accessToken, first.credentialId]);
  out.steps.delete = del;
  check(del.status === 200, `delete: ${JSON.stringify(del)}`);
  const after = await page.evaluate(([e, t]) => window.cognito(e, "ListWebAuthnCredentials", { AccessToken: t }),
    [cfg.endpoint, cfg.accessToken]);
  out.steps.listAfterDelete = after.json;
  check(after.status === 200 && after.json.Credentials.length === 0, `list after delete: ${JSON.stringify(after)}`);
}

const browser = await chromium.launch({ executablePath: cfg.chromium ?? "/usr/bin/chromium", headless: true,
  args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
    protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
    isUserVerified: true, automaticPresenceSimulation: true } });
  out.step = "open the page";
  await page.goto(`http://localhost:${cfg.pagePort}/`);
  check(await page.evaluate(() => window.isSecureContext), "http://localhost is not a secure context");

  if (cfg.amplify) {
    out.step = "amplify";
    const steps = await page.evaluate(([e, a]) => window.amplifyPasskeys(e, a), [cfg.endpoint, cfg.amplify]);
    out.steps = steps;
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    out.steps.authenticatorCredentials = credentials.map((c) => ({ rpId: c.rpId, signCount: c.signCount }));
    check(steps.session?.ok && steps.session.value.accessToken, `Amplify's passkey flow failed: ${JSON.stringify(steps)}`);
  } else {
    await registrationFlow(page, cdp, authenticatorId);
  }
  out.step = "done";
  out.ok = true;
} catch (e) {
  out.error = e.name ?? "Error";
  out.message = String(e.message ?? e);
  out.stack = String(e.stack ?? "").split("\n").slice(0, 6).join("\n");
} finally {
  await browser.close();
  site.close();
}
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
