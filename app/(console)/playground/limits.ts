// Limits the playground's forms and its server actions share, so the page says what the server checks.

/** OpenAI's limit on the text of one speech request. */
export const MAX_SPEECH_CHARACTERS = 4096;

/** The most texts the playground embeds at once: enough to compare, few enough to read as a matrix. */
export const MAX_EMBEDDING_TEXTS = 12;
