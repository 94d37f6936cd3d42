import { useState } from 'preact/hooks';

/** The input handler of field `k`; a part of a form (a group of fields) takes it for its own keys. */
export type FieldSetter<K> = (k: K) => (e: Event) => void;

/**
 * A form's fields as one state object, and `field(k)`: the input handler
 * that writes field `k` (numbers from number inputs, `checked` from
 * checkboxes, the text otherwise).
 */
export function useForm<T extends Record<string, string | number | boolean>>(initial: T): [T, FieldSetter<keyof T>] {
  const [form, setForm] = useState(initial);
  const field = (k: keyof T) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const value = el.type === 'checkbox' ? el.checked : el.type === 'number' ? Number(el.value) : el.value;
    setForm((f) => ({ ...f, [k]: value }));
  };
  return [form, field];
}

/**
 * A form's submit handler: keeps the page, clears the last error and runs
 * `action`; a refusal's message is the error the form shows (ErrorAlert).
 */
export function useSubmit(action: () => Promise<void>): [(e: Event) => void, string | null] {
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    action().catch((err: unknown) => setError((err as Error).message));
  };
  return [submit, error];
}
