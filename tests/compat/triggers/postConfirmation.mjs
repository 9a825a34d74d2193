// Post confirmation: a welcome step that only records the event (the runtime keeps every event it receives).
// A user whose name starts with "fail-" makes it fail, to show the error reaches the caller.
export const handler = async (event) => {
  if (event.userName.startsWith('fail-')) {
    throw new Error('Could not create the user profile');
  }
  return event;
};
