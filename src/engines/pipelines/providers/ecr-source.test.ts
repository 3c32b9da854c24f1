import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPipeline } from '../../../services/codepipeline/pipelines.ts';
import { listPipelineExecutions } from '../../../services/codepipeline/executions.ts';
import { createRepository } from '../../../services/ecr/repositories.ts';
import { linkBlob, putManifest } from '../../../services/ecr/state.ts';
import { digestOf } from '../../../store/blobs.ts';
import { startHarness } from '../testing.ts';
import { pushedAt } from './ecr-source.ts';
import { unzip } from './zip.ts';

test('an ECR source outputs imageDetail.json and AWS source variables; pushing the watched tag starts the pipeline', async () => {
  const h = startHarness();
  try {
    createRepository({ repositoryName: 'team/app' }, h.op);
    const push = (seed: string, tag: string): string => {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
      const layer = Buffer.from(`layer ${seed}`);
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
        }),
      );
      h.ctx.store.tx(() => {
        linkBlob(h.ctx, 'team/app', digestOf(config), config.length);
        linkBlob(h.ctx, 'team/app', digestOf(layer), layer.length);
      });
      return putManifest(h.ctx, { repo: 'team/app', body, tag }).manifest.digest;
    };
    const first = push('one', 'release');
    const details: Array<Record<string, unknown>> = [];
    h.build.on('Deploy', async (job) => {
      const files = await unzip((await job.inputArtifacts[0]?.read()) ?? Buffer.alloc(0));
      details.push(JSON.parse(String(files.get('imageDetail.json'))) as Record<string, unknown>);
      return {};
    });
    createPipeline(
      {
        pipeline: {
          name: 'image',
          roleArn: 'arn:aws:iam::000000000000:role/pipeline-role',
          artifactStore: { type: 'S3', location: 'slipway-artifacts' },
          stages: [
            {
              name: 'Source',
              actions: [
                {
                  name: 'Image',
                  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' },
                  configuration: { RepositoryName: 'team/app', ImageTag: 'release' },
                  outputArtifacts: [{ name: 'Image' }],
                  namespace: 'Img',
                },
              ],
            },
            {
              name: 'Deploy',
              actions: [
                {
                  name: 'Deploy',
                  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
                  configuration: { ProjectName: 'deploy', EnvironmentVariables: '#{Img.ImageURI} #{Img.ImageTag}' },
                  inputArtifacts: [{ name: 'Image' }],
                },
              ],
            },
          ],
        },
      },
      h.op,
    );
    await h.until('the first image is deployed', () => details.length === 1);
    const uri = `127.0.0.1:0/team/app@${first}`;
    assert.deepEqual(details[0], {
      ImageSizeInBytes: String(Buffer.byteLength(JSON.stringify({ architecture: 'amd64', os: 'linux', seed: 'one' })) + Buffer.byteLength('layer one')),
      ImageDigest: first,
      Version: '1.0',
      ImagePushedAt: pushedAt(h.clock.now()),
      RegistryId: '000000000000',
      RepositoryName: 'team/app',
      ImageURI: uri,
      ImageTags: ['release'],
    });
    assert.equal(h.build.jobs[0]?.configuration['EnvironmentVariables'], `${uri} release`);
    assert.match(pushedAt(Date.UTC(2019, 0, 21, 20, 4)), /^Mon Jan 21 20:04:00 UTC 2019$/);

    push('two', 'other');
    const second = push('three', 'release');
    await h.until('the pushed image is deployed', () => details.length === 2);
    assert.equal(details[1]?.['ImageDigest'], second);
    const executions = listPipelineExecutions({ pipelineName: 'image' }, h.op).pipelineExecutionSummaries ?? [];
    assert.deepEqual(executions.map((e) => e.trigger?.triggerType), ['CloudWatchEvent', 'CreatePipeline']);
    assert.equal(executions[0]?.sourceRevisions?.[0]?.revisionId, second);
  } finally {
    await h.stop();
  }
});
