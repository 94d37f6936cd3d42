import { useState } from 'preact/hooks';

/**
 * A form's fields as one state object, and `field(k)`: the input handler
 * that writes field `k` (numbers from number inputs, `checked` from
 * checkboxes, the text otherwise).
 */
export function useForm<T extends Record<string, string | number | boolean>>(initial: T): [T, (k: keyof T) => (e: Event) => void] {
  const [form, setForm] = useState(initial);
  const field = (k: keyof T) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    const value = el.type === 'checkbox' ? el.checked : el.type === 'number' ? Number(el.value) : el.value;
    setForm((f) => ({ ...f, [k]: value }));
  };
  return [form, field];
}
