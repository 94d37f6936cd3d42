const nf = (digits: number) => new Intl.NumberFormat('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const f0 = nf(0);
const f1 = nf(1);
const f2 = nf(2);
const f3 = nf(3);

export const NA = '–';
const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Watts as the API gives them, to two decimals (the fixtures' resolution), so the page shows the API's number. */
export const watts = (v: number | null | undefined): string => (ok(v) ? `${f2.format(v)} W` : NA);
export const kilowatts = (v: number | null | undefined): string => (ok(v) ? `${f2.format(v / 1000)} kW` : NA);
export const kwh = (v: number | null | undefined): string => (ok(v) ? `${f3.format(v)} kWh` : NA);
export const percent = (v: number | null | undefined): string => (ok(v) ? `${f0.format(v)} %` : NA);
export const celsius = (v: number | null | undefined): string => (ok(v) ? `${f0.format(v)} °C` : NA);
export const mib = (v: number | null | undefined): string => (ok(v) ? (v >= 1024 ? `${f1.format(v / 1024)} GiB` : `${f0.format(v)} MiB`) : NA);
export const money = (v: number | null | undefined, currency: string): string =>
  ok(v) ? new Intl.NumberFormat('en', { style: 'currency', currency, maximumFractionDigits: 2 }).format(v) : NA;
export const number = (v: number | null | undefined, digits = 1): string => (ok(v) ? nf(digits).format(v) : NA);
export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : NA);
