import { SkyrunError } from '../errors/index.js';

export function packagingError(options: {
  code: string;
  message: string;
  hint?: string;
  cause?: unknown;
}): SkyrunError {
  return new SkyrunError({ ...options, exit: 'packaging' });
}
