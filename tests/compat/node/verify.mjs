// Verifies Latchkey tokens with aws-jwt-verify, the library AWS recommends for Cognito tokens.
//
// Input (JSON file named by argv[2]):
//   {"jwksUri": "...", "issuer": "...", "clientId": "...", "userPoolId": "...",
//    "cases": [{"name": "...", "token": "...", "use": "id"|"access", "verifier": "rsa"|"cognito"}]}
// "rsa" = JwtRsaVerifier with our issuer and jwksUri (ID tokens: audience = client id; access tokens: audience
// null + client_id and token_use checks); "cognito" = CognitoJwtVerifier (needs the AWS-style issuer).
// aws-jwt-verify's Node fetcher only speaks https, so the JWKS is fetched here and handed over with cacheJwks.
// Output: {"jwks": <kids>, "results": {name: {"valid": bool, "error"?: name, "message"?: text, "payload"?: {...}}}}
import { readFileSync } from "node:fs";
import { JwtRsaVerifier, CognitoJwtVerifier } from "aws-jwt-verify";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jwks = await (await fetch(input.jwksUri)).json();

function rsaVerifier(use) {
  const v = JwtRsaVerifier.create({
    issuer: input.issuer,
    jwksUri: input.jwksUri,
    audience: use === "id" ? input.clientId : null,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== use) throw new Error(`token_use is ${payload.token_use}, want ${use}`);
      if (use === "access" && payload.client_id !== input.clientId) throw new Error(`client_id is ${payload.client_id}`);
    },
  });
  v.cacheJwks(jwks);
  return v;
}

function cognitoVerifier(use) {
  const v = CognitoJwtVerifier.create({ userPoolId: input.userPoolId, tokenUse: use, clientId: input.clientId });
  v.cacheJwks(jwks);
  return v;
}

const verifiers = {
  rsa: { id: rsaVerifier("id"), access: rsaVerifier("access") },
  cognito: input.userPoolId ? { id: cognitoVerifier("id"), access: cognitoVerifier("access") } : null,
};

const results = {};
for (const c of input.cases) {
  try {
    const payload = await verifiers[c.verifier ?? "rsa"][c.use].verify(c.token);
    results[c.name] = { valid: true, payload };
  } catch (e) {
    results[c.name] = { valid: false, error: e.constructor?.name ?? e.name, message: e.message };
  }
}
console.log(JSON.stringify({ jwks: jwks.keys.map((k) => k.kid), results }));
