// `npm run docs:env`: writes the README's environment table from src/config.ts (the one list of
// variables), between the markers `<!-- env:start -->` and `<!-- env:end -->`.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { environmentTable } from '../src/config'

const readme = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md')
const text = fs.readFileSync(readme, 'utf8')
const pattern = /(<!-- env:start -->\n)[\s\S]*?(\n<!-- env:end -->)/
if (!pattern.test(text))
  throw new Error(`${readme} has no <!-- env:start --> … <!-- env:end --> markers`)
fs.writeFileSync(readme, text.replace(pattern, `$1${environmentTable()}$2`))
process.stdout.write('README.md: environment table written from src/config.ts\n')
