/** Named errors that cross the IPC/HTTP hop intact, so the UI can say what to do. */
export const API_ERROR_CODES = [
  'NOT_FOUND',
  'INVALID_ARGUMENT',
  'PIXELS_UNAVAILABLE', // the source file was moved or deleted since triage
  'MODEL_UNAVAILABLE',
  'UNAUTHORIZED',
  'REQUEST_TOO_LARGE', // browser mode: a request body over its method's limit
  'TOO_MANY_STREAMS', // browser mode: every event-stream slot of the launch token is taken
  'TOO_MANY_UPLOADS', // browser mode: the maximum of large uploads is already being received
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { code: ApiErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }

  static fromJSON(value: unknown): ApiError {
    const v = value as { code?: string; message?: string } | null;
    const code = (API_ERROR_CODES as readonly string[]).includes(v?.code ?? '') ? (v!.code as ApiErrorCode) : 'INTERNAL';
    return new ApiError(code, v?.message ?? 'Unknown error');
  }
}
