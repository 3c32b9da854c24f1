// Per-target-group counters named as CloudWatch's AWS/ApplicationELB metrics, for a later CloudWatch.

export interface MetricsSnapshot {
  readonly RequestCount: number;
  readonly HTTPCode_Target_2XX_Count: number;
  readonly HTTPCode_Target_3XX_Count: number;
  readonly HTTPCode_Target_4XX_Count: number;
  readonly HTTPCode_Target_5XX_Count: number;
  readonly HTTPCode_ELB_5XX_Count: number;
  readonly HTTPCode_ELB_502_Count: number;
  readonly HTTPCode_ELB_503_Count: number;
  readonly HTTPCode_ELB_504_Count: number;
  /** Seconds from sending the request to the target until its response headers arrived; the latest samples. */
  readonly TargetResponseTime: readonly number[];
  /** Every response since start, for publishers that need deltas (the samples above are a bounded window). */
  readonly TargetResponseTimeSum: number;
  readonly TargetResponseTimeCount: number;
}

const MAX_SAMPLES = 10_000;

export class Metrics {
  #c = {
    RequestCount: 0,
    HTTPCode_Target_2XX_Count: 0,
    HTTPCode_Target_3XX_Count: 0,
    HTTPCode_Target_4XX_Count: 0,
    HTTPCode_Target_5XX_Count: 0,
    HTTPCode_ELB_5XX_Count: 0,
    HTTPCode_ELB_502_Count: 0,
    HTTPCode_ELB_503_Count: 0,
    HTTPCode_ELB_504_Count: 0,
  };
  #samples: number[] = [];
  #sum = 0;
  #count = 0;

  request(): void {
    this.#c.RequestCount++;
  }

  targetResponse(status: number, seconds: number): void {
    if (status >= 200 && status < 300) this.#c.HTTPCode_Target_2XX_Count++;
    else if (status >= 300 && status < 400) this.#c.HTTPCode_Target_3XX_Count++;
    else if (status >= 400 && status < 500) this.#c.HTTPCode_Target_4XX_Count++;
    else if (status >= 500) this.#c.HTTPCode_Target_5XX_Count++;
    this.#samples.push(seconds);
    this.#sum += seconds;
    this.#count++;
    // A bounded window: the snapshot is for a periodic publisher, not an archive.
    if (this.#samples.length > MAX_SAMPLES) this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
  }

  elbError(status: 502 | 503 | 504): void {
    this.#c.HTTPCode_ELB_5XX_Count++;
    this.#c[`HTTPCode_ELB_${status}_Count`]++;
  }

  snapshot(): MetricsSnapshot {
    return { ...this.#c, TargetResponseTime: [...this.#samples], TargetResponseTimeSum: this.#sum, TargetResponseTimeCount: this.#count };
  }
}
