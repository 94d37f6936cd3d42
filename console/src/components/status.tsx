import type { ComponentChildren } from 'preact';
import { ErrorAlert } from './form';

/** Loading and error lines every view shows the same way (errors are announced: role=alert). */
export function Status(props: { loading: boolean; error: string | null; children?: ComponentChildren }) {
  if (props.error) return <ErrorAlert message={props.error} />;
  if (props.loading && !props.children) return <p class="muted">Loading…</p>;
  return <>{props.children}</>;
}

export function Card(props: { label: string; value: ComponentChildren; hint?: ComponentChildren; testId?: string }) {
  return (
    <section class="card" aria-label={props.label}>
      <h3>{props.label}</h3>
      <p class="value" data-testid={props.testId}>
        {props.value}
      </p>
      {props.hint && <p class="muted small">{props.hint}</p>}
    </section>
  );
}
