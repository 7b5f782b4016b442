export const hello = async (event) => {
  const name = event.queryStringParameters?.name ?? 'world';
  console.log(`hello called: ${event.requestContext?.http?.method ?? 'direct'} ${event.rawPath ?? ''}`.trim());
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};

export const tick = async (event) => {
  console.log(`tick at ${event.time ?? new Date().toISOString()}`);
  return { ok: true };
};
