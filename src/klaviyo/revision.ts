/** The Klaviyo API revision this service is written against (https://developers.klaviyo.com/en/v2026-07-15/reference/api_overview). */
export const KLAVIYO_REVISION = '2026-07-15';
