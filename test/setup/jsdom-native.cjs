// `jsdom` as the test environment (test/setup/environment.mjs) loaded it with Node's own require.
const jsdom = globalThis.__nodeJsdom

exports.JSDOM = jsdom.JSDOM
exports.VirtualConsole = jsdom.VirtualConsole
exports.CookieJar = jsdom.CookieJar
exports.ResourceLoader = jsdom.ResourceLoader
