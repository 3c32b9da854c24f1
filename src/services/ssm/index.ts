// SSM's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { deleteParameter, getParameter, getParameters, putParameter, ssmMigrations } from './parameters.ts';

export const ssmService: ServiceDefinition = {
  name: 'ssm',
  model: 'ssm.2014-11-06',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'AmazonSSM',
  signingName: 'ssm',
  migrations: ssmMigrations,
  operations: {
    PutParameter: op(putParameter),
    GetParameter: op(getParameter),
    GetParameters: op(getParameters),
    DeleteParameter: op(deleteParameter),
  },
};
