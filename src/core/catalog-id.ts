/** `$custom:::$default:::<external id>`: the catalog id Klaviyo gives a custom-integration resource. */
export function catalogId(externalId: string): string {
  return `$custom:::$default:::${externalId}`;
}
