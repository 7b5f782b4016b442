import { defineProvider } from '@skyrun/core/provider/contract';

const RUNTIMES = [
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
] as const;

const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;

/** The local runtime: a single-machine FaaS on 127.0.0.1 (the default provider). */
export default defineProvider({
  name: 'local',
  description: 'Run functions on this machine: a local daemon on 127.0.0.1, no account needed',
  schema: {
    provider: {
      port: {
        ...port,
        description:
          'Port of the local daemon (Lambda Invoke API) when deploy starts it; SKYRUN_PORT wins. Default 3000, or a free port.',
      },
      apiPort: {
        ...port,
        description:
          "Fixed port of this service+stage's HTTP API. Default: a port picked on the first deploy and kept.",
      },
      keepWarm: {
        type: 'integer',
        minimum: 0,
        maximum: 86400,
        description:
          "Seconds a function's idle workers are kept warm before they stop (scale to zero; provisionedConcurrency workers stay). Default: the daemon's, 300.",
      },
    },
    runtimes: RUNTIMES,
  },
  capabilities: {
    runtimes: RUNTIMES,
    events: ['http', 'httpApi', 'schedule'],
  },
  load: async () => (await import('./provider-runtime.js')).default,
});
