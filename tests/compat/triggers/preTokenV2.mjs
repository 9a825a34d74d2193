// Pre token generation V2_0, as in AWS's example: a claim and a scope added to the access token, a claim added
// to the ID token; reserved claims cannot be changed, so the attempt on `sub` is ignored.
export const handler = async (event) => {
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: {
        claimsToAddOrOverride: { tier: 'gold', sub: 'forged' },
      },
      accessTokenGeneration: {
        claimsToAddOrOverride: { tenant: 'acme', roles: ['reader', 'writer'], quota: 10 },
        scopesToAdd: ['orders/read'],
      },
    },
  };
  return event;
};
