// CodeDeploy ECS appspec: reading and validating it, and finding the file in a revision.
export { readEcsAppSpec, ECS_HOOK_EVENTS, TASK_DEFINITION_PLACEHOLDER } from './ecs-appspec.ts';
export type { EcsAppSpec, EcsHookEvent, ReadEcsAppSpecOptions } from './ecs-appspec.ts';
export { findAppSpecFile } from './find-file.ts';
export type { AppSpecFileResult } from './find-file.ts';
