// The version this build of the API reports; edit it, commit and push to watch a blue/green deployment.
export const VERSION = 'v1';
