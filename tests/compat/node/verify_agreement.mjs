// aws-jwt-verify's verdicts on the cases test_verify_agreement.py also hands to latchkey-verify's verify_tokens.
//
// Input (JSON file named by argv[2]): {"cases": [{"name", "token", "issuer", "jwks", "client_id"?, "token_use",
//   "jwks_uri"?}]} — the same fields verify_tokens reads, one case per verifier, the JWKS given to cacheJwks.
// An AWS-form issuer (https://cognito-idp.<region>.amazonaws.com/<pool>) gets the stock CognitoJwtVerifier;
// any other issuer the generic JwtRsaVerifier (CognitoJwtVerifier insists on the AWS form), set up as
// node/verify.mjs does: ID tokens check aud, access tokens client_id, both token_use.
// Output: {"results": {name: {"valid": bool, "error"?: class name, "message"?: text}}}
import { readFileSync } from "node:fs";
import { JwtRsaVerifier, CognitoJwtVerifier } from "aws-jwt-verify";

const AWS_ISSUER = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([^/]+)$/;
const input = JSON.parse(readFileSync(process.argv[2], "utf8"));

function verifierFor(c) {
  const clientId = c.client_id ?? null;
  const aws = AWS_ISSUER.exec(c.issuer);
  if (aws) {
    const v = CognitoJwtVerifier.create({ userPoolId: aws[1], tokenUse: c.token_use ?? null, clientId });
    v.cacheJwks(c.jwks);
    return v;
  }
  const v = JwtRsaVerifier.create({
    issuer: c.issuer,
    jwksUri: c.jwks_uri ?? `${c.issuer}/.well-known/jwks.json`,
    audience: c.token_use === "id" ? clientId : null,
    customJwtCheck: ({ payload }) => {
      if (c.token_use && payload.token_use !== c.token_use) {
        throw new Error(`token_use is ${payload.token_use}, want ${c.token_use}`);
      }
      if (c.token_use === "access" && clientId !== null && payload.client_id !== clientId) {
        throw new Error(`client_id is ${payload.client_id}`);
      }
    },
  });
  v.cacheJwks(c.jwks);
  return v;
}

const results = {};
for (const c of input.cases) {
  try {
    await verifierFor(c).verify(c.token);
    results[c.name] = { valid: true };
  } catch (e) {
    results[c.name] = { valid: false, error: e.constructor?.name ?? e.name, message: e.message };
  }
}
console.log(JSON.stringify({ results }));
