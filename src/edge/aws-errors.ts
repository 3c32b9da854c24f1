// Maps a SlipwayError's code to the HTTP status AWS uses for it; the only place statuses are chosen for AWS APIs.
import { SlipwayError } from '../core/errors.ts';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  AccessDeniedException: 403,
  AccessDenied: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
  InternalServerError: 500,
  InternalServiceError: 500,
  InternalServerException: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
};

export function statusFor(error: SlipwayError): number {
  const explicit = error.extra['httpStatus'];
  if (typeof explicit === 'number') return explicit;
  return STATUS_BY_CODE[error.code] ?? (error.fault === 'server' ? 500 : 400);
}

/** Any thrown value as a SlipwayError; unexpected ones become AWS's InternalFailure without leaking internals. */
export function toSlipwayError(error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  return new SlipwayError('InternalFailure', 'The request processing has failed because of an unknown error.', {
    fault: 'server',
    cause: error,
  });
}
