// Custom message, as in AWS's "Custom message Lambda trigger" examples: every message the pool sends gets Acme's
// subject and an HTML body for its occasion, with the code (and, in an invitation, the user name) where the event's
// placeholders say. The function never sees the code itself: the pool puts it in after the function answers.
const WORDING = {
  CustomMessage_SignUp: ['Welcome to Acme', 'Thank you for signing up. Your verification code is'],
  CustomMessage_ResendCode: ['Your new Acme code', 'Here is your new verification code:'],
  CustomMessage_ForgotPassword: ['Reset your Acme password', 'Choose a new password with the code'],
  CustomMessage_UpdateUserAttribute: ['Confirm your new Acme address', 'Confirm this address with the code'],
  CustomMessage_VerifyUserAttribute: ['Verify your Acme address', 'Verify this address with the code'],
  CustomMessage_Authentication: ['Your Acme sign-in code', 'Sign in with the code'],
};

const page = (title, text) =>
  `<html><body style="font-family: sans-serif"><h1>${title}</h1><p>${text}</p>` +
  '<p>The Acme team</p></body></html>';

export const handler = async (event) => {
  const { codeParameter, usernameParameter } = event.request;
  if (event.triggerSource === 'CustomMessage_AdminCreateUser') {
    event.response.emailSubject = 'Your Acme account';
    event.response.emailMessage = page('Welcome to Acme',
      `Your user name is ${usernameParameter} and your temporary password is ${codeParameter}`);
    event.response.smsMessage = `Acme: user ${usernameParameter}, temporary password ${codeParameter}`;
    return event;
  }
  const wording = WORDING[event.triggerSource];
  if (wording) {
    const [subject, text] = wording;
    event.response.emailSubject = subject;
    event.response.emailMessage = page(subject, `${text} ${codeParameter}`);
    event.response.smsMessage = `Acme: ${codeParameter}`;
  }
  return event;
};
