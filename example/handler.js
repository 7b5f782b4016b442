// Handlers of serverless.yml.example: Lambda style, the same file runs on every provider.

export const hello = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ message: 'Hello from skyrun', path: event.rawPath }),
});

export const tick = async (event, context) => {
  console.log(`tick ${context.awsRequestId} at ${new Date().toISOString()}: ${JSON.stringify(event)}`);
  return { ok: true };
};
