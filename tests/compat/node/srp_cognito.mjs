// amazon-cognito-identity-js (6.x), unmodified, against a Latchkey endpoint: the library's default USER_SRP_AUTH,
// NEW_PASSWORD_REQUIRED, refresh, self-service calls, and its automatic device handling (ConfirmDevice on
// NewDeviceMetadata, DEVICE_SRP_AUTH on the next sign-in, retry without DEVICE_KEY on "Device does not exist").
//
// usage: node srp_cognito.mjs <request.json>
// request: {endpoint, poolId, clientId, storage: "<file>", ops: [{op, ...args, expectError?}]}
//   The library's Storage is a JSON file, so a later invocation is like the app being reopened (localStorage).
//   Each op runs in order; an op that fails stops the run unless it says expectError: true.
// stdout: one JSON line {ok, results: [{op, ok, value?, error?}], calls: [...every request the library sent...]}
import fs from "node:fs";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "amazon-cognito-identity-js";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

// ---- what the library sends: a fetch wrapper (the library calls the global fetch at request time)
const calls = [];
const realFetch = globalThis.fetch;
const summarize = (m) =>
  m && typeof m === "object"
    ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, k === "DEVICE_KEY" || k === "USERNAME" || k === "CHALLENGE_NAME" ? v : v === null ? null : typeof v]))
    : m;
globalThis.fetch = async (url, opts = {}) => {
  const headers = opts.headers ?? {};
  const target = String(headers["X-Amz-Target"] ?? "").split(".").pop();
  let body = {};
  try { body = JSON.parse(opts.body); } catch { /* not JSON */ }
  const res = await realFetch(url, opts);
  let out = {};
  try { out = await res.clone().json(); } catch { /* empty */ }
  calls.push({
    target,
    authorization: "Authorization" in headers || "authorization" in headers,
    authFlow: body.AuthFlow,
    challengeName: body.ChallengeName,
    session: typeof body.Session === "string" ? "present" : body.Session === undefined ? "absent" : body.Session,
    authParameters: summarize(body.AuthParameters),
    challengeResponses: summarize(body.ChallengeResponses),
    deviceKey: body.DeviceKey,
    status: res.status,
    errorType: out.__type,
    errorMessage: out.message,
    responseChallenge: out.ChallengeName,
    responseChallengeParameters: out.ChallengeParameters ? Object.keys(out.ChallengeParameters).sort() : undefined,
    responseSession: typeof out.Session === "string" ? "present" : "absent",
    newDeviceMetadata: out.AuthenticationResult?.NewDeviceMetadata,
  });
  return res;
};

// ---- Storage: a JSON file with the localStorage interface the library uses
class FileStorage {
  constructor(path) {
    this.path = path;
    this.data = fs.existsSync(path) ? JSON.parse(fs.readFileSync(path, "utf8")) : {};
  }
  flush() { fs.writeFileSync(this.path, JSON.stringify(this.data, null, 1)); }
  setItem(k, v) { this.data[k] = String(v); this.flush(); return this.data[k]; }
  getItem(k) { return Object.prototype.hasOwnProperty.call(this.data, k) ? this.data[k] : null; }
  removeItem(k) { const had = delete this.data[k]; this.flush(); return had; }
  clear() { this.data = {}; this.flush(); return {}; }
}
const storage = new FileStorage(req.storage);
const pool = new CognitoUserPool({
  UserPoolId: req.poolId, ClientId: req.clientId, endpoint: req.endpoint.replace(/\/?$/, "/"), Storage: storage,
});

// ---- helpers
const sessionOut = (s) => ({
  idToken: s.getIdToken().getJwtToken(),
  accessToken: s.getAccessToken().getJwtToken(),
  refreshToken: s.getRefreshToken().getToken(),
  idClaims: s.getIdToken().decodePayload(),
  accessClaims: s.getAccessToken().decodePayload(),
});
const errOut = (e) => ({ name: e?.name, code: e?.code, message: e?.message, statusCode: e?.statusCode });
const cb = (resolve, reject) => (err, data) => (err ? reject(err) : resolve(data));
const newUser = (username) => new CognitoUser({ Username: username, Pool: pool, Storage: storage });

async function currentUser() {
  const user = pool.getCurrentUser();
  if (!user) throw new Error("no current user in storage");
  const session = await new Promise((res, rej) => user.getSession(cb(res, rej)));
  user.getCachedDeviceKeyAndPassword(); // what a reopened app does before device calls
  return { user, session };
}

function authenticate({ username, password, newPassword, newAttributes, remember }) {
  const user = newUser(username);
  const seen = {};
  return new Promise((resolve, reject) => {
    const done = async (session, userConfirmationNecessary) => {
      try {
        const value = { ...sessionOut(session), userConfirmationNecessary: userConfirmationNecessary ?? null, ...seen };
        if (remember) {
          value.remember = await new Promise((res, rej) => {
            const h = { onSuccess: res, onFailure: rej };
            if (remember === "remembered") user.setDeviceStatusRemembered(h);
            else user.setDeviceStatusNotRemembered(h);
          });
        }
        value.username = user.getUsername();
        value.deviceKey = user.deviceKey ?? null;
        resolve(value);
      } catch (e) { reject(e); }
    };
    const handlers = {
      onSuccess: done,
      onFailure: reject,
      newPasswordRequired(userAttributes, requiredAttributes) {
        seen.newPasswordRequired = { userAttributes, requiredAttributes };
        if (!newPassword) return reject(Object.assign(new Error("NEW_PASSWORD_REQUIRED"), { name: "NewPasswordRequired" }));
        user.completeNewPasswordChallenge(newPassword, newAttributes ?? {}, handlers);
      },
      mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
      totpRequired: () => reject(new Error("unexpected SOFTWARE_TOKEN_MFA")),
      customChallenge: () => reject(new Error("unexpected CUSTOM_CHALLENGE")),
      mfaSetup: () => reject(new Error("unexpected MFA_SETUP")),
      selectMFAType: () => reject(new Error("unexpected SELECT_MFA_TYPE")),
    };
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), handlers);
  });
}

const ops = {
  async signUp({ username, password, attributes }) {
    const list = Object.entries(attributes ?? {}).map(([Name, Value]) => new CognitoUserAttribute({ Name, Value }));
    const r = await new Promise((res, rej) => pool.signUp(username, password, list, null, cb(res, rej)));
    return { userConfirmed: r.userConfirmed, userSub: r.userSub, codeDeliveryDetails: r.codeDeliveryDetails };
  },
  async confirmRegistration({ username, code }) {
    return new Promise((res, rej) => newUser(username).confirmRegistration(code, true, cb(res, rej)));
  },
  authenticate,
  async getUserAttributes() {
    const { user } = await currentUser();
    const list = await new Promise((res, rej) => user.getUserAttributes(cb(res, rej)));
    return Object.fromEntries(list.map((a) => [a.getName(), a.getValue()]));
  },
  async refreshSession() {
    const { user, session } = await currentUser();
    const s = await new Promise((res, rej) => user.refreshSession(session.getRefreshToken(), cb(res, rej)));
    return sessionOut(s);
  },
  async changePassword({ oldPassword, newPassword }) {
    const { user } = await currentUser();
    return new Promise((res, rej) => user.changePassword(oldPassword, newPassword, cb(res, rej)));
  },
  async forgotPassword({ username }) {
    return new Promise((res, rej) => newUser(username).forgotPassword({
      onSuccess: res, onFailure: rej, inputVerificationCode: res,
    }));
  },
  async confirmPassword({ username, code, newPassword }) {
    return new Promise((res, rej) => newUser(username).confirmPassword(code, newPassword, { onSuccess: res, onFailure: rej }));
  },
  async globalSignOut() {
    const { user, session } = await currentUser();
    await new Promise((res, rej) => user.globalSignOut({ onSuccess: res, onFailure: rej }));
    return sessionOut(session);
  },
  async signOut() {
    const { user } = await currentUser();
    await new Promise((res, rej) => user.signOut((err) => (err ? rej(err) : res())));
    return "SUCCESS";
  },
  async getDevice() {
    const { user } = await currentUser();
    return new Promise((res, rej) => user.getDevice({ onSuccess: res, onFailure: rej }));
  },
  async listDevices({ limit = 10, paginationToken = null } = {}) {
    const { user } = await currentUser();
    return new Promise((res, rej) => user.listDevices(limit, paginationToken, { onSuccess: res, onFailure: rej }));
  },
  async setDeviceStatusRemembered() {
    const { user } = await currentUser();
    return new Promise((res, rej) => user.setDeviceStatusRemembered({ onSuccess: res, onFailure: rej }));
  },
  async setDeviceStatusNotRemembered() {
    const { user } = await currentUser();
    return new Promise((res, rej) => user.setDeviceStatusNotRemembered({ onSuccess: res, onFailure: rej }));
  },
  async forgetDevice() {
    const { user } = await currentUser();
    const key = user.deviceKey;
    await new Promise((res, rej) => user.forgetDevice({ onSuccess: res, onFailure: rej }));
    return { forgot: key };
  },
  async storage() {
    return { ...storage.data };
  },
};

const results = [];
let ok = true;
for (const { op, expectError, ...args } of req.ops) {
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    const value = await ops[op](args);
    results.push({ op, ok: true, value });
    if (expectError) { ok = false; break; }
  } catch (e) {
    results.push({ op, ok: false, error: errOut(e) });
    if (!expectError) { ok = false; break; }
  }
}
console.log(JSON.stringify({ ok, results, calls }));
process.exitCode = ok ? 0 : 1;
