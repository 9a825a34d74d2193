// Verify auth challenge response: the answer is right when it is the code CreateAuthChallenge mailed.
export const handler = async (event) => {
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.code;
  return event;
};
