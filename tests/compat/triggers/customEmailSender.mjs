// Custom email sender, written as AWS's example function for this trigger is: the AWS Encryption SDK decrypts the
// code with a KMS keyring for the pool's key (KEY_ARN), its KMS client pointed at Latchkey by AWS_ENDPOINT_URL_KMS,
// then the function "sends" the email: it appends what a mail provider would get to `<SENDER_OUTBOX>/<address>`,
// which the test reads. A user whose email starts with "fail-" makes it fail after decrypting.
import b64 from 'base64-js';
import encryptionSdk from '@aws-crypto/client-node';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

const { decrypt } = encryptionSdk.buildClient(encryptionSdk.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const keyIds = [process.env.KEY_ARN];
const keyring = new encryptionSdk.KmsKeyringNode({ keyIds });

const SUBJECTS = {
  CustomEmailSender_SignUp: 'Welcome! Confirm your account',
  CustomEmailSender_ResendCode: 'Your new confirmation code',
  CustomEmailSender_ForgotPassword: 'Reset your password',
  CustomEmailSender_UpdateUserAttribute: 'Confirm your new email address',
  CustomEmailSender_VerifyUserAttribute: 'Confirm your email address',
  CustomEmailSender_AdminCreateUser: 'You are invited',
  CustomEmailSender_Authentication: 'Your sign-in code',
};

export const handler = async (event) => {
  let plainTextCode;
  let header;
  if (event.request.code) {
    const { plaintext, messageHeader } = await decrypt(keyring, b64.toByteArray(event.request.code));
    plainTextCode = plaintext;
    header = messageHeader;
  }
  const to = event.request.userAttributes.email;
  if (to.startsWith('fail-')) {
    throw new Error('The mail provider refused the message');
  }
  const [dataKey] = header.encryptedDataKeys;
  const sent = {
    to,
    subject: SUBJECTS[event.triggerSource],
    code: plainTextCode.toString(),
    // What the test hands KMS itself, to see Latchkey's refusals.
    encryptionContext: header.encryptionContext,
    keyId: dataKey.providerInfo,
    encryptedDataKey: Buffer.from(dataKey.encryptedDataKey).toString('base64'),
    suiteId: header.suiteId,
  };
  await appendFile(join(process.env.SENDER_OUTBOX, to), JSON.stringify(sent) + '\n');
};
