import { archivePost, parseArchiveFile, type ArchivePost } from '../archive'

/** One archive file split into its parts (the archive module's post view). Pure: no I/O, no Payload. */
export type ParsedFile = ArchivePost

/**
 * Parses one archive file (`src/archive` knows the format). Never throws on odd input: what cannot be
 * read becomes a warning and the transform stage decides whether the post is usable. `readWarnings`
 * (what reading the file found, e.g. invalid UTF-8) start the file's warnings.
 */
export const parseFile = (raw: string, file: string, readWarnings: string[] = []): ParsedFile =>
  archivePost(parseArchiveFile(raw, file), readWarnings)
