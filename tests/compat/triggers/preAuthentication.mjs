// Pre authentication, as in AWS's example that blocks an app client; here a sign-in may be refused by the
// ClientMetadata the app sends (which reaches this trigger as validationData).
export const handler = async (event) => {
  if (event.request.validationData?.block === 'yes') {
    throw new Error('Cannot authenticate users from this app');
  }
  return event;
};
