/** Step 2 (issue 6, auth): API keys, revoked tokens, sessions, secrets. */
export const AUTH_SCHEMA = ``;
