// Plain Error subclasses with SkyrunError's shape (`code`, `message`, `hint`): the engine imports nothing from
// @skyrun/core at run time, so the daemon's data plane does not load core (and its ajv/esbuild graph) to
// run a function. The daemon turns these into SkyrunErrors when they cross to the CLI.

/** A function version whose handler could not be loaded or whose init code threw. */
export class FunctionInitError extends Error {
  readonly code = 'LOCAL_FUNCTION_INIT_FAILED';
  readonly hint = 'Check the handler path and export, and that the module loads without throwing.';
  /** Lambda's error type: `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, `Runtime.UserCodeSyntaxError`, or the thrown error's name. */
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace: readonly string[];

  constructor(
    functionName: string,
    error: { errorType: string; errorMessage: string; stackTrace?: readonly string[] },
  ) {
    super(`Function ${functionName} failed to initialise: ${error.errorType}: ${error.errorMessage}`);
    this.name = 'FunctionInitError';
    this.errorType = error.errorType;
    this.errorMessage = error.errorMessage;
    this.stackTrace = error.stackTrace ?? [];
  }
}

/** `invoke` on a name with no active version. */
export class FunctionNotFoundError extends Error {
  readonly code = 'LOCAL_FUNCTION_NOT_FOUND';
  readonly hint = 'Deploy the service first, or check the name (`<service>-<stage>-<function>`).';

  constructor(readonly functionName: string) {
    super(`Function not found: ${functionName}`);
    this.name = 'FunctionNotFoundError';
  }
}
