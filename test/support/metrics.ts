/** The value of an unlabelled sample in a Prometheus exposition, or undefined when absent. */
export function sample(exposition: string, name: string): number | undefined {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition);
  return match ? Number(match[1]) : undefined;
}
