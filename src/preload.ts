/**
 * Loads lexical and the @lexical/* packages one at a time, in dependency order, before anything
 * else. On Node 20 their `*.node.mjs` entry points race each other's top-level `await import()` when
 * loaded together by @payloadcms/richtext-lexical, and the process then exits with code 13
 * ("unsettled top-level await"). Every entry point (server, CLI, scripts, jest setup) imports this
 * module first.
 */
const ORDER = [
  'lexical',
  '@lexical/selection',
  '@lexical/utils',
  '@lexical/extension',
  '@lexical/html',
  '@lexical/text',
  '@lexical/a11y',
  '@lexical/list',
  '@lexical/link',
  '@lexical/clipboard',
  '@lexical/dragon',
  '@lexical/rich-text',
  '@lexical/plain-text',
  '@lexical/table',
  '@lexical/mark',
  '@lexical/history',
  '@lexical/hashtag',
  '@lexical/headless',
  '@lexical/markdown',
]

for (const name of ORDER) {
  try {
    await import(name)
  } catch (err) {
    // A package that is not installed is not needed; anything else is a real failure.
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw err
  }
}

export {}
