// CodeBuild's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { codebuildBuildMigrations } from './build-state.ts';
import { batchGetBuilds, listBuilds, listBuildsForProject, retryBuild, startBuild, stopBuild } from './builds.ts';
import { batchGetProjects, codebuildMigrations, createProject, deleteProject, listProjects, updateProject } from './projects.ts';

export const codebuildService: ServiceDefinition = {
  name: 'codebuild',
  model: 'codebuild.2016-10-06',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodeBuild_20161006',
  signingName: 'codebuild',
  migrations: [...codebuildMigrations, ...codebuildBuildMigrations],
  operations: {
    CreateProject: op(createProject),
    BatchGetProjects: op(batchGetProjects),
    ListProjects: op(listProjects),
    UpdateProject: op(updateProject),
    DeleteProject: op(deleteProject),
    StartBuild: op(startBuild),
    BatchGetBuilds: op(batchGetBuilds),
    ListBuilds: op(listBuilds),
    ListBuildsForProject: op(listBuildsForProject),
    StopBuild: op(stopBuild),
    RetryBuild: op(retryBuild),
  },
};
