// openid-client v6 as an unmodified relying party against Latchkey's OAuth 2.0 / OIDC endpoints, without a
// browser: discovery against our issuer (allowInsecureRequests, http on loopback), authorization code + PKCE +
// state + nonce with client_secret_basic and client_secret_post, ID-token validation, userinfo, refresh, a replayed
// code, revocation, and client credentials. The hosted sign-in form is submitted over fetch (it needs no
// JavaScript): GET the page, POST its _csrf field with the username and password, keep the cookies.
//
//   node hosted_oidc.mjs <config.json>
//
// Prints one JSON line {ok, step, results: {...}}; every expected failure is recorded as {name, error, status}
// rather than thrown, and the pytest side (test_oidc_node.py) asserts on them.
import * as client from "openid-client";
import { readFileSync } from "node:fs";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = { ok: false, step: "start", results: {} };
const R = out.results;
const insecure = { execute: [client.allowInsecureRequests] };

function errorOf(e) {
  // ResponseBodyError carries error/status; WWWAuthenticateChallengeError its parsed challenges; other
  // ClientErrors (e.g. OAUTH_RESPONSE_IS_NOT_CONFORM) the raw Response as cause.
  const response = e?.response ?? (e?.cause instanceof Response ? e.cause : undefined);
  return { name: e?.name, code: e?.code, error: e?.error ?? e?.cause?.error ?? e?.cause?.[0]?.parameters?.error,
    status: e?.status ?? response?.status, wwwAuthenticate: response?.headers?.get("www-authenticate") ?? null,
    message: String(e?.message ?? e) };
}

/** The outcome of a call that is expected to fail: null when it unexpectedly succeeded. */
async function failure(fn) {
  try { await fn(); return null; } catch (e) { return errorOf(e); }
}

function jwtPart(token, i) { return JSON.parse(Buffer.from(token.split(".")[i], "base64url")); }

async function discover(clientId, auth) {
  return client.discovery(new URL(cfg.issuer), clientId, undefined, auth, insecure);
}

/** A browser without JavaScript: follows redirects on the server, submits the sign-in form, stops at the app. */
class FormBrowser {
  constructor() { this.jar = new Map(); }
  cookieHeader() { return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "); }
  keep(res) {
    for (const c of res.headers.getSetCookie()) {
      const [kv, ...attrs] = c.split(";");
      const j = kv.indexOf("=");
      const name = kv.slice(0, j).trim(), value = kv.slice(j + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.jar.delete(name); else this.jar.set(name, value);
    }
  }
  async signIn(start, username, password) {
    let url = new URL(start), method = "GET", body;
    const pages = [];
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { method, body, redirect: "manual", headers: {
        cookie: this.cookieHeader(), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) } });
      this.keep(res);
      const loc = res.headers.get("location");
      if (loc) {
        const next = new URL(loc, url);
        if (next.href.startsWith(cfg.redirectUri)) return { callback: next, pages };
        url = next; method = "GET"; body = undefined;
        continue;
      }
      const html = await res.text();
      pages.push(url.pathname);
      if (res.status !== 200) throw new Error(`${url.pathname}: HTTP ${res.status}: ${html.slice(0, 300)}`);
      if (method === "POST") throw new Error(`sign-in form shown again: ${html.match(/role="alert"[^>]*>([^<]*)/)?.[1]}`);
      const unescape = (s) => s.replace(/&#38;|&amp;/g, "&");
      const action = unescape(html.match(/<form[^>]*action="([^"]+)"/)[1]);
      const csrf = html.match(/name="_csrf" value="([^"]+)"/)[1];
      url = new URL(action, url); method = "POST";
      body = new URLSearchParams({ _csrf: csrf, username, password }).toString();
    }
    throw new Error("too many hops");
  }
}

async function codeFlow(config, browser, scope = "openid email profile") {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState(), nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, { redirect_uri: cfg.redirectUri, scope, code_challenge: challenge,
    code_challenge_method: "S256", state, nonce });
  const { callback, pages } = await browser.signIn(url, cfg.username, cfg.password);
  const checks = { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce };
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  return { tokens, callback, checks, pages };
}

try {
  out.step = "discovery";
  const basic = await discover(cfg.confId, client.ClientSecretBasic(cfg.confSecret));
  const meta = basic.serverMetadata();
  R.discovery = { issuer: meta.issuer, token_endpoint: meta.token_endpoint, userinfo_endpoint: meta.userinfo_endpoint,
    revocation_endpoint: meta.revocation_endpoint, supportsPKCE: basic.serverMetadata().supportsPKCE() };

  out.step = "code flow (client_secret_basic)";
  const browser = new FormBrowser();
  const first = await codeFlow(basic, browser);
  R.basic = { pages: first.pages, idHeader: jwtPart(first.tokens.id_token, 0), claims: first.tokens.claims(),
    access: jwtPart(first.tokens.access_token, 1), keys: Object.keys(first.tokens).sort(),
    expiresIn: first.tokens.expiresIn() };
  R.basic.userinfo = await client.fetchUserInfo(basic, first.tokens.access_token, first.tokens.claims().sub);

  out.step = "code replay";
  R.replay = await failure(() => client.authorizationCodeGrant(basic, first.callback, first.checks));
  R.refreshAfterReplay = await failure(() => client.refreshTokenGrant(basic, first.tokens.refresh_token));
  R.userinfoAfterReplay = await failure(() =>
    client.fetchUserInfo(basic, first.tokens.access_token, first.tokens.claims().sub));

  out.step = "refresh and revoke";
  const second = await codeFlow(basic, browser);
  R.secondPages = second.pages;   // the session cookie skipped the form
  const refreshed = await client.refreshTokenGrant(basic, second.tokens.refresh_token);
  R.refresh = { keys: Object.keys(refreshed).sort(), idHeader: jwtPart(refreshed.id_token, 0),
    sub: refreshed.claims()?.sub, scope: jwtPart(refreshed.access_token, 1).scope };
  await client.tokenRevocation(basic, second.tokens.refresh_token);
  R.revoked = true;
  R.refreshAfterRevoke = await failure(() => client.refreshTokenGrant(basic, second.tokens.refresh_token));

  out.step = "code flow (client_secret_post)";
  const post = await discover(cfg.confId, client.ClientSecretPost(cfg.confSecret));
  const third = await codeFlow(post, new FormBrowser(), "openid");
  R.post = { claims: third.tokens.claims(), scope: jwtPart(third.tokens.access_token, 1).scope };
  R.postRefresh = Object.keys(await client.refreshTokenGrant(post, third.tokens.refresh_token)).sort();

  out.step = "wrong secret";
  const wrong = await discover(cfg.confId, client.ClientSecretBasic("not-the-secret"));
  R.wrongSecret = await failure(() => codeFlow(wrong, new FormBrowser()));

  out.step = "public client";
  const pub = await discover(cfg.publicId, client.None());
  const fourth = await codeFlow(pub, new FormBrowser(), "openid email");
  R.public = { claims: fourth.tokens.claims(), keys: Object.keys(fourth.tokens).sort() };
  R.publicUserinfo = await client.fetchUserInfo(pub, fourth.tokens.access_token, fourth.tokens.claims().sub);
  R.publicClientCredentials = await failure(() => client.clientCredentialsGrant(pub, { scope: cfg.readScope }));

  out.step = "client credentials";
  const m2m = await discover(cfg.m2mId, client.ClientSecretBasic(cfg.m2mSecret));
  const cc = await client.clientCredentialsGrant(m2m, { scope: cfg.readScope });
  R.clientCredentials = { keys: Object.keys(cc).sort(), access: jwtPart(cc.access_token, 1),
    header: jwtPart(cc.access_token, 0) };
  const ccAll = await client.clientCredentialsGrant(m2m);
  R.clientCredentialsAll = jwtPart(ccAll.access_token, 1).scope;
  const m2mPost = await discover(cfg.m2mId, client.ClientSecretPost(cfg.m2mSecret));
  R.clientCredentialsPost = jwtPart((await client.clientCredentialsGrant(m2mPost, { scope: cfg.writeScope })).access_token, 1).scope;
  R.clientCredentialsBadScope = await failure(() => client.clientCredentialsGrant(m2m, { scope: `${cfg.readScope}x` }));
  out.ok = true;
} catch (e) {
  out.error = e?.name;
  out.message = String(e?.message ?? e);
  out.detail = errorOf(e);
  out.stack = String(e?.stack ?? "").split("\n").slice(0, 6).join("\n");
}
console.log(JSON.stringify(out));
process.exit(out.ok ? 0 : 1);
