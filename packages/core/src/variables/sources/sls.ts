import { addressOf, type CoreSource } from './types.js';

/** `${sls:stage}` and `${sls:instanceId}` (random, fixed for one run). */
export const slsSource: CoreSource = {
  async resolve(request) {
    const address = addressOf(request, 'sls', true);
    switch (address) {
      case 'stage':
        return { value: await request.stage() };
      case 'instanceId':
        return { value: request.instanceId };
      default:
        return request.fail(
          'CONFIG_VARIABLE_SLS_ADDRESS',
          `Unsupported "${address}" address argument in variable "sls" source`,
          'The sls source offers ${sls:stage} and ${sls:instanceId}.',
        );
    }
  },
};
