// A trigger that answers something that is not an event: InvalidLambdaResponseException.
export const handler = async () => 'not an event';
