// Define auth challenge for passwordless sign-in with a code by email, as in AWS's examples: with SRP_A the password
// comes first (PASSWORD_VERIFIER), then one CUSTOM_CHALLENGE that may be answered three times; a right answer issues
// tokens, a third wrong one fails the sign-in.
const MAX_TRIES = 3;

export const handler = async (event) => {
  const session = event.request.session;
  const last = session.at(-1);
  const tries = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE');
  if (session.length === 1 && last.challengeName === 'SRP_A') {
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
    event.response.challengeName = 'PASSWORD_VERIFIER';
  } else if (last?.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult === true) {
    event.response.issueTokens = true;
    event.response.failAuthentication = false;
  } else if (tries.length >= MAX_TRIES || (last && !last.challengeResult && last.challengeName !== 'CUSTOM_CHALLENGE')) {
    event.response.issueTokens = false;
    event.response.failAuthentication = true;
  } else {
    event.response.issueTokens = false;
    event.response.failAuthentication = false;
    event.response.challengeName = 'CUSTOM_CHALLENGE';
  }
  return event;
};
