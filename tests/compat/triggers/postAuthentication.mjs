// Post authentication: records the sign-in (the runtime keeps every event it receives).
export const handler = async (event) => {
  console.error(`user ${event.userName} signed in on a new device: ${event.request.newDeviceUsed}`);
  return event;
};
