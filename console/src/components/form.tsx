/** An error announced to screen readers (role=alert): a form's, an action's or a view's; nothing when there is none. */
export function ErrorAlert(props: { message: string | null }) {
  if (!props.message) return null;
  return (
    <p role="alert" class="error">
      {props.message}
    </p>
  );
}

export interface SelectOption<V extends string> {
  value: V;
  label: string;
}

/**
 * A labelled `<select>`. `options`: values shown as they are, or value and
 * label pairs; `placeholder`: a first option with the empty value, which
 * cannot be chosen when the field is `required`.
 */
export function SelectField<V extends string>(props: {
  label: string;
  value: V;
  onChange: (e: Event) => void;
  options: readonly (V | SelectOption<V>)[];
  name?: string;
  placeholder?: string;
  required?: boolean;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={props.onChange} required={props.required}>
        {props.placeholder !== undefined && (
          <option value="" disabled={props.required}>
            {props.placeholder}
          </option>
        )}
        {props.options.map((o) => {
          const { value, label } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {label}
            </option>
          );
        })}
      </select>
    </label>
  );
}
