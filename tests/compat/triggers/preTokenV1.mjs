// Pre token generation V1_0, as in AWS's example: a claim added to the ID token, one suppressed, and the groups
// the tokens carry overridden.
export const handler = async (event) => {
  event.response = {
    claimsOverrideDetails: {
      claimsToAddOrOverride: { tier: 'gold', family_name: 'Doe' },
      claimsToSuppress: ['email'],
      groupOverrideDetails: {
        groupsToOverride: ['overridden-group'],
        iamRolesToOverride: [],
        preferredRole: null,
      },
    },
  };
  return event;
};
