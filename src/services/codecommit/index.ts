// CodeCommit's registry (JSON 1.1, `CodeCommit_20150413`): repositories, branches, content; git itself is served by engines/git-server.
import { op, type ServiceDefinition } from '../types.ts';
import { createBranch, deleteBranch, getBranch, listBranches } from './branches.ts';
import { getCommit, getDifferences, getFile, getFolder, putFile } from './content.ts';
import {
  createRepository,
  deleteRepository,
  getRepositoryOp,
  listRepositories,
  listTagsForResource,
  tagResource,
  untagResource,
  updateRepositoryDescription,
} from './repositories.ts';
import { codecommitMigrations } from './state.ts';

export const codecommitService: ServiceDefinition = {
  name: 'codecommit',
  model: 'codecommit.2015-04-13',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodeCommit_20150413',
  signingName: 'codecommit',
  migrations: codecommitMigrations,
  operations: {
    CreateRepository: op(createRepository),
    GetRepository: op(getRepositoryOp),
    ListRepositories: op(listRepositories),
    UpdateRepositoryDescription: op(updateRepositoryDescription),
    DeleteRepository: op(deleteRepository),
    GetBranch: op(getBranch),
    ListBranches: op(listBranches),
    CreateBranch: op(createBranch),
    DeleteBranch: op(deleteBranch),
    GetCommit: op(getCommit),
    GetFile: op(getFile),
    GetFolder: op(getFolder),
    GetDifferences: op(getDifferences),
    PutFile: op(putFile),
    TagResource: op(tagResource),
    UntagResource: op(untagResource),
    ListTagsForResource: op(listTagsForResource),
  },
};
