// CodePipeline's registry: pipelines, executions, stage transitions and approvals (the runner lives in engines/pipelines).
import { op, type ServiceDefinition } from '../types.ts';
import { disableStageTransition, enableStageTransition, listActionTypes, putApprovalResult } from './control.ts';
import { getPipelineExecution, listPipelineExecutions, retryStageExecution, startPipelineExecution, stopPipelineExecution } from './executions.ts';
import { createPipeline, deletePipeline, getPipeline, listPipelines, listTagsForResource, tagResource, untagResource, updatePipeline } from './pipelines.ts';
import { rollbackStage } from './rollback.ts';
import { codepipelineMigrations } from './state.ts';
import { getPipelineState, listActionExecutions } from './views.ts';

export const codepipelineService: ServiceDefinition = {
  name: 'codepipeline',
  model: 'codepipeline.2015-07-09',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'CodePipeline_20150709',
  signingName: 'codepipeline',
  migrations: codepipelineMigrations,
  operations: {
    CreatePipeline: op(createPipeline),
    UpdatePipeline: op(updatePipeline),
    GetPipeline: op(getPipeline),
    ListPipelines: op(listPipelines),
    DeletePipeline: op(deletePipeline),
    StartPipelineExecution: op(startPipelineExecution),
    StopPipelineExecution: op(stopPipelineExecution),
    GetPipelineState: op(getPipelineState),
    GetPipelineExecution: op(getPipelineExecution),
    ListPipelineExecutions: op(listPipelineExecutions),
    ListActionExecutions: op(listActionExecutions),
    RetryStageExecution: op(retryStageExecution),
    RollbackStage: op(rollbackStage),
    DisableStageTransition: op(disableStageTransition),
    EnableStageTransition: op(enableStageTransition),
    PutApprovalResult: op(putApprovalResult),
    ListActionTypes: op(listActionTypes),
    TagResource: op(tagResource),
    UntagResource: op(untagResource),
    ListTagsForResource: op(listTagsForResource),
  },
};
