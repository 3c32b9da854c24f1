// `node examples/ecs-bluegreen/setup/main.ts [--endpoint URL] [--region R]`: runs the setup against Slipway or AWS.
import { parseArgs } from 'node:util';
import { setupExample } from './setup.ts';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    region: { type: 'string' },
    'termination-wait': { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help === true) {
  process.stdout.write(`Usage: node examples/ecs-bluegreen/setup/main.ts [--endpoint URL] [--region REGION] [--termination-wait MINUTES]

Creates the seed system's resources (CodeCommit, ECR, CodeBuild, ECS, ELBv2, CodeDeploy, CodePipeline) through the AWS SDK.
Without --endpoint it talks to AWS with your usual credentials (AWS_PROFILE, environment, ...); with Slipway, pass
--endpoint http://localhost:7547. Running it again changes nothing.
`);
  process.exit(0);
}

const region = values.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
const endpoint = values.endpoint ?? process.env['AWS_ENDPOINT_URL'];
const result = await setupExample({
  client: { region, ...(endpoint === undefined ? {} : { endpoint }) },
  terminationWaitTimeInMinutes: Number(values['termination-wait']),
  onResource: (r) => process.stdout.write(`${r.action === 'created' ? 'created  ' : 'unchanged'}  ${r.kind.padEnd(28)} ${r.name}\n`),
});
process.stdout.write(`\ngit remote:     ${result.cloneUrlHttp}\nECR repository: ${result.repositoryUri}\n`);
