// The hosted UI in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium, never a
// downloaded build), with openid-client v6 as the relying party (discovery against our issuer, PKCE, state,
// nonce, ID-token validation, userinfo). A bare listener on the callback's port plays the application: it only
// answers "callback reached"; the callback URLs are read from the browser's requests.
//
//   node hosted_browser.mjs <scenario> <config.json>
//   scenarios: signup | forgot | wrong_password | new_password | customized
//              mfa_totp_setup | mfa_email | mfa_choose | mfa_setup_email   (the MFA page, POST /mfa)
//              passkey   (the sign-in page's passkey button, the passkey page and POST /passkey)
//
// Prints one JSON line: {ok, scenario, step, steps: {...}} (and error/message on failure). The pytest side
// (test_hosted_ui_browser.py, test_hosted_ui_mfa.py) makes the pools and users, serves mailed codes at
// CODES_URL/code?to=<address>, and asserts on the steps. The MFA scenarios compute authenticator-app codes with
// ./totp.mjs from the secret the page shows (or cfg.totpSecret), never from a time step at or before cfg.lastStep.
import { chromium } from "playwright-core";
import * as client from "openid-client";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import { FreshCodes } from "./totp.mjs";

const [scenario, cfgPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
const out = { ok: false, scenario, step: "start", steps: {} };
const base = cfg.endpoint;

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"];

function fail(message) { throw Object.assign(new Error(message), { name: "AssertionError" }); }
function check(cond, message) { if (!cond) fail(message); }

async function discover() {
  const auth = cfg.clientSecret
    ? (cfg.clientAuth === "post" ? client.ClientSecretPost(cfg.clientSecret) : client.ClientSecretBasic(cfg.clientSecret))
    : client.None();
  return client.discovery(new URL(cfg.issuer), cfg.clientId, undefined, auth,
    { execute: [client.allowInsecureRequests] });
}

/** A fresh authorization request (PKCE S256, state, nonce) built by openid-client from discovery. */
async function authRequest(config, scope = cfg.scope ?? "openid email profile") {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState(), nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: cfg.redirectUri, scope,
    code_challenge: challenge, code_challenge_method: "S256", state, nonce });
  return { url, verifier, state, nonce };
}

async function redeem(config, req, callbackUrl) {
  const tokens = await client.authorizationCodeGrant(config, callbackUrl,
    { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  const header = JSON.parse(Buffer.from(tokens.id_token.split(".")[0], "base64url"));
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { tokens, header, claims, userinfo,
    accessClaims: JSON.parse(Buffer.from(tokens.access_token.split(".")[1], "base64url")) };
}

async function mailedCode(address) {
  const r = await fetch(`${cfg.codesUrl}/code?to=${encodeURIComponent(address)}`);
  const text = await r.text();
  check(r.ok, `no code mailed to ${address}: ${text}`);
  return text.trim();
}

const isCallback = (u) => String(u).startsWith(cfg.redirectUri);
const path = (page) => new URL(page.url()).pathname;

async function shot(page, name) {
  if (cfg.shotDir) await page.screenshot({ path: join(cfg.shotDir, `${scenario}-${name}.png`), fullPage: true });
}

async function sessionCookie(context) {
  const c = (await context.cookies(base)).find((c) => c.name === "cognito");
  return c ? { httpOnly: c.httpOnly, sameSite: c.sameSite, secondsLeft: Math.round(c.expires - Date.now() / 1000) }
    : null;
}

/** Clicks a submit button and waits until the page it leads to (re-rendered form, next page, callback) is loaded. */
async function press(page, name) {
  const navigated = page.waitForEvent("framenavigated", { predicate: (f) => f === page.mainFrame() });
  await page.getByRole("button", { name, exact: true }).click();
  await navigated;
  await page.waitForLoadState("load");
}

async function signInOnForm(page, username, password) {
  await page.getByLabel(cfg.usernameLabel ?? "Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await press(page, "Sign in");
}

/** Fails unless the browser is at the app's callback, saying what the page shows instead (read only then: reading a
 * page's heading on the callback's plain text would wait for the timeout). */
async function expectCallback(page, what, state = pageState) {
  if (!isCallback(page.url())) fail(`${what}, got ${page.url()}: ${JSON.stringify(await state(page).catch(() => null))}`);
}

async function pageState(page) {
  return {
    path: path(page),
    heading: (await page.locator("h1").first().textContent())?.trim(),
    error: (await page.locator('[role="alert"]').count()) ? (await page.locator('[role="alert"]').textContent()).trim() : null,
    notice: (await page.locator('[role="status"]').count()) ? (await page.locator('[role="status"]').textContent()).trim() : null,
  };
}

/** What an MFA page shows: its step (from the form's fields), the text above the form, the choices, the QR image
 * (whether it is a loaded data: image, and its SVG) and the secret, and any error. */
async function mfaState(page) {
  const st = await pageState(page);
  const form = page.locator('form[action^="/mfa"]');
  const has = async (sel) => (await form.locator(sel).count()) > 0;
  const radios = async (name) => form.locator(`input[type=radio][name="${name}"]`).evaluateAll((els) =>
    els.map((e) => ({ value: e.value, label: e.closest("label")?.textContent.trim(), checked: e.checked })));
  st.step = !(await form.count()) ? null
    : await has('input[name="setup_session"]') ? "setup-totp"
    : await has('input[name="answer"]') ? "choose"
    : await has('input[name="setup_choice"]') ? "setup-choose"
    : await has('input[name="email"]') ? "setup-email"
    : await has('input[name="code"]') ? "code" : "other";
  st.description = (await page.locator("main p.textDescription-customizable, main legend").allTextContents())
    .map((t) => t.trim());
  st.answers = await radios("answer");
  st.setupChoices = await radios("setup_choice");
  st.hidden = await form.locator("input[type=hidden]").evaluateAll((els) => els.map((e) => e.name));
  const img = page.locator("img.qr-code");
  st.qr = (await img.count()) ? await img.evaluate((el) => ({
    src: el.getAttribute("src"), alt: el.alt, loaded: el.complete && el.naturalWidth > 0,
    naturalWidth: el.naturalWidth, width: el.getBoundingClientRect().width,
  })) : null;
  st.secret = (await page.locator("#totp-secret").count())
    ? (await page.locator("#totp-secret").textContent()).replace(/\s+/g, "") : null;
  st.secretBox = (await page.locator("#totp-secret").count())
    ? await page.locator("#totp-secret").evaluate((el) => {
      const r = el.getBoundingClientRect(), m = document.querySelector("main").getBoundingClientRect();
      return { right: r.right, mainRight: m.right };
    }) : null;
  return st;
}

// ---- scenarios -------------------------------------------------------------------------------------------------

const scenarios = {
  /** Sign up on the hosted UI, confirm with the mailed code, land on the callback; sign out and sign in again. */
  async signup({ page, context, callbacks }) {
    const config = await discover();
    out.steps.discoveredIssuer = config.serverMetadata().issuer;
    const req = await authRequest(config);
    out.step = "authorize";
    await page.goto(req.url.href);
    out.steps.firstPage = await pageState(page);
    check(path(page) === "/login", `authorize should show /login, got ${page.url()}`);
    out.steps.loginFormShown = await page.getByLabel("Password", { exact: true }).isVisible();
    await shot(page, "1-login");

    out.step = "signup page";
    await page.getByRole("link", { name: "Sign up" }).click();
    await page.waitForURL((u) => u.pathname === "/signup");
    if (!cfg.emailIsUsername) await page.getByLabel("Username", { exact: true }).fill(cfg.username);
    await page.getByLabel("Email", { exact: true }).fill(cfg.email);
    for (const [name, value] of Object.entries(cfg.attrs ?? {})) await page.getByLabel(name, { exact: true }).fill(value);
    await page.getByLabel("Password", { exact: true }).fill(cfg.password);
    await shot(page, "2-signup");
    await press(page, "Sign up");
    out.steps.afterSignup = await pageState(page);
    check(path(page) === "/confirm", `sign-up did not go to /confirm: ${JSON.stringify(out.steps.afterSignup)}`);
    out.steps.confirmUsername = new URL(page.url()).searchParams.get("username");

    out.step = "confirm";
    out.steps.resendButton = await page.getByRole("button", { name: "Send a new code" }).isVisible();
    await page.getByLabel("Verification code").fill("000000");   // a wrong code first: the page says so
    await press(page, "Confirm account");
    out.steps.wrongCode = await pageState(page);
    const code = await mailedCode(cfg.email);
    await page.getByLabel("Verification code").fill(code);
    await shot(page, "3-confirm");
    await press(page, "Confirm account");
    await expectCallback(page, "a correct code should continue to the callback", pageState);
    check(callbacks.length === 1, `expected one callback, got ${callbacks.length}`);
    const cb1 = callbacks.at(-1);
    out.steps.callbackQuery = Object.fromEntries(cb1.searchParams);

    out.step = "token exchange";
    const r1 = await redeem(config, req, cb1);
    out.steps.idHeader = r1.header;
    out.steps.idClaims = r1.claims;
    out.steps.accessClaims = r1.accessClaims;
    out.steps.userinfo = r1.userinfo;
    out.steps.tokenKeys = Object.keys(r1.tokens).sort();
    out.steps.sessionCookie = await sessionCookie(context);

    out.step = "session reuse";
    const req2 = await authRequest(config);
    await page.goto(req2.url.href);
    out.steps.sessionSkippedForm = isCallback(page.url()) && callbacks.length === 2;
    check(out.steps.sessionSkippedForm, `a live session should skip the form, got ${page.url()}`);
    const r2 = await redeem(config, req2, callbacks.at(-1));
    out.steps.secondSub = r2.claims.sub;

    out.step = "logout";
    const logout = new URL(`${base}/logout`);
    logout.search = new URLSearchParams({ client_id: cfg.clientId, logout_uri: cfg.logoutUri }).toString();
    await page.goto(logout.href);
    out.steps.afterLogoutUrl = page.url();
    out.steps.sessionCookieAfterLogout = await sessionCookie(context);

    out.step = "sign in again";
    const req3 = await authRequest(config);
    await page.goto(req3.url.href);
    out.steps.formShownAgain = path(page) === "/login" && await page.getByLabel("Password", { exact: true }).isVisible();
    check(out.steps.formShownAgain, `after logout the form should be shown, got ${page.url()}`);
    await signInOnForm(page, cfg.username, cfg.password);
    check(isCallback(page.url()), `sign-in again did not reach the callback: ${page.url()}`);
    const r3 = await redeem(config, req3, callbacks.at(-1));
    out.steps.thirdSub = r3.claims.sub;
    out.steps.thirdAuthTime = r3.claims.auth_time;
    out.steps.firstAuthTime = r1.claims.auth_time;
    out.steps.callbackCount = callbacks.length;
  },

  /** Forgot password on the pages with the mailed code, then sign in with the new password. */
  async forgot({ page, callbacks }) {
    const config = await discover();
    const req = await authRequest(config);
    await page.goto(req.url.href);
    out.step = "forgot page";
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL((u) => u.pathname === "/forgotPassword");
    await page.getByLabel(cfg.usernameLabel ?? "Username", { exact: true }).fill(cfg.username);
    await press(page, "Reset my password");
    out.steps.confirmPage = await pageState(page);
    check(path(page) === "/confirmForgotPassword", `forgot password did not continue: ${JSON.stringify(out.steps.confirmPage)}`);

    out.step = "confirm forgot";
    const code = await mailedCode(cfg.email);
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByLabel("New password", { exact: true }).fill(cfg.newPassword);
    await shot(page, "1-reset");
    await press(page, "Change password");
    out.steps.afterReset = await pageState(page);
    check(path(page) === "/login", `reset did not return to /login: ${JSON.stringify(out.steps.afterReset)}`);
    await shot(page, "2-login-notice");

    out.step = "old password";
    await signInOnForm(page, cfg.username, cfg.password);
    out.steps.oldPassword = await pageState(page);

    out.step = "new password";
    await signInOnForm(page, cfg.username, cfg.newPassword);
    check(isCallback(page.url()), `the new password did not reach the callback: ${page.url()}`);
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
    out.steps.userinfo = r.userinfo;
  },

  /** A wrong password shows the error on the page and signs nobody in. */
  async wrong_password({ page, context, callbacks }) {
    const config = await discover();
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, "Not-the-Passw0rd!");
    out.steps.page = await pageState(page);
    out.steps.errorVisible = await page.locator("#error").isVisible();
    out.steps.describedBy = await page.getByLabel(cfg.usernameLabel ?? "Username", { exact: true }).getAttribute("aria-describedby");
    out.steps.usernameKept = await page.getByLabel(cfg.usernameLabel ?? "Username", { exact: true }).inputValue();
    out.steps.sessionCookie = await sessionCookie(context);
    out.steps.callbacks = callbacks.length;
    await shot(page, "1-error");
    // Then the right one works from the same page.
    await signInOnForm(page, cfg.username, cfg.password);
    check(isCallback(page.url()), `the right password did not reach the callback: ${page.url()}`);
    out.steps.claims = (await redeem(config, req, callbacks.at(-1))).claims;
  },

  /** An admin-created user signs in with the temporary password and must choose a new one. */
  async new_password({ page, callbacks }) {
    const config = await discover();
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, cfg.temporaryPassword);
    out.steps.newPasswordPage = await pageState(page);
    out.steps.attributeFields = await page.locator('input[name^="attr_"]').evaluateAll((els) => els.map((e) => e.name));
    out.steps.passwordAutocomplete = await page.getByLabel("New password", { exact: true }).getAttribute("autocomplete");
    await shot(page, "1-new-password");
    for (const [name, value] of Object.entries(cfg.attrs ?? {})) {
      if (out.steps.attributeFields.includes(`attr_${name}`)) await page.getByLabel(name, { exact: true }).fill(value);
    }
    // A password that breaks the policy first.
    await page.getByLabel("New password", { exact: true }).fill("short");
    await press(page, "Send");
    out.steps.weakPassword = await pageState(page);
    await page.getByLabel("New password", { exact: true }).fill(cfg.password);
    for (const [name, value] of Object.entries(cfg.attrs ?? {})) {
      const field = page.locator(`input[name="attr_${name}"]`);
      if (await field.count()) await field.fill(value);
    }
    await press(page, "Send");
    check(isCallback(page.url()), `the new password did not reach the callback: ${page.url()}`);
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
    out.steps.idHeader = r.header;
    out.steps.userinfo = r.userinfo;
  },

  /** The pool's CSS and logo are applied on the sign-in page. */
  async customized({ page }) {
    const config = await discover();
    const req = await authRequest(config);
    const blocked = [];
    page.on("console", (m) => { if (/Content Security Policy|Refused/i.test(m.text())) blocked.push(m.text()); });
    await page.goto(req.url.href);
    await page.waitForLoadState("networkidle");
    out.steps.path = path(page);
    const button = page.locator(".submitButton-customizable").first();
    out.steps.buttonBackground = await button.evaluate((el) => getComputedStyle(el).backgroundColor);
    const logo = page.locator("img.logo-customizable");
    out.steps.logoCount = await logo.count();
    out.steps.logoVisible = out.steps.logoCount ? await logo.first().isVisible() : false;
    out.steps.logoLoaded = out.steps.logoCount
      ? await logo.first().evaluate((img) => img.complete && img.naturalWidth > 0) : false;
    out.steps.stylesheets = await page.evaluate(() => [...document.styleSheets].map((s) => s.href));
    out.steps.cspBlocked = blocked;
    out.steps.screenshot = join(cfg.shotDir, "customized-login.png");
    await page.screenshot({ path: out.steps.screenshot, fullPage: true });
  },

  // ---- MFA (the page after the password: templates/mfa.html, POST /mfa) --------------------------------------

  /**
   * MFA is ON and only an authenticator app is offered: after the password the setup page shows the QR code and
   * the secret; a wrong code shows it again with the same secret, the app's code signs in. Then, in a browser with
   * no session, the next sign-in asks for the app's code: a wrong one shows the page again with the error, a
   * fresh one (a later 30-second window than the setup's: a code is accepted once) signs in.
   */
  async mfa_totp_setup({ page, context, callbacks }) {
    const config = await discover();
    const codes = new FreshCodes(cfg.lastStep ?? -1);
    const blocked = [];
    page.on("console", (m) => { if (/Content Security Policy|Refused/i.test(m.text())) blocked.push(m.text()); });
    out.steps.cspBlocked = blocked;
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, cfg.password);
    out.step = "setup page";
    out.steps.setupPage = await mfaState(page);
    check(out.steps.setupPage.step === "setup-totp" && out.steps.setupPage.qr, `expected the authenticator-app setup page: ${JSON.stringify(out.steps.setupPage)}`);
    out.steps.screenshot = join(cfg.shotDir, "mfa-setup-totp.png");
    await page.screenshot({ path: out.steps.screenshot, fullPage: true });
    const secret = out.steps.setupPage.secret;

    out.step = "setup wrong code";
    await page.getByLabel("Code", { exact: true }).fill(codes.wrong(secret));
    await press(page, "Verify and sign in");
    out.steps.setupWrongCode = await mfaState(page);

    out.step = "setup code";
    await page.getByLabel("Code", { exact: true }).fill(await codes.next(secret));
    await press(page, "Verify and sign in");
    await expectCallback(page, "the app's code should reach the callback", mfaState);
    const r1 = await redeem(config, req, callbacks.at(-1));
    out.steps.setupClaims = r1.claims;
    out.steps.setupAccessClaims = r1.accessClaims;
    out.steps.setupUserinfo = r1.userinfo;

    out.step = "sign in again";
    await context.clearCookies();
    const req2 = await authRequest(config);
    await page.goto(req2.url.href);
    await signInOnForm(page, cfg.username, cfg.password);
    out.steps.codePage = await mfaState(page);
    check(out.steps.codePage.step === "code", `expected the code page: ${JSON.stringify(out.steps.codePage)}`);
    await shot(page, "code");
    await page.getByLabel("Code", { exact: true }).fill(codes.wrong(secret));
    await press(page, "Sign in");
    out.steps.wrongCode = await mfaState(page);
    await shot(page, "wrong-code");
    out.steps.describedBy = await page.getByLabel("Code", { exact: true }).getAttribute("aria-describedby");
    out.step = "fresh code";
    await page.getByLabel("Code", { exact: true }).fill(await codes.next(secret));
    await press(page, "Sign in");
    await expectCallback(page, "a fresh code should reach the callback", mfaState);
    const r2 = await redeem(config, req2, callbacks.at(-1));
    out.steps.claims = r2.claims;
    out.steps.codesUsed = codes.used;
    out.steps.callbackCount = callbacks.length;
  },

  /** Email MFA preferred: the code page names the masked address, and the mailed code signs in. */
  async mfa_email({ page, callbacks }) {
    const config = await discover();
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, cfg.password);
    out.step = "code page";
    out.steps.codePage = await mfaState(page);
    await shot(page, "code");
    const code = await mailedCode(cfg.email);
    await page.getByLabel("Code", { exact: true }).fill(code);
    await press(page, "Sign in");
    await expectCallback(page, "the mailed code should reach the callback", mfaState);
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
  },

  /** Two factors, none preferred: the choice page, then the authenticator app's code. */
  async mfa_choose({ page, callbacks }) {
    const config = await discover();
    const codes = new FreshCodes(cfg.lastStep ?? -1);
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, cfg.password);
    out.step = "choice page";
    out.steps.choicePage = await mfaState(page);
    await shot(page, "choose");
    await page.getByLabel("Authenticator app", { exact: true }).check();
    await press(page, "Continue");
    out.step = "code page";
    out.steps.codePage = await mfaState(page);
    await page.getByLabel("Code", { exact: true }).fill(await codes.next(cfg.totpSecret));
    await press(page, "Sign in");
    await expectCallback(page, "the app's code should reach the callback", mfaState);
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
    out.steps.codesUsed = codes.used;
  },

  /** A passkey registered by API (StartWebAuthnRegistration, navigator.credentials.create with a CDP virtual
   * authenticator, CompleteWebAuthnRegistration) from a page on http://localhost:<pagePort>; then the hosted UI,
   * reached as http://localhost (so the RP ID `localhost` is the page's): the username typed, "Sign in with a
   * passkey", the passkey page's script asks the same authenticator, and the browser lands on the callback. */
  async passkey({ page, context, callbacks }) {
    const config = await discover();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true } });
    const site = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>app</title><script>${REGISTER_SCRIPT}</script>`
        + "</head><body>app</body></html>");
    });
    await new Promise((resolve, reject) => { site.once("error", reject); site.listen(cfg.pagePort, "127.0.0.1", resolve); });
    try {
      out.step = "register a passkey";
      await page.goto(`http://localhost:${cfg.pagePort}/`);
      const reg = await page.evaluate(([e, t]) => window.registerPasskey(e, t), [cfg.endpoint, cfg.accessToken]);
      out.steps.register = { stage: reg.stage, status: reg.status, error: reg.error, message: reg.message,
        json: reg.json };
      check(reg.stage === "complete" && reg.status === 200, `registration failed: ${JSON.stringify(reg)}`);
    } finally {
      site.close();
    }
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    out.steps.authenticatorRpIds = credentials.map((c) => c.rpId);

    const blocked = [];
    page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
    out.steps.cspBlocked = blocked;
    out.step = "sign-in page";
    const req = await authRequest(config);
    const url = new URL(req.url.href);
    url.hostname = "localhost";
    await page.goto(url.href);
    out.steps.loginPage = await pageState(page);
    out.steps.loginHost = new URL(page.url()).hostname;
    await page.getByLabel(cfg.usernameLabel ?? "Username", { exact: true }).fill(cfg.username);
    await shot(page, "login");
    const passkeyPage = page.waitForResponse((r) => new URL(r.url()).pathname === "/login"
      && r.request().method() === "POST", { timeout: 20000 });
    const posted = page.waitForResponse((r) => new URL(r.url()).pathname === "/passkey"
      && r.request().method() === "POST", { timeout: 20000 });
    const landed = page.waitForURL((u) => isCallback(u), { timeout: 20000 });
    out.step = "passkey button";
    await page.getByRole("button", { name: "Sign in with a passkey", exact: true }).click();
    const shown = await passkeyPage;
    out.steps.passkeyPage = { status: shown.status(), csp: (await shown.allHeaders())["content-security-policy"] };
    const answer = await posted;
    out.steps.passkeyPost = { status: answer.status(), location: (await answer.allHeaders()).location ?? null };
    await landed.catch(() => null);
    await expectCallback(page, "the passkey should reach the callback");
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
    out.steps.callbackCount = callbacks.length;
    const after = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    out.steps.signCount = after.credentials.map((c) => c.signCount);
  },

  /** MFA_SETUP offering the app and email: choose email, give an address, enter the code mailed to it. */
  async mfa_setup_email({ page, callbacks }) {
    const config = await discover();
    const req = await authRequest(config);
    await page.goto(req.url.href);
    await signInOnForm(page, cfg.username, cfg.password);
    out.step = "setup choice";
    out.steps.choicePage = await mfaState(page);
    await shot(page, "setup-choose");
    await page.getByLabel("Email", { exact: true }).check();
    await press(page, "Continue");
    out.step = "email page";
    out.steps.emailPage = await mfaState(page);
    await shot(page, "setup-email");
    await page.getByLabel("Email", { exact: true }).fill(cfg.email);
    await press(page, "Send code");
    out.step = "code page";
    out.steps.codePage = await mfaState(page);
    const code = await mailedCode(cfg.email);
    await page.getByLabel("Code", { exact: true }).fill(code);
    await press(page, "Sign in");
    await expectCallback(page, "the mailed code should reach the callback", mfaState);
    const r = await redeem(config, req, callbacks.at(-1));
    out.steps.claims = r.claims;
    out.steps.userinfo = r.userinfo;
  },
};

// What the passkey scenario's app page runs: a passkey registration through Latchkey's API with fetch, as a web app
// using Amplify does (see passkeys_browser.mjs).
const REGISTER_SCRIPT = `
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
  const r = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "AWSCognitoIdentityProviderService." + op }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
window.registerPasskey = async (endpoint, accessToken) => {
  const start = await cognito(endpoint, "StartWebAuthnRegistration", { AccessToken: accessToken });
  if (start.status !== 200) return { stage: "start", ...start };
  const o = start.json.CredentialCreationOptions;
  let cred;
  try {
    cred = await navigator.credentials.create({ publicKey: { ...o, challenge: b64url.decode(o.challenge),
      user: { ...o.user, id: b64url.decode(o.user.id) },
      excludeCredentials: (o.excludeCredentials ?? []).map((c) => ({ ...c, id: b64url.decode(c.id) })) } });
  } catch (e) {
    return { stage: "create", error: e.name, message: String(e.message) };
  }
  const credential = { id: cred.id, rawId: b64url.encode(cred.rawId), type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
    response: { clientDataJSON: b64url.encode(cred.response.clientDataJSON),
      attestationObject: b64url.encode(cred.response.attestationObject),
      transports: cred.response.getTransports ? cred.response.getTransports() : [] } };
  const complete = await cognito(endpoint, "CompleteWebAuthnRegistration",
    { AccessToken: accessToken, Credential: credential });
  return { stage: "complete", ...complete };
};
`;

// ---- main ------------------------------------------------------------------------------------------------------

// The application: a plain listener on the callback's port. Playwright's page.route cannot stand in for it, because
// Playwright never routes the hops of a redirect chain, and the hosted UI always reaches the callback by a 302.
const app = http.createServer((req, res) => {
  const u = new URL(req.url, cfg.redirectUri);
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(cfg.logoutUri && u.pathname === new URL(cfg.logoutUri).pathname ? "signed out" : "callback reached");
});
await new Promise((resolve, reject) => {
  app.once("error", reject);
  app.listen(Number(new URL(cfg.redirectUri).port), "127.0.0.1", resolve);
});

const browser = await chromium.launch({ executablePath: cfg.chromium ?? "/usr/bin/chromium", headless: true,
  args: CHROMIUM_ARGS });
try {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const callbacks = [];   // every request the browser made to the callback (redirect hops included)
  context.on("request", (r) => { if (isCallback(r.url())) callbacks.push(new URL(r.url())); });
  const run = scenarios[scenario];
  if (!run) fail(`unknown scenario ${scenario}`);
  await run({ page, context, callbacks });
  out.ok = true;
} catch (e) {
  out.error = e.name ?? "Error";
  out.message = String(e.message ?? e);
  out.code = e.code;
  out.cause = e.cause ? String(e.cause.message ?? e.cause) : undefined;
  out.stack = String(e.stack ?? "").split("\n").slice(0, 6).join("\n");
} finally {
  await browser.close();
  app.close();
}
// Exit once the line is written: a pipe takes a long line (an MFA page's QR code) in several writes.
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(out.ok ? 0 : 1));
