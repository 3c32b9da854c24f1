// ECS task definitions: reading taskdef files and validating RegisterTaskDefinition inputs with AWS's rules.
export { readTaskDefinition, assertTaskDefinition, findPlaceholders } from './read.ts';
export type { TaskDefinitionFile } from './read.ts';
export { validateTaskDefinition, parseTaskCpu, parseTaskMemory, FARGATE_SIZES, MIN_CONTAINER_MEMORY_MIB } from './validate.ts';
export { parseSource, Reporter, nearName, fieldName } from './source.ts';
export type { Source, Path, Position } from './source.ts';
