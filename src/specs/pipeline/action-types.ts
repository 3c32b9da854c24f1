// The AWS action types a pipeline may declare: artifact counts, configuration keys and default timeouts (AWS-SEMANTICS §2.1/§2.2).

export interface ActionTypeKey {
  readonly category: string;
  readonly owner: string;
  readonly provider: string;
}

export interface ConfigProperty {
  readonly name: string;
  readonly required: boolean;
  readonly secret?: boolean;
  readonly description?: string;
}

export interface ActionTypeSpec extends ActionTypeKey {
  readonly inputs: { readonly min: number; readonly max: number };
  readonly outputs: { readonly min: number; readonly max: number };
  readonly configuration: readonly ConfigProperty[];
  /** AWS's action timeout for the type (CP-limits). */
  readonly timeoutMinutes: number;
}

export const ACTION_CATEGORIES = ['Source', 'Build', 'Deploy', 'Test', 'Invoke', 'Approval', 'Compute'] as const;
export const ACTION_OWNERS = ['AWS', 'ThirdParty', 'Custom'] as const;

const HOUR = 60;
const DAY = 24 * HOUR;

const req = (name: string, description?: string): ConfigProperty => ({ name, required: true, ...(description === undefined ? {} : { description }) });
const opt = (name: string, description?: string): ConfigProperty => ({ name, required: false, ...(description === undefined ? {} : { description }) });

const imageKeys = [1, 2, 3, 4].flatMap((n) => [opt(`Image${n}ArtifactName`), opt(`Image${n}ContainerName`)]);

export const ACTION_TYPES: readonly ActionTypeSpec[] = [
  {
    category: 'Source', owner: 'AWS', provider: 'CodeCommit',
    inputs: { min: 0, max: 0 }, outputs: { min: 1, max: 1 }, timeoutMinutes: HOUR,
    configuration: [req('RepositoryName'), req('BranchName'), opt('PollForSourceChanges'), opt('OutputArtifactFormat')],
  },
  {
    category: 'Source', owner: 'AWS', provider: 'ECR',
    inputs: { min: 0, max: 0 }, outputs: { min: 1, max: 1 }, timeoutMinutes: HOUR,
    configuration: [req('RepositoryName'), opt('ImageTag')],
  },
  {
    category: 'Source', owner: 'AWS', provider: 'S3',
    inputs: { min: 0, max: 0 }, outputs: { min: 1, max: 1 }, timeoutMinutes: HOUR,
    configuration: [req('S3Bucket'), req('S3ObjectKey'), opt('PollForSourceChanges'), opt('AllowOverrideForS3ObjectKey')],
  },
  {
    category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection',
    inputs: { min: 0, max: 0 }, outputs: { min: 1, max: 1 }, timeoutMinutes: HOUR,
    configuration: [req('ConnectionArn'), req('FullRepositoryId'), req('BranchName'), opt('OutputArtifactFormat'), opt('DetectChanges')],
  },
  {
    category: 'Build', owner: 'AWS', provider: 'CodeBuild',
    inputs: { min: 1, max: 5 }, outputs: { min: 0, max: 5 }, timeoutMinutes: 8 * HOUR,
    configuration: [req('ProjectName'), opt('PrimarySource'), opt('EnvironmentVariables'), opt('BatchEnabled'), opt('CombineArtifacts')],
  },
  {
    category: 'Test', owner: 'AWS', provider: 'CodeBuild',
    inputs: { min: 1, max: 5 }, outputs: { min: 0, max: 5 }, timeoutMinutes: 8 * HOUR,
    configuration: [req('ProjectName'), opt('PrimarySource'), opt('EnvironmentVariables'), opt('BatchEnabled'), opt('CombineArtifacts')],
  },
  {
    category: 'Deploy', owner: 'AWS', provider: 'ECS',
    inputs: { min: 1, max: 1 }, outputs: { min: 0, max: 0 }, timeoutMinutes: HOUR,
    configuration: [req('ClusterName'), req('ServiceName'), opt('FileName'), opt('DeploymentTimeout')],
  },
  {
    category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy',
    inputs: { min: 1, max: 1 }, outputs: { min: 0, max: 0 }, timeoutMinutes: 5 * DAY,
    configuration: [req('ApplicationName'), req('DeploymentGroupName')],
  },
  {
    category: 'Deploy', owner: 'AWS', provider: 'CodeDeployToECS',
    inputs: { min: 1, max: 5 }, outputs: { min: 0, max: 0 }, timeoutMinutes: 5 * DAY,
    configuration: [
      req('ApplicationName'), req('DeploymentGroupName'), req('TaskDefinitionTemplateArtifact'), req('AppSpecTemplateArtifact'),
      opt('TaskDefinitionTemplatePath'), opt('AppSpecTemplatePath'), ...imageKeys,
    ],
  },
  {
    category: 'Approval', owner: 'AWS', provider: 'Manual',
    inputs: { min: 0, max: 0 }, outputs: { min: 0, max: 0 }, timeoutMinutes: 7 * DAY,
    configuration: [opt('NotificationArn'), opt('CustomData'), opt('ExternalEntityLink')],
  },
  {
    category: 'Invoke', owner: 'AWS', provider: 'Lambda',
    inputs: { min: 0, max: 5 }, outputs: { min: 0, max: 5 }, timeoutMinutes: DAY,
    configuration: [req('FunctionName'), opt('UserParameters')],
  },
];

export function keyOf(t: ActionTypeKey): string {
  return `${t.category}/${t.owner}/${t.provider}`;
}

const byKey = new Map(ACTION_TYPES.map((t) => [keyOf(t), t]));

export function findActionType(t: ActionTypeKey): ActionTypeSpec | undefined {
  return byKey.get(keyOf(t));
}
