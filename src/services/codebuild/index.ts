// CodeBuild's registry: its wire identity and every operation Slipway implements, listed explicitly.
import { op, type ServiceDefinition } from '../types.ts';
import { batchGetProjects, codebuildMigrations, createProject, deleteProject, listProjects, updateProject } from './projects.ts';

export const codebuildService: ServiceDefinition = {
  name: 'codebuild',
  model: 'codebuild.2016-10-06',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodeBuild_20161006',
  signingName: 'codebuild',
  migrations: codebuildMigrations,
  operations: {
    CreateProject: op(createProject),
    BatchGetProjects: op(batchGetProjects),
    ListProjects: op(listProjects),
    UpdateProject: op(updateProject),
    DeleteProject: op(deleteProject),
  },
};
