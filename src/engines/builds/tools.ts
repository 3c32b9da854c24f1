// Commands Slipway lends a build: `docker` (privileged mode, talking to the host's engine) and a minimal `aws` for ECR logins.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findOnPath } from '../../runtime/podman-service.ts';
import type { Mount } from '../../runtime/types.ts';

/** Where the lent commands appear in the container; appended to PATH, so an image's own docker/aws win. */
export const TOOLS_DIR = '/codebuild/slipway-tools';
export const DOCKER_DIR = '/codebuild/slipway-docker';

/**
 * `aws ecr get-login-password` through Slipway's ECR GetAuthorizationToken over HTTP (the token is base64 of
 * `AWS:<password>`), with curl or busybox wget, whichever the image has. Other commands say what is supported.
 */
export const AWS_SHIM = `#!/bin/sh
# Slipway's minimal aws command for builds: answers \`aws ecr get-login-password\`.
endpoint="\${SLIPWAY_ENDPOINT:?SLIPWAY_ENDPOINT is not set}"
if [ "$1" = ecr ] && [ "$2" = get-login-password ]; then
  target='X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'
  ctype='Content-Type: application/x-amz-json-1.1'
  if command -v curl >/dev/null 2>&1; then
    body=$(curl -fsS -X POST -H "$target" -H "$ctype" --data '{}' "$endpoint/") || exit 255
  else
    body=$(wget -q -O - --header "$target" --header "$ctype" --post-data '{}' "$endpoint/") || exit 255
  fi
  token=$(printf '%s' "$body" | sed -n 's/.*"authorizationToken" *: *"\\([^"]*\\)".*/\\1/p')
  if [ -z "$token" ]; then echo "aws: no authorizationToken in Slipway's answer: $body" >&2; exit 255; fi
  printf '%s' "$token" | base64 -d | sed 's/^AWS://'
  echo
  exit 0
fi
echo "aws: Slipway's build shim supports only 'aws ecr get-login-password' (got: aws $*)" >&2
exit 252
`;

/** The host's docker CLI, when it has one: a statically linked client works in any image. */
export function findDockerCli(): Promise<string | undefined> {
  return findOnPath('docker');
}

export interface LentTools {
  readonly mounts: Mount[];
  /** Appended to PATH in the build shell. */
  readonly extraPath: string;
  readonly notes: string[];
}

/** Writes the aws shim into `hostToolsDir` and returns the mounts that lend the tools (docker only when privileged). */
export async function lendTools(hostToolsDir: string, privileged: boolean, socketPath: string | undefined): Promise<LentTools> {
  await writeFile(join(hostToolsDir, 'aws'), AWS_SHIM, { mode: 0o755 });
  const mounts: Mount[] = [{ source: hostToolsDir, target: TOOLS_DIR, readOnly: true }];
  const notes: string[] = [];
  const path = [TOOLS_DIR];
  if (privileged) {
    if (socketPath === undefined) {
      notes.push('privileged mode: the container engine has no API socket to lend; docker is not available in this build');
    } else {
      mounts.push({ source: socketPath, target: '/var/run/docker.sock' });
      const cli = await findDockerCli();
      if (cli === undefined) notes.push('privileged mode: no docker CLI on this machine to lend; the image must bring its own');
      else {
        mounts.push({ source: cli, target: `${DOCKER_DIR}/docker`, readOnly: true });
        path.push(DOCKER_DIR);
      }
    }
  }
  return { mounts, extraPath: path.join(':'), notes };
}
