// Pre token generation V3_0: also fires for client_credentials (machine-to-machine) tokens.
export const handler = async (event) => {
  const machine = event.triggerSource === 'TokenGeneration_ClientCredentials';
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: {
        claimsToAddOrOverride: { caller: machine ? 'machine' : 'user' },
      },
    },
  };
  return event;
};
