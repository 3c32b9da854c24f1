// The shell driver a build runs in: one long-lived shell that sources each step it is handed, and the parser of its output.
import { StringDecoder } from 'node:string_decoder';

/**
 * The driver reads step numbers from a FIFO the build runner writes, sources `step-<k>.sh` in this same shell (so
 * `cd`, `export` and functions carry over), then reads that step's nonce from the FIFO and prints the end marker
 * `\n<nonce> <k> <status>`. The nonce is handed over only after the command finished and never sits in the
 * environment or on disk, so a command's own output cannot forge a marker. On exit (a command ran `exit`, or
 * `set -e` fired) the EXIT trap saves exported variables and the directory so a new driver can carry on.
 * Arguments: control dir, FIFO name, and `restore` to start from the saved state.
 */
export const DRIVER_SCRIPT = `# Slipway build driver (generated): runs the build's steps in this one shell.
__sw_ctl="$1"
__sw_fifo="$2"
exec 2>&1
__sw_save() {
  { export -p > "$__sw_ctl/state.env"; pwd > "$__sw_ctl/state.cwd"; } 2>/dev/null
}
trap '__sw_save' EXIT
if [ "$3" = restore ]; then
  if [ -f "$__sw_ctl/state.env" ]; then . "$__sw_ctl/state.env" >/dev/null 2>&1; fi
  if [ -f "$__sw_ctl/state.cwd" ]; then IFS= read -r __sw_cwd < "$__sw_ctl/state.cwd"; cd "$__sw_cwd" 2>/dev/null; fi
fi
if [ -n "\${SLIPWAY_EXTRA_PATH:-}" ]; then PATH="$PATH:$SLIPWAY_EXTRA_PATH"; export PATH; fi
unset SLIPWAY_EXTRA_PATH
exec 3<"$__sw_ctl/$__sw_fifo"
while IFS= read -r __sw_k <&3; do
  if [ "$__sw_k" = quit ]; then break; fi
  . "$__sw_ctl/step-$__sw_k.sh" 3<&-
  __sw_s=$?
  IFS= read -r __sw_m <&3
  printf '\\n%s %s %s\\n' "$__sw_m" "$__sw_k" "$__sw_s"
  __sw_m=
done
`;

export interface StepEnd {
  readonly step: number;
  readonly status: number;
}

/**
 * Splits a driver's output stream into output lines and step-end markers. Each marker is preceded by a newline the
 * driver adds so it starts a line: when the command's output already ended with one, that adds one empty line,
 * which is dropped here (a genuine trailing empty line then still shows).
 */
export class DriverOutput {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLine: (line: string) => void;
  readonly #onEnd: (end: StepEnd) => void;
  /** Nonce → step it ends. */
  readonly #expected = new Map<string, number>();
  #partial = '';
  #heldEmpty = false;

  constructor(onLine: (line: string) => void, onEnd: (end: StepEnd) => void) {
    this.#onLine = onLine;
    this.#onEnd = onEnd;
  }

  expect(nonce: string, step: number): void {
    this.#expected.set(nonce, step);
  }

  push(data: Buffer): void {
    this.#feed(this.#decoder.write(data));
  }

  /** The stream ended: a last unterminated line is output. */
  end(): void {
    this.#feed(this.#decoder.end());
    if (this.#heldEmpty) this.#onLine('');
    this.#heldEmpty = false;
    if (this.#partial !== '') this.#onLine(this.#partial);
    this.#partial = '';
  }

  #feed(text: string): void {
    let rest = this.#partial + text;
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      this.#line(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
      nl = rest.indexOf('\n');
    }
    this.#partial = rest;
  }

  #line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const space = line.indexOf(' ');
    const step = space > 0 ? this.#expected.get(line.slice(0, space)) : undefined;
    if (step !== undefined) {
      const [k, status] = line.slice(space + 1).split(' ');
      if (Number(k) === step && status !== undefined && /^\d+$/.test(status)) {
        this.#expected.delete(line.slice(0, space));
        this.#heldEmpty = false;
        this.#onEnd({ step, status: Number(status) });
        return;
      }
    }
    if (this.#heldEmpty) this.#onLine('');
    this.#heldEmpty = line === '';
    if (!this.#heldEmpty) this.#onLine(line);
  }
}
