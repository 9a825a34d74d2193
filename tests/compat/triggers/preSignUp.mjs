// Pre sign-up, as in AWS's "Pre sign-up Lambda trigger" examples: users of the company's domain are confirmed
// and their email verified at once; addresses from a blocked domain may not register at all.
export const handler = async (event) => {
  const email = event.request.userAttributes.email ?? '';
  if (email.endsWith('@blocked.example')) {
    throw new Error('Cannot register users from this domain');
  }
  if (email.endsWith('@example.com')) {
    event.response.autoConfirmUser = true;
    event.response.autoVerifyEmail = true;
  }
  return event;
};
