import { describedBy, FieldError } from './field-error';
import type { ConfigField } from './config-fields';

interface ConfigFieldInputProps {
  field: ConfigField;
  /** The preset's value (placeholder of a number, initial state of a switch). */
  presetValue: unknown;
  number: string;
  checked: boolean | undefined;
  onNumber: (value: string) => void;
  onChecked: (value: boolean) => void;
  error: string | undefined;
}

/** One config input: a number (empty = the preset's value) or a switch. */
export function ConfigFieldInput(props: ConfigFieldInputProps) {
  const { field, presetValue, number, checked, onNumber, onChecked, error } = props;
  const id = `input-${field.name.replace(/\./g, '-')}`;
  if (field.kind === 'bool') {
    return (
      <div className="field">
        <label className="check" htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={checked ?? presetValue === true}
            onChange={(e) => onChecked(e.target.checked)}
            data-testid={`field-${field.name}`}
            {...describedBy(field.name, error)}
          />
          {field.label}
        </label>
        <FieldError name={field.name} reason={error} />
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.hint && <span className="muted"> ({field.hint})</span>}
      </label>
      <input
        id={id}
        type="number"
        step={field.kind === 'int' ? 1 : 'any'}
        value={number}
        placeholder={presetValue === undefined ? '' : String(presetValue)}
        onChange={(e) => onNumber(e.target.value)}
        data-testid={`field-${field.name}`}
        {...describedBy(field.name, error)}
      />
      <FieldError name={field.name} reason={error} />
    </div>
  );
}
