/**
 * How the service is pointed at these emulators: the environment a test, the demo or a benchmark gives
 * `src/main.ts` (the emulators only name the variables; they never import the service).
 */
export function localServiceEnv(
  ct: { url: string; projectKey: string },
  klaviyoUrl: string,
  apiKey: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CT_API_URL: ct.url,
    CT_AUTH_URL: ct.url,
    CT_PROJECT_ID: ct.projectKey,
    CT_SCOPE: `manage_project:${ct.projectKey}`,
    CT_API_CLIENT: JSON.stringify({ clientId: 'local-emulator', secret: 'local-emulator-secret' }),
    KLAVIYO_AUTH_KEY: apiKey,
    KLAVIYO_API_URL: klaviyoUrl,
    PUB_SUB_PORT: '0',
    ...extra,
  };
}
