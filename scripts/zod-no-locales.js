// Stand-in for zod's table of translated error messages (wired in tsup.config.ts): zod's
// `export * as locales` keeps all 40-odd languages (~350 KB) in every bundle although gt and
// bd never call z.config() with one; zod's default English messages are imported separately.
export {};
