// Create auth challenge: a random six-digit code mailed to the user (nodemailer, to the SMTP server SMTP_HOST:SMTP_PORT)
// on the first try, and the same code again on the next tries (kept in challengeMetadata, as AWS's sample does), so a
// mistyped code can be corrected without a new mail. Nothing is mailed for a user who does not exist.
import { randomInt } from 'node:crypto';
import nodemailer from 'nodemailer';

const transport = nodemailer.createTransport({
  host: process.env.SMTP_HOST ?? '127.0.0.1',
  port: Number(process.env.SMTP_PORT),
  secure: false,
  ignoreTLS: true,
});

export const handler = async (event) => {
  const { session, userAttributes, userNotFound } = event.request;
  const earlier = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE').at(-1);
  let code;
  if (earlier?.challengeMetadata?.startsWith('CODE-')) {
    code = earlier.challengeMetadata.slice('CODE-'.length);
  } else {
    code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (!userNotFound) {
      await transport.sendMail({
        from: 'no-reply@example.com',
        to: userAttributes.email,
        subject: 'Your sign-in code',
        text: `Your sign-in code is ${code}`,
      });
    }
  }
  event.response.publicChallengeParameters = { email: userAttributes.email ?? '' };
  event.response.privateChallengeParameters = { code };
  event.response.challengeMetadata = `CODE-${code}`;
  return event;
};
