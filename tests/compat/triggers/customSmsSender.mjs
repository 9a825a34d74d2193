// Custom SMS sender, written as AWS's example function for this trigger is: the AWS Encryption SDK decrypts the
// code with a KMS keyring for the pool's key (KEY_ARN), its KMS client pointed at Latchkey by AWS_ENDPOINT_URL_KMS,
// then the function "texts" it: it appends the message an SMS provider would get to `<SENDER_OUTBOX>/<number>`.
import b64 from 'base64-js';
import encryptionSdk from '@aws-crypto/client-node';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

const { decrypt } = encryptionSdk.buildClient(encryptionSdk.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const keyring = new encryptionSdk.KmsKeyringNode({ keyIds: [process.env.KEY_ARN] });

export const handler = async (event) => {
  let plainTextCode;
  if (event.request.code) {
    const { plaintext } = await decrypt(keyring, b64.toByteArray(event.request.code));
    plainTextCode = plaintext;
  }
  const to = event.request.userAttributes.phone_number;
  const text = `${event.triggerSource}: your code is ${plainTextCode.toString()}`;
  await appendFile(join(process.env.SENDER_OUTBOX, to), JSON.stringify({ to, text }) + '\n');
};
