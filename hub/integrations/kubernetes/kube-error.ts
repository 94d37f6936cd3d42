/** A failed call: the apiserver's Status (code, reason, message) or the connection error. */
export class KubeError extends Error {
  constructor(
    message: string,
    /** HTTP status; null when no answer came (connection refused, timeout). */
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'KubeError';
  }

  /** Whether trying again may work (no answer, 429, 5xx); a 4xx refusal will not change. */
  get transient(): boolean {
    return this.code === null || this.code === 429 || this.code >= 500;
  }
}
