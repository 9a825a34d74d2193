// The older callback style of Node.js handlers, still common in Cognito examples.
export const handler = (event, context, callback) => {
  event.response.autoConfirmUser = true;
  callback(null, event);
};
