/** A labelled figure; `raw` (the exact integer behind it) goes into `data-raw` for tests and tooltips. */
export function Metric({
  label,
  value,
  raw,
  id,
}: {
  label: string;
  value: string;
  raw?: bigint;
  id?: string;
}) {
  return (
    <div className="metric" data-testid={id} data-raw={raw === undefined ? undefined : raw.toString()}>
      <span className="label">{label}</span>
      <span className="value">{value}</span>
    </div>
  );
}
