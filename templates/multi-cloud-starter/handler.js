// The same file runs on every provider: each one adapts its native request to this
// Lambda-style event (HTTP API payload 2.0) and the result back.
export const hello = async (event) => {
  const greeting = process.env.GREETING ?? 'Hello';
  const name = event.queryStringParameters?.name ?? 'world';
  console.log(`hello called: ${event.requestContext?.http?.method ?? 'direct'} ${event.rawPath ?? ''}`.trim());
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `${greeting}, ${name}!` }),
  };
};

export const tick = async (event) => {
  console.log(`tick at ${event.time ?? new Date().toISOString()}`);
  return { ok: true };
};
