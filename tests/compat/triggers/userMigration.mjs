// User migration, as in AWS's example: users are looked up in the old system's user table (a JSON file named by
// LEGACY_USERS) on their first sign-in, or when they forget their password.
import { readFileSync } from 'node:fs';

function legacyUser(username) {
  const table = JSON.parse(readFileSync(process.env.LEGACY_USERS, 'utf8'));
  return table.find((u) => u.username === username);
}

export const handler = async (event) => {
  const user = legacyUser(event.userName);
  if (event.triggerSource === 'UserMigration_Authentication') {
    if (!user || user.password !== event.request.password) {
      throw new Error('Bad password');
    }
    event.response.userAttributes = {
      email: user.email,
      email_verified: 'true',
      name: user.name,
    };
    event.response.finalUserStatus = 'CONFIRMED';
    event.response.messageAction = 'SUPPRESS';
  } else if (event.triggerSource === 'UserMigration_ForgotPassword') {
    if (!user) {
      throw new Error('Bad username');
    }
    event.response.userAttributes = {
      email: user.email,
      email_verified: 'true',
    };
    event.response.messageAction = 'SUPPRESS';
  }
  return event;
};
