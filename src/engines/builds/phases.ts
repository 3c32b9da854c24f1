// AWS's phase flow for INSTALL..POST_BUILD: which phases run after a failure, finally blocks, on-failure and RETRY.
import type { PhaseType } from '../../services/codebuild/build-state.ts';
import type { Buildspec, Phase, PhaseName } from '../../specs/buildspec/read.ts';
import type { StepResult } from './shell.ts';

export const COMMAND_PHASES: readonly { name: PhaseName; type: PhaseType }[] = [
  { name: 'install', type: 'INSTALL' },
  { name: 'pre_build', type: 'PRE_BUILD' },
  { name: 'build', type: 'BUILD' },
  { name: 'post_build', type: 'POST_BUILD' },
];

export interface PhaseContext {
  readonly statusCode: string;
  readonly message: string;
}

/** What the phase flow needs from the build: run a command, record phases, log, and whether it was interrupted. */
export interface PhaseHost {
  runCommand(command: string, phase: Phase | undefined, buildspec: Buildspec): Promise<StepResult>;
  startPhase(type: PhaseType): void;
  endPhase(status: 'SUCCEEDED' | 'FAILED', context?: PhaseContext): void;
  /** Set once the build timed out or was stopped: no further command runs. */
  interrupted(): boolean;
  markFailing(): Promise<void>;
  agent(text: string): void;
}

export interface FlowResult {
  /** A command phase failed (the build's result is FAILED unless it was interrupted). */
  readonly failed: boolean;
  /** UPLOAD_ARTIFACTS is attempted (not after INSTALL/PRE_BUILD failures or an explicit ABORT). */
  readonly uploadArtifacts: boolean;
}

function commandFailure(command: string, status: number): PhaseContext {
  return { statusCode: 'COMMAND_EXECUTION_ERROR', message: `Error while executing command: ${command}. Reason: exit status ${status}` };
}

/** Runs `commands` in order; the first failing one skips the rest. Returns the failure, if any. */
async function runList(host: PhaseHost, commands: readonly string[], phase: Phase | undefined, buildspec: Buildspec): Promise<PhaseContext | undefined> {
  for (const command of commands) {
    if (host.interrupted()) return undefined;
    host.agent(`Running command ${command}`);
    const result = await host.runCommand(command, phase, buildspec);
    if (host.interrupted()) return undefined;
    if (result.status !== 0) {
      host.agent(`Command did not exit successfully ${command} exit status ${result.status}`);
      return commandFailure(command, result.status);
    }
  }
  return undefined;
}

/** One attempt of a phase: commands, then finally (always, once commands started), first failure wins. */
async function runPhaseOnce(host: PhaseHost, phase: Phase | undefined, buildspec: Buildspec): Promise<PhaseContext | undefined> {
  const failure = await runList(host, phase?.commands ?? [], phase, buildspec);
  if (host.interrupted()) return undefined;
  const finallyFailure = await runList(host, phase?.finally ?? [], phase, buildspec);
  return failure ?? finallyFailure;
}

/**
 * INSTALL, PRE_BUILD, BUILD, POST_BUILD with AWS's transitions (AWS-SEMANTICS §1.3): without on-failure, an
 * INSTALL or PRE_BUILD failure ends the command phases, a BUILD failure still runs POST_BUILD (with
 * CODEBUILD_BUILD_SUCCEEDING=0) and artifacts are still uploaded. `on-failure: CONTINUE` goes on to the next phase;
 * `ABORT` ends the build there; `RETRY[-n][-regex]` runs the phase again up to n times while the failure message
 * matches, then aborts.
 */
export async function runCommandPhases(host: PhaseHost, buildspec: Buildspec): Promise<FlowResult> {
  let failed = false;
  for (const { name, type } of COMMAND_PHASES) {
    if (host.interrupted()) return { failed, uploadArtifacts: false };
    const phase = buildspec.phases[name];
    host.agent(`Entering phase ${type}`);
    host.startPhase(type);
    if (name === 'install' && phase?.runtimeVersions !== undefined && Object.keys(phase.runtimeVersions).length > 0) {
      host.agent(`Unable to install runtime(s) ${Object.keys(phase.runtimeVersions).join(', ')}: the build image has no runtime manager (custom image); runtime-versions is ignored`);
    }
    const onFailure = phase?.onFailure;
    let failure = await runPhaseOnce(host, phase, buildspec);
    if (failure !== undefined && onFailure?.mode === 'RETRY') {
      const pattern = onFailure.pattern === undefined ? undefined : new RegExp(onFailure.pattern);
      for (let attempt = 1; attempt <= onFailure.count && failure !== undefined && !host.interrupted(); attempt++) {
        if (pattern !== undefined && !pattern.test(failure.message)) break;
        host.agent(`Retrying phase ${type} (attempt ${attempt} of ${onFailure.count}) after: ${failure.message}`);
        failure = await runPhaseOnce(host, phase, buildspec);
      }
    }
    if (host.interrupted()) return { failed, uploadArtifacts: false };
    if (failure === undefined) {
      host.endPhase('SUCCEEDED');
      continue;
    }
    failed = true;
    host.endPhase('FAILED', failure);
    await host.markFailing();
    const mode = onFailure?.mode ?? (name === 'build' ? 'CONTINUE' : 'ABORT');
    if (mode === 'CONTINUE') continue;
    // An aborted POST_BUILD has nothing left to skip: artifacts are still attempted, as after any POST_BUILD.
    return { failed, uploadArtifacts: name === 'post_build' && onFailure === undefined };
  }
  return { failed, uploadArtifacts: true };
}
