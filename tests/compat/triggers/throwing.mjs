// A trigger that always fails: its message reaches the caller in UserLambdaValidationException.
export const handler = async () => {
  throw new Error('Something went wrong');
};
