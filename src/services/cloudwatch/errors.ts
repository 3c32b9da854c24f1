// CloudWatch's errors: the model's shape name as __type, and its query-protocol code in x-amzn-query-error (awsQueryCompatible).
import { SlipwayError } from '../../core/errors.ts';

/** Shape name → the awsQueryError code the SDKs and CLI report (from the model's `error.code`). */
const QUERY_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  ResourceNotFound: 'ResourceNotFound',
  InvalidFormatFault: 'InvalidFormat',
  InvalidNextToken: 'InvalidNextToken',
  LimitExceededFault: 'LimitExceeded',
};

export function cloudwatchError(shape: string, message: string): SlipwayError {
  const status = shape === 'ResourceNotFound' ? 404 : 400;
  return new SlipwayError(shape, message, { extra: { httpStatus: status, queryError: `${QUERY_CODES[shape] ?? shape};Sender` } });
}
